"""The Flask app the tests serve: the test's own engine, database, forms and instance folder."""
from __future__ import annotations

from pathlib import Path


def web_app(engine, database_url: str, tmp_path: Path, forms: Path, secret_key: str = "test"):
    from web import create_app

    return create_app({"CASEPATH_ENV": "test", "DATABASE_URL": database_url,
                       "CASEPATH_INSTANCE_DIR": str(tmp_path / "instance"),
                       "CASEPATH_FORMS_DIR": str(forms), "SECRET_KEY": secret_key},
                      engine=engine)
