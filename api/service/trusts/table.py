"""The trust's schools table: one row per school with its latest complete report, sorted, a page at a time by
cursor; a newer incomplete audit is flagged, never counted."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Engine

from api.errors import RequestInvalid
from api.rules.catalog import Catalog
from api.service.access import Principal
from api.service.times import iso
from api.service.trusts.common import (
    NO_FILTERS,
    TrustFilters,
    as_date,
    band_labels,
    band_ranks,
    is_stale,
    ref_text,
    require_trust,
    scope_of,
    trust_ref,
)
from api.service.trusts.models import TrustSchoolPage, TrustSchoolRow
from api.storage.db import session_scope
from api.storage.queries import latest, table


def encode_table_cursor(*, sort: str, key: Sequence[Any]) -> str:
    """An opaque cursor for the schools table page after the row with sort ``key``."""
    flag, value, urn = key
    raw = json.dumps([sort, int(flag), value.isoformat() if isinstance(value, dt.date) else value, urn])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_table_cursor(*, sort: str, cursor: str) -> tuple[int, Any, str]:
    """The sort key a cursor stands for; raises RequestInvalid for a cursor of another sort or not from here."""
    bad = RequestInvalid("cursor: not a cursor from this listing; use next_cursor from the previous page")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        made_for, flag, value, urn = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError, TypeError):
        raise bad from None
    if made_for != sort:
        raise RequestInvalid(
            f"cursor: this cursor is for sort={made_for}; start again without a cursor for sort={sort}"
        )
    try:
        if not isinstance(flag, int) or not isinstance(urn, str):
            raise TypeError
        field = sort.lstrip("-")
        if field == "audit_date":
            value = dt.date.fromisoformat(value)
        elif field == "score":
            value = float(value)
        elif field == "band":
            value = int(value)
        elif not isinstance(value, str):
            raise TypeError
    except (ValueError, TypeError):
        raise bad from None
    return flag, value, urn


def school_row(row: Any, *, labels: Mapping[str, str], today: dt.date) -> TrustSchoolRow:
    """One row of the schools table, as the API and the exports show it, from a row of the table query."""
    audit_date = as_date(row.audit_date)
    has_report = row.report_id is not None
    return TrustSchoolRow(
        urn=row.urn,
        name=row.name,
        phase=row.phase,
        local_authority=row.local_authority,
        audit_id=row.audit_id,
        audit_date=iso(audit_date),
        stale=is_stale(audit_date=audit_date, today=today),
        report_id=row.report_id,
        standards=f"{row.standards_set}@{row.standards_version}" if has_report else None,
        score=row.score,
        band=row.band,
        band_label=labels.get(row.band) if row.band else None,
        capped=bool(row.capped) if has_report else None,
        statutory_failures=None if row.statutory_failures is None else int(row.statutory_failures),
        coverage=row.coverage,
        signed_off=row.signed_off_by is not None,
        signed_off_by=row.signed_off_by,
        signed_off_at=iso(row.signed_off_at),
        active_exceptions=int(row.active_exceptions or 0),
        newer_incomplete_audit_id=row.newer_incomplete_audit_id,
        newer_incomplete_on=iso(as_date(row.newer_incomplete_on)),
    )


def list_trust_schools(
    *,
    engine: Engine,
    catalog: Catalog,
    principal: Principal,
    trust_id: str,
    today: dt.date,
    sort: str = "name",
    limit: int = 20,
    cursor: str | None = None,
    filters: TrustFilters = NO_FILTERS,
) -> TrustSchoolPage:
    """A page of ``limit`` of the trust's schools, one row each with its counted audit (the latest whose report is
    not incomplete) and report, sorted by ``sort`` (score, name, audit_date or band, '-' first for descending; by
    the counted report), with the next page's cursor. A newer incomplete audit is named in its row, not counted.

    Raises NotFound (a trust this key may not see), RequestInvalid (a bad sort or cursor) and StandardsNotFound.
    """
    descending = sort.startswith("-")
    field = sort.lstrip("-")
    if field not in table.SORTS:
        raise RequestInvalid(f"sort: must be one of {', '.join(table.SORTS)}, optionally after '-' for descending")
    after = decode_table_cursor(sort=sort, cursor=cursor) if cursor else None
    chosen, scope = scope_of(catalog=catalog, trust_id=trust_id, filters=filters)
    with session_scope(engine) as session:
        trust = require_trust(session=session, principal=principal, trust_id=trust_id)
        total = latest.count_schools(session=session, scope=scope)
        rows = table.list_school_table(
            session=session,
            scope=scope,
            today=today,
            sort=field,
            descending=descending,
            band_ranks=band_ranks(catalog=catalog),
            after=after,
            limit=limit + 1,
        )
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last = page[-1]
        next_cursor = encode_table_cursor(sort=sort, key=(last.sort_flag, last.sort_value, last.urn))
    labels = band_labels(catalog=catalog)
    return TrustSchoolPage(
        trust=trust_ref(trust),
        standards=ref_text(chosen),
        sort=sort,
        total=total,
        items=[school_row(row, labels=labels, today=today) for row in page],
        next_cursor=next_cursor,
    )
