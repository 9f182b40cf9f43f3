"""Who may do what: API keys, roles and the one rule that another tenant's objects do not exist.

Roles: ``admin`` (everything), ``trust`` (every school of its trust: read and submit), ``school`` (its own
school: read and submit) and ``governor`` (its own school: read only). An object outside a key's reach
answers *not found*, never *forbidden*, so a key cannot learn which schools exist; *forbidden* is only for
an object the key may see but not change (a governor submitting an audit).
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.errors import Forbidden, NotAuthenticated, NotFound, RequestInvalid
from api.storage import repository
from api.storage.db import session_scope
from api.storage.tables import ApiKeyRow, SchoolRow, utcnow

KEY_PREFIX = "oap"


class Role(enum.StrEnum):
    """What a key may do."""

    admin = "admin"
    trust = "trust"
    school = "school"
    governor = "governor"


@dataclass(frozen=True, slots=True)
class Principal:
    """The holder of an authenticated API key."""

    key_id: str
    role: Role
    trust_id: str | None = None
    school_urn: str | None = None

    def can_read(self, school: SchoolRow) -> bool:
        """Whether this key may see the school at all."""
        if self.role is Role.admin:
            return True
        if self.role is Role.trust:
            return school.trust_id is not None and school.trust_id == self.trust_id
        return school.urn == self.school_urn

    def can_submit(self, school: SchoolRow) -> bool:
        """Whether this key may submit audits for the school."""
        return self.can_read(school) and self.role is not Role.governor


def require_school(*, session: Session, principal: Principal, urn: str, write: bool = False) -> SchoolRow:
    """The school, if this key may see it (and submit to it when ``write``); otherwise NotFound or Forbidden."""
    school = repository.get_school(session=session, urn=urn)
    if school is None or not principal.can_read(school):
        raise NotFound(f"there is no school with URN {urn} that this key can see")
    if write and not principal.can_submit(school):
        raise Forbidden(
            "this key can read this school's reports but cannot submit audits (governor keys are read-only)"
        )
    return school


def require_admin(principal: Principal) -> None:
    """Only admin keys may create trusts and schools or manage keys; raises Forbidden for any other key."""
    if principal.role is not Role.admin:
        raise Forbidden("only an admin key can do this")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(
    *,
    session: Session,
    role: Role,
    trust_id: str | None = None,
    school_urn: str | None = None,
    label: str | None = None,
    expires_at: dt.datetime | None = None,
) -> tuple[ApiKeyRow, str]:
    """A new key; returns the stored row and the key text, which is shown once and never stored.

    Raises RequestInvalid when the role lacks its trust or school, NotFound when that trust or school does not exist.
    """
    if role is Role.trust and not trust_id:
        raise RequestInvalid("a trust key needs --trust: the trust it belongs to")
    if role in (Role.school, Role.governor) and not school_urn:
        raise RequestInvalid(f"a {role.value} key needs --school: the URN of its school")
    if trust_id is not None and repository.get_trust(session=session, trust_id=trust_id) is None:
        raise NotFound(f"there is no trust {trust_id}; create it first")
    if school_urn is not None and repository.get_school(session=session, urn=school_urn) is None:
        raise NotFound(f"there is no school with URN {school_urn}; create it first")
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(24)
    row = ApiKeyRow(
        id=key_id,
        secret_sha256=_digest(secret),
        role=role.value,
        trust_id=trust_id if role is Role.trust else None,
        school_urn=school_urn if role in (Role.school, Role.governor) else None,
        label=label,
        expires_at=expires_at,
    )
    repository.save_key(session=session, key=row)
    return row, f"{KEY_PREFIX}_{key_id}_{secret}"


def revoke_key(*, session: Session, key_id: str) -> ApiKeyRow:
    """Revoke a key at once; raises NotFound for an unknown key."""
    row = repository.get_key(session=session, key_id=key_id)
    if row is None:
        raise NotFound(f"there is no API key {key_id}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
    return row


class KeyCache:
    """Recently checked keys, so each request need not query the database; entries live ``ttl`` seconds.

    A key revoked through this process is dropped at once; one revoked elsewhere stops working within ``ttl``.
    """

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[float, ApiKeyRow]] = {}
        self._lock = threading.Lock()

    def get(self, key_id: str) -> ApiKeyRow | None:
        """The cached row of a key checked less than ``ttl`` seconds ago, else None."""
        if self.ttl <= 0:
            return None
        with self._lock:
            entry = self._entries.get(key_id)
        if entry is None or time.monotonic() - entry[0] > self.ttl:
            return None
        return entry[1]

    def put(self, row: ApiKeyRow) -> None:
        """Remember a key's row from now (nothing when ``ttl`` is 0)."""
        if self.ttl > 0:
            with self._lock:
                self._entries[row.id] = (time.monotonic(), row)

    def drop(self, key_id: str) -> None:
        """Forget a key at once (after it is revoked here)."""
        with self._lock:
            self._entries.pop(key_id, None)


def _parse(header: str | None) -> tuple[str, str]:
    if not header:
        raise NotAuthenticated("send an API key in the Authorization header: 'Authorization: Bearer oap_…'")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise NotAuthenticated("the Authorization header must be 'Bearer' followed by an API key")
    parts = token.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        raise NotAuthenticated("that is not an API key of this service (keys start with 'oap_')")
    return parts[1], parts[2]


def _verify(row: ApiKeyRow | None, secret: str) -> Principal:
    if row is None or not hmac.compare_digest(row.secret_sha256, _digest(secret)):
        raise NotAuthenticated("the API key is not recognised")
    if row.revoked_at is not None:
        raise NotAuthenticated("the API key has been revoked")
    if row.expires_at is not None and row.expires_at <= utcnow():
        raise NotAuthenticated("the API key has expired")
    return _principal(row)


def _principal(row: ApiKeyRow) -> Principal:
    return Principal(key_id=row.id, role=Role(row.role), trust_id=row.trust_id, school_urn=row.school_urn)


def authenticate_cached(*, cache: KeyCache, header: str | None) -> Principal | None:
    """The principal from the cache alone (no database), or None when the key is not cached.

    Raises NotAuthenticated for a malformed header, or a cached key that is wrong, revoked or expired.
    """
    key_id, secret = _parse(header)
    row = cache.get(key_id)
    return None if row is None else _verify(row, secret)


def _key_row(*, engine: Engine, cache: KeyCache, key_id: str) -> ApiKeyRow | None:
    row = cache.get(key_id)
    if row is None:
        with session_scope(engine) as session:
            row = repository.get_key(session=session, key_id=key_id)
        if row is not None:
            cache.put(row)
    return row


def authenticate(*, engine: Engine, cache: KeyCache, header: str | None) -> Principal:
    """The principal of an ``Authorization: Bearer oap_…`` header; raises NotAuthenticated otherwise."""
    key_id, secret = _parse(header)
    return _verify(_key_row(engine=engine, cache=cache, key_id=key_id), secret)


def principal_for_key_id(*, engine: Engine, cache: KeyCache, key_id: str) -> Principal:
    """The principal of a key already proven at sign-in (a signed session names its id); still refuses revoked keys.

    Raises NotAuthenticated for an unknown, revoked or expired key.
    """
    row = _key_row(engine=engine, cache=cache, key_id=key_id)
    if row is None or row.revoked_at is not None:
        raise NotAuthenticated("your key is no longer valid; sign in again")
    if row.expires_at is not None and row.expires_at <= utcnow():
        raise NotAuthenticated("your key has expired; sign in with a new one")
    return _principal(row)
