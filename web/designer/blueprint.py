"""The designer's blueprint and its gate, alone in its module so the pages can import it without a cycle."""
from flask import Blueprint, abort

from ..csrf import require_csrf
from ..roles import is_admin
from ..session import signed_in_actor

designer = Blueprint("designer", __name__, url_prefix="/designer")


@designer.before_request
def _admins_only() -> None:
    who = signed_in_actor()
    if who is not None and not is_admin(who):
        abort(404)  # the designer does not exist for anyone else
    require_csrf()
