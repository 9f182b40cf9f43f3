"""Read-only share links that let governors open one school's reports without an account."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.engine import Engine

from api.errors import Forbidden, NotAuthenticated, NotFound
from api.service.access import Principal, Role, require_school
from api.storage import repository
from api.storage.db import session_scope
from api.storage.tables import ShareLinkRow, utcnow

MAX_DAYS = 365


def share_view(row: ShareLinkRow) -> dict[str, Any]:
    """A share link as pages show it."""
    now = utcnow()
    state = "revoked" if row.revoked_at else "expired" if row.expires_at <= now else "active"
    return {
        "id": row.id,
        "label": row.label,
        "created_at": row.created_at,
        "expires_at": row.expires_at,
        "state": state,
    }


def create_share(*, engine: Engine, principal: Principal, urn: str, days: int, label: str | None) -> ShareLinkRow:
    """A new share link for a school (keys that can submit for it may share it)."""
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
        return row


def revoke_share(*, engine: Engine, principal: Principal, urn: str, share_id: str) -> None:
    """Revoke a share link at once."""
    with session_scope(engine) as session:
        require_school(session=session, principal=principal, urn=urn, write=True)
        row = repository.get_share(session=session, share_id=share_id)
        if row is None or row.school_urn != urn:
            raise NotFound("there is no such share link for this school")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            session.add(row)


def list_shares(*, engine: Engine, principal: Principal, urn: str) -> list[dict[str, Any]]:
    """A school's share links."""
    with session_scope(engine) as session:
        require_school(session=session, principal=principal, urn=urn, write=True)
        return [share_view(row) for row in repository.list_shares(session=session, urn=urn)]


def principal_for_share(*, engine: Engine, share_id: str) -> Principal:
    """The read-only principal a valid share link stands for; raises NotAuthenticated if revoked or expired."""
    with session_scope(engine) as session:
        row = repository.get_share(session=session, share_id=share_id)
    if row is None or row.revoked_at is not None:
        raise NotAuthenticated("this share link has been revoked; ask the school for a new one")
    if row.expires_at <= utcnow():
        raise NotAuthenticated("this share link has expired; ask the school for a new one")
    return Principal(key_id=f"share:{row.id}", role=Role.governor, school_urn=row.school_urn)
