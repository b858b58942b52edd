"""The browser UI: sign-in, inbox, task forms, case pages, the supervisor dashboard.

Server-rendered pages (Jinja) with a little script for repeating form rows and the
diagram viewer; every page works with the keyboard and a screen reader. The UI calls
the engine's API only, never SpiffWorkflow or the database.
"""
# the page modules register their routes on import
from . import (auth_pages, case_pages, dashboard_pages, inbox_pages, incident_pages,  # noqa: F401
               record_pages, report_pages, retention_pages, task_pages)
from .blueprint import ui

__all__ = ["ui"]
