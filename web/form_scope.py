"""Several rendered forms on one page (the case page's record forms) without clashing ids.

form_render.py names every control after its field ("f-on"); two forms that both have an
`on` date would give two elements one id, and the second label would point at the first
input. `scoped` prefixes the ids a rendered form defines and the references to them
(for, aria-describedby, the error summary's links); field names, which the server reads,
stay as they are.
"""
from __future__ import annotations

import re

from markupsafe import Markup

_REFERENCE = re.compile(r'(\s(?:id|for)="|href="#)f-')
_DESCRIBED = re.compile(r'aria-describedby="([^"]*)"')


def scoped(rendered: Markup, scope: str) -> Markup:
    text = _REFERENCE.sub(lambda m: f"{m.group(1)}{scope}-f-", str(rendered))
    text = _DESCRIBED.sub(lambda m: 'aria-describedby="' + " ".join(
        f"{scope}-{ref}" if ref.startswith("f-") else ref for ref in m.group(1).split()) + '"', text)
    return Markup(text)
