"""`python -m web` is the `casepath` command."""
from .cli import main

main()
