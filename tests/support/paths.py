"""Where things are: the repository, the suite, and the shipped processes and forms."""
from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).parent.parent
ROOT = TESTS.parent
PROCESSES = ROOT / "processes"  # the shipped case lifecycle and its decision tables
FORMS = ROOT / "forms"  # the shipped forms
