"""Flask test clients that sign in as one of the agency's people."""
from __future__ import annotations

import re

from tests.support.people import PASSWORD


class ApiClient:
    """A Flask test client that signs in as one user and speaks JSON."""

    def __init__(self, app, username: str | None):
        self.client = app.test_client()
        self.headers = {}
        if username:
            response = self.client.post("/api/auth/token", json={"username": username, "password": PASSWORD})
            assert response.status_code == 200, response.get_json()
            self.headers = {"Authorization": f"Bearer {response.get_json()['token']}"}

    def get(self, path, **kw):
        return self.client.get(path, headers=self.headers, **kw)

    def post(self, path, json=None, **kw):
        return self.client.post(path, json=json, headers=self.headers, **kw)


class Browser:
    """A test client that signs in through the login form and sends the page's CSRF token."""

    def __init__(self, app, username: str | None = None, password: str = PASSWORD):
        self.client = app.test_client()
        self.csrf = None
        if username:
            response = self.sign_in(username, password)
            assert response.status_code == 302, response.get_data(as_text=True)

    def _token_from(self, html: str) -> None:
        found = re.search(r'name="csrf_token" value="([^"]+)"', html)
        if found:
            self.csrf = found.group(1)

    def get(self, path: str):
        response = self.client.get(path)
        self._token_from(response.get_data(as_text=True))
        return response

    def sign_in(self, username: str, password: str = PASSWORD):
        self.get("/login")
        response = self.client.post("/login", data={"username": username, "password": password,
                                                    "csrf_token": self.csrf})
        if response.status_code == 302:
            self.get("/inbox")  # a new session has a new CSRF token
        return response

    def post(self, path: str, data: dict | None = None, csrf: bool = True):
        form = dict(data or {})
        if csrf:
            form["csrf_token"] = self.csrf
        response = self.client.post(path, data=form)
        self._token_from(response.get_data(as_text=True))
        return response
