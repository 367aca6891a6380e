"""Who may use the server: users with a role, API tokens, and console passwords, in the case store.

A token is 32 random bytes (``mg_`` and URL-safe base64), shown once when issued and kept only as its SHA-256:
a copy of the database lets nobody in. Random tokens need no slow hash (nothing to guess); passwords do, so they
are kept as scrypt hashes with their own salt. A token can expire and be revoked; a disabled user's tokens all
stop working.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update

from marketguard.cases.schema import ApiToken, AuditEntry, User, UserSession
from marketguard.cases.statuses import ROLES
from marketguard.cases.store import CaseError, CaseStore

__all__ = [
    "ROLES",
    "SESSION_HOURS",
    "Principal",
    "SignedIn",
    "add_user",
    "authenticate",
    "check_password",
    "end_session",
    "issue_token",
    "reset_demo_user",
    "revoke_tokens",
    "session_user",
    "start_session",
]

_TOKEN_PREFIX = "mg_"
#: Longer secrets are refused unhashed: ours are 46 characters (43 for a session's), far below it.
_LONGEST = 100
#: How long a console sign-in lasts: a working day, after which the investigator signs in again.
SESSION_HOURS = 10
#: scrypt's cost (n = 2^14, r = 8: 16 MiB and tens of milliseconds per check, the library's interactive setting).
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


@dataclass(frozen=True)
class Principal:
    """An authenticated user as the server sees it."""

    name: str
    role: str
    brands: tuple[str, ...] = ()


def add_user(
    store: CaseStore,
    name: str,
    role: str,
    brands: tuple[str, ...] = (),
    password: str | None = None,
    actor: str = "system",
) -> Principal:
    """A new user; a brand user names the brands they may see (at least one), other roles none."""
    if role not in ROLES:
        raise CaseError(f"Unknown role {role!r}; one of {', '.join(ROLES)}.")
    if (role == "brand") != bool(brands):
        raise CaseError("A brand user needs --brand (one or more); other roles take none.")
    if not name.strip():
        raise CaseError("A user needs a name.")
    now = datetime.now(UTC)
    with store.session() as s:
        if s.scalar(select(User.id).where(User.name == name)) is not None:
            raise CaseError(f"There is already a user {name!r}.")
        s.add(
            User(
                name=name,
                role=role,
                brands=sorted(set(brands)),
                password_hash=_hash_password(password) if password else None,
                created_at=now,
            )
        )
        s.add(
            AuditEntry(
                actor=actor, action="add_user", before=None, after={"user": name, "role": role}, at=now
            )
        )
    return Principal(name, role, tuple(sorted(set(brands))))  # as _principal reads it back


def reset_demo_user(store: CaseStore, name: str) -> str:
    """Investigator ``name`` with a new random password (created if missing), returned to be printed: the
    demo's way in, never a team's (their passwords are chosen, not printed)."""
    password = secrets.token_urlsafe(9)
    with store.session() as s:
        user = s.scalar(select(User).where(User.name == name))
        if user is not None:
            user.password_hash = _hash_password(password)
            user.role, user.brands, user.disabled_at = "investigator", [], None
    if user is None:
        add_user(store, name, "investigator", password=password)
    return password


def issue_token(store: CaseStore, name: str, label: str = "api", expires_in: timedelta | None = None) -> str:
    """A new API token for user ``name``: returned once, stored as its hash."""
    token = _TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with store.session() as s:
        user = s.scalar(select(User).where(User.name == name, User.disabled_at.is_(None)))
        if user is None:
            raise CaseError(f"No active user {name!r}.")
        s.add(
            ApiToken(
                user_id=user.id,
                token_hash=_token_hash(token),
                label=label,
                created_at=now,
                expires_at=now + expires_in if expires_in is not None else None,
            )
        )
        s.add(AuditEntry(actor=name, action="issue_token", before=None, after={"label": label}, at=now))
    return token


def revoke_tokens(store: CaseStore, name: str, label: str | None = None, actor: str = "system") -> int:
    """Revoke user ``name``'s tokens (those with ``label`` only, when given); how many were live."""
    now = datetime.now(UTC)
    with store.session() as s:
        user_id = s.scalar(select(User.id).where(User.name == name))
        if user_id is None:
            raise CaseError(f"No user {name!r}.")
        stmt = update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        if label is not None:
            stmt = stmt.where(ApiToken.label == label)
        n = s.execute(stmt.values(revoked_at=now)).rowcount  # type: ignore[attr-defined]
        s.add(
            AuditEntry(actor=actor, action="revoke_tokens", before=None, after={"user": name, "n": n}, at=now)
        )
    return int(n)


def authenticate(store: CaseStore, token: str) -> Principal | None:
    """The user a bearer token belongs to, or None (unknown, expired or revoked token; disabled user)."""
    if not token.startswith(_TOKEN_PREFIX):
        return None
    found = _holder(store, ApiToken, token)
    return None if found is None else found[0]


def check_password(store: CaseStore, name: str, password: str) -> Principal | None:
    """The user when ``password`` is theirs, else None (the same work either way: no timing tells which)."""
    user = _password_user(store, name, password)
    return None if user is None else _principal(user)


def start_session(store: CaseStore, name: str, password: str) -> tuple[Principal, str, str] | None:
    """Sign in: the user, a session token and its CSRF token (both shown once, kept as hashes), or None when
    the name or password is wrong (the same work either way)."""
    user = _password_user(store, name, password)
    if user is None:
        return None
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with store.session() as s:
        s.add(
            UserSession(
                user_id=user.id,
                token_hash=_token_hash(token),
                csrf_hash=_token_hash(csrf),
                created_at=now,
                expires_at=now + timedelta(hours=SESSION_HOURS),
            )
        )
        s.add(AuditEntry(actor=name, action="sign_in", before=None, after=None, at=now))
    return _principal(user), token, csrf


@dataclass(frozen=True)
class SignedIn:
    """A live console session: its user, and whether a request's CSRF token is the session's."""

    principal: Principal
    csrf_hash: str

    def csrf_matches(self, csrf: str) -> bool:
        return len(csrf) <= _LONGEST and hmac.compare_digest(self.csrf_hash, _token_hash(csrf))


def session_user(store: CaseStore, token: str) -> SignedIn | None:
    """The live session of a session token, or None (unknown, ended or expired session; disabled user)."""
    found = _holder(store, UserSession, token)
    return None if found is None else SignedIn(found[0], found[1].csrf_hash)


def end_session(store: CaseStore, token: str) -> None:
    """Sign out: the session stops working at once."""
    now = datetime.now(UTC)
    with store.session() as s:
        s.execute(
            update(UserSession)
            .where(UserSession.token_hash == _token_hash(token), UserSession.ended_at.is_(None))
            .values(ended_at=now)
        )


def _holder_statement(model: Any, ended: str) -> Any:
    """The user's fields and the row's times for a secret's hash (the bind parameter ``token_hash``)."""
    extra = (model.csrf_hash,) if hasattr(model, "csrf_hash") else ()
    return (
        select(
            User.name,
            User.role,
            User.brands,
            User.disabled_at,
            getattr(model, ended).label("ended"),
            model.expires_at,
            *extra,
        )
        .join(model, model.user_id == User.id)
        .where(model.token_hash == bindparam("token_hash"))
    )


#: Made once: every request of the API reads one (see :meth:`CaseStore.read`).
_HOLDERS = {
    ApiToken: _holder_statement(ApiToken, "revoked_at"),
    UserSession: _holder_statement(UserSession, "ended_at"),
}


def _holder(store: CaseStore, model: Any, token: str) -> tuple[Principal, Any] | None:
    """The user and the row (an API token or a session) of a secret, when the user is active, the row has not
    ended and it has not expired. Plain columns, not ORM objects: building them was a third of a request."""
    if len(token) > _LONGEST:
        return None
    rows = store.read(_HOLDERS[model], {"token_hash": _token_hash(token)})
    if not rows:
        return None
    row = rows[0]
    if row.disabled_at is not None or row.ended is not None:
        return None
    if row.expires_at is not None and _aware(row.expires_at) <= datetime.now(UTC):
        return None
    return Principal(row.name, row.role, tuple(row.brands)), row


def _password_user(store: CaseStore, name: str, password: str) -> User | None:
    with store.session(write=False) as s:
        user = s.scalar(select(User).where(User.name == name, User.disabled_at.is_(None)))
    stored = user.password_hash if user is not None and user.password_hash else _DECOY
    ok = _verify_password(password, stored)  # checked against a decoy too: an unknown name takes as long
    return user if user is not None and user.password_hash and ok else None


def _principal(user: User) -> Principal:
    return Principal(user.name, user.role, tuple(user.brands))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def _verify_password(password: str, stored: str) -> bool:
    _, n, r, p, salt, digest = stored.split("$")
    again = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p))
    return hmac.compare_digest(again.hex(), digest)


def _aware(ts: datetime) -> datetime:
    """SQLite gives back naive times (stored as UTC); PostgreSQL aware ones."""
    return ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)


#: Checked when the user does not exist, so that an unknown name costs as long as a wrong password.
_DECOY = _hash_password(secrets.token_urlsafe(16))
