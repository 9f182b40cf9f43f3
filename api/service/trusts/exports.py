"""Trust exports: the whole schools table or every finding of the latest complete reports, streamed as CSV or
NDJSON; a school's newer incomplete audit is named in its row of the schools table, never counted."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Engine

from api.errors import RequestInvalid
from api.rules.catalog import Catalog
from api.service.access import Principal
from api.service.times import iso
from api.service.trusts.common import NO_FILTERS, TrustFilters, as_date, band_labels, check_trust, scope_of
from api.service.trusts.table import school_row
from api.storage.queries import table
from api.storage.queries.latest import AnyRow, Scope

EXPORT_BATCH = 1000
SCHOOL_COLUMNS = (
    "urn",
    "name",
    "phase",
    "local_authority",
    "audit_id",
    "audit_date",
    "stale",
    "report_id",
    "standards",
    "score",
    "band",
    "capped",
    "statutory_failures",
    "coverage",
    "signed_off",
    "signed_off_by",
    "signed_off_at",
    "active_exceptions",
    "newer_incomplete_audit_id",
    "newer_incomplete_on",
)


FINDING_COLUMNS = (
    "urn",
    "name",
    "audit_id",
    "audit_date",
    "report_id",
    "standards",
    "rule",
    "domain",
    "basis",
    "status",
    "gap_amount",
    "gap_unit",
)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _encode(rows: list[dict[str, Any]], *, columns: Sequence[str], fmt: str, header: bool) -> bytes:
    if fmt == "ndjson":
        return "".join(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n" for row in rows).encode()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if header:
        writer.writerow(columns)
    writer.writerows([[_csv_safe(row[column]) for column in columns] for row in rows])
    return buffer.getvalue().encode()


def _finding_row(row: AnyRow) -> dict[str, Any]:
    return {
        "urn": row.urn,
        "name": row.name,
        "audit_id": row.audit_id,
        "audit_date": iso(as_date(row.audit_date)),
        "report_id": row.report_id,
        "standards": f"{row.standards_set}@{row.standards_version}",
        "rule": row.rule,
        "domain": row.domain,
        "basis": row.basis,
        "status": row.status,
        "gap_amount": row.gap_amount,
        "gap_unit": row.gap_unit,
    }


def open_export(
    *,
    engine: Engine,
    catalog: Catalog,
    principal: Principal,
    trust_id: str,
    table: str,
    fmt: str,
    today: dt.date,
    filters: TrustFilters = NO_FILTERS,
) -> Iterator[bytes]:
    """Check access now, then return the export's chunks (UTF-8 bytes): the schools table (``table`` 'schools')
    or every finding ('findings'), as ``fmt`` 'csv' (with a header row) or 'ndjson'.

    Rows come from a server-side cursor a batch at a time, so memory stays flat however large the trust. Raises
    RequestInvalid (another table or format), NotFound (a trust this key may not see) and StandardsNotFound.
    """
    if table not in ("schools", "findings") or fmt not in ("csv", "ndjson"):
        raise RequestInvalid("an export is of 'schools' or 'findings', as 'csv' or 'ndjson'")
    _, scope = scope_of(catalog=catalog, trust_id=trust_id, filters=filters)
    check_trust(engine=engine, principal=principal, trust_id=trust_id)
    labels = band_labels(catalog=catalog)
    return _stream(engine=engine, scope=scope, table_name=table, fmt=fmt, today=today, labels=labels)


def _stream(
    *, engine: Engine, scope: Scope, table_name: str, fmt: str, today: dt.date, labels: Mapping[str, str]
) -> Iterator[bytes]:
    columns = SCHOOL_COLUMNS if table_name == "schools" else FINDING_COLUMNS
    header = fmt == "csv"
    if header:
        yield _encode([], columns=columns, fmt=fmt, header=True)
    with engine.connect() as connection:
        if table_name == "schools":
            batches = table.iter_school_table(connection=connection, scope=scope, today=today, batch=EXPORT_BATCH)
            for batch in batches:
                rows = [school_row(row, labels=labels, today=today).model_dump() for row in batch]
                yield _encode([{k: row[k] for k in columns} for row in rows], columns=columns, fmt=fmt, header=False)
        else:
            for batch in table.iter_findings(connection=connection, scope=scope, batch=EXPORT_BATCH):
                yield _encode([_finding_row(row) for row in batch], columns=columns, fmt=fmt, header=False)
