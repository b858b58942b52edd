"""Users, passwords (argon2-cffi) and API tokens: who is asking."""
from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import Clock
from .. import policy
from ..definitions.input_limits import check_length
from ..errors import Conflict, InvalidData, NotFound
from ..policy import Actor
from ..store.models import ApiToken, User
from ..store.unit_of_work import Store
from ..vocabulary import ROLES

TOKEN_LIFETIME = timedelta(hours=12)
MIN_PASSWORD_LENGTH = 8


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class IdentityService:
    def __init__(self, store: Store, clock: Clock, hasher: PasswordHasher | None = None):
        """`hasher` defaults to argon2-cffi's recommended parameters; only tests pass a cheaper one."""
        self.store = store
        self.clock = clock
        self._hasher = hasher or PasswordHasher()

    @functools.cached_property
    def _dummy_hash(self) -> str:
        """A real hash to verify against when the user does not exist, so a login for an
        unknown name costs the same time as a wrong password. Made at the first sign-in, not
        at start-up: a timer worker or a CLI command never signs anyone in (argon2 costs
        64 MiB and a good part of a second)."""
        return self._hasher.hash("casepath-not-a-password")

    def add_user(self, username: str, password: str, roles: list[str], team: str | None = None,
                 display_name: str = "") -> Actor:
        with self.store.transaction() as uow:
            return Actor.of(self._add_user(uow.session, username, password, roles, team, display_name))

    def login(self, username: str, password: str) -> str | None:
        """An API token for the user, or None for a wrong name or password (audited on success)."""
        with self.store.transaction() as uow:
            user = self._authenticate(uow.session, username, password)
            if user is None:
                # Failed sign-ins are part of the access record (HIPAA: log-in monitoring).
                name = (username or "")[:80]
                uow.audit(None, name or "(no name)", "login_failed", f"failed sign-in as {name!r}")
                return None
            uow.audit(None, user.username, "login", f"{user.username} signed in")
            return self._issue_token(uow.session, user)

    def actor_for_token(self, token: str) -> Actor | None:
        """Who holds this token: asked on every request, so one statement (token and user joined)."""
        with self.store.single_read() as session:
            user = session.scalar(select(User).join(ApiToken, ApiToken.user_id == User.id)
                                  .where(ApiToken.token_hash == _token_hash(token),
                                         ApiToken.expires_at > self.clock.now(), User.active.is_(True)))
            return Actor.of(user) if user else None

    def logout(self, token: str) -> None:
        with self.store.transaction() as uow:
            self._revoke_token(uow.session, token)

    def tokens(self, actor: Actor, username: str) -> list[dict]:
        """A user's API tokens still in force (when issued, when they expire; never the token)."""
        policy.require(policy.is_admin(actor), "only administrators may see other people's tokens")
        with self.store.reading() as uow:
            user = self._user(uow.session, username)
            now = self.clock.now()
            rows = uow.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.expires_at > now)
                                       .order_by(ApiToken.created_at))
            return [{"id": row.id, "created_at": row.created_at.isoformat(), "expires_at": row.expires_at.isoformat()}
                    for row in rows]

    def revoke_tokens(self, actor: Actor, username: str) -> int:
        """Sign a user out everywhere (a lost laptop, a leaver): every token revoked, audited."""
        policy.require(policy.is_admin(actor), "only administrators may revoke other people's tokens")
        with self.store.transaction() as uow:
            user = self._user(uow.session, username)
            rows = list(uow.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)))
            for row in rows:
                uow.session.delete(row)
            uow.audit(None, actor.username, "tokens_revoked", f"revoked {len(rows)} token(s) of {user.username}",
                      data={"user": user.username, "count": len(rows)})
            return len(rows)

    @staticmethod
    def _user(session: Session, username: str) -> User:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"no user '{username}'")
        return user

    def actor(self, username: str) -> Actor | None:
        with self.store.reading() as uow:
            user = uow.session.scalar(select(User).where(User.username == username))
            return Actor.of(user) if user else None


    def _add_user(self, session: Session, username: str, password: str, roles: list[str],
                 team: str | None = None, display_name: str = "") -> User:
        problems = []
        if not username or not username.replace("_", "").replace(".", "").replace("-", "").isalnum():
            problems.append({"field": "username", "message": "use letters, digits, '.', '-' or '_'"})
        problems += check_length(username, "username", 80) + check_length(display_name, "display_name", 200) + \
            check_length(team, "team", 80)
        unknown = [r for r in roles if r not in ROLES]
        if not roles or unknown:
            problems.append({"field": "roles", "message": f"roles must be among {', '.join(ROLES)}"})
        if len(password or "") < MIN_PASSWORD_LENGTH:
            problems.append({"field": "password", "message": f"at least {MIN_PASSWORD_LENGTH} characters"})
        if problems:
            raise InvalidData("the user is not valid", problems)
        if session.scalar(select(User).where(User.username == username)) is not None:
            raise Conflict(f"user '{username}' already exists")
        user = User(username=username, password_hash=self._hasher.hash(password), roles=list(roles), team=team,
                    display_name=display_name or username, created_at=self.clock.now())
        session.add(user)
        session.flush()
        return user

    def _authenticate(self, session: Session, username: str, password: str) -> User | None:
        user = session.scalar(select(User).where(User.username == username))
        try:
            self._hasher.verify(user.password_hash if user else self._dummy_hash, password or "")
        except (VerificationError, InvalidHashError):
            return None
        if user is None or not user.active:
            return None
        if self._hasher.check_needs_rehash(user.password_hash):
            user.password_hash = self._hasher.hash(password)
        return user

    def _issue_token(self, session: Session, user: User) -> str:
        token = secrets.token_urlsafe(32)
        now = self.clock.now()
        session.add(ApiToken(token_hash=_token_hash(token), user_id=user.id, created_at=now,
                             expires_at=now + TOKEN_LIFETIME))
        return token

    def _revoke_token(self, session: Session, token: str) -> None:
        row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
        if row is not None:
            session.delete(row)
