"""Read-only share links that let governors open one school's reports without an account."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.engine import Engine

from api.errors import Forbidden, NotAuthenticated, NotFound
from api.service.access import Principal, Role, require_school
from api.storage import repository
from api.storage.db import session_scope
from api.storage.tables import ShareLinkRow, utcnow

MAX_DAYS = 365


@dataclass(frozen=True, slots=True)
class ShareView:
    """A share link as pages show it: its id (the token is made from it), who it is for, and its state now."""

    id: str
    label: str | None
    created_at: dt.datetime
    expires_at: dt.datetime
    state: Literal["active", "expired", "revoked"]

    @classmethod
    def of(cls, row: ShareLinkRow) -> ShareView:
        """The view of a stored share link, its state as of now."""
        state: Literal["active", "expired", "revoked"] = (
            "revoked" if row.revoked_at else "expired" if row.expires_at <= utcnow() else "active"
        )
        return cls(id=row.id, label=row.label, created_at=row.created_at, expires_at=row.expires_at, state=state)


def create_share(*, engine: Engine, principal: Principal, urn: str, days: int, label: str | None) -> ShareView:
    """A new share link for a school lasting ``days`` days (keys that can submit for it may share it).

    Raises Forbidden for days outside 1 to MAX_DAYS or a read-only key, NotFound for a school the key cannot see.
    """
    if not 1 <= days <= MAX_DAYS:
        raise Forbidden(f"a share link can last from 1 to {MAX_DAYS} days")
    with session_scope(engine) as session:
        require_school(session=session, principal=principal, urn=urn, write=True)
        row = ShareLinkRow(
            id=uuid.uuid4().hex,
            school_urn=urn,
            label=label,
            created_by=principal.key_id,
            expires_at=utcnow() + dt.timedelta(days=days),
        )
        repository.save_share(session=session, share=row)
        return ShareView.of(row)


def revoke_share(*, engine: Engine, principal: Principal, urn: str, share_id: str) -> None:
    """Revoke a share link at once (again is a no-op); raises NotFound for a link not of this school, Forbidden."""
    with session_scope(engine) as session:
        require_school(session=session, principal=principal, urn=urn, write=True)
        row = repository.get_share(session=session, share_id=share_id)
        if row is None or row.school_urn != urn:
            raise NotFound("there is no such share link for this school")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            session.add(row)


def list_shares(*, engine: Engine, principal: Principal, urn: str) -> list[ShareView]:
    """A school's share links; raises NotFound or Forbidden as :func:`require_school` does for writing."""
    with session_scope(engine) as session:
        require_school(session=session, principal=principal, urn=urn, write=True)
        return [ShareView.of(row) for row in repository.list_shares(session=session, urn=urn)]


def principal_for_share(*, engine: Engine, share_id: str) -> Principal:
    """The read-only principal a valid share link stands for; raises NotAuthenticated if revoked or expired."""
    with session_scope(engine) as session:
        row = repository.get_share(session=session, share_id=share_id)
    if row is None or row.revoked_at is not None:
        raise NotAuthenticated("this share link has been revoked; ask the school for a new one")
    if row.expires_at <= utcnow():
        raise NotAuthenticated("this share link has expired; ask the school for a new one")
    return Principal(key_id=f"share:{row.id}", role=Role.governor, school_urn=row.school_urn)
