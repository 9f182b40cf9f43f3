"""Use cases for trust dashboards: the roll-up, the schools table, trends, exports, benchmarks and version impact.

Trust endpoints are for ``trust`` keys (their own trust) and ``admin`` keys (any trust); every other key, and a
trust key asking about another trust, gets *not found*. Each view reads each school's latest report (see
:mod:`api.storage.queries`); the aggregation runs in SQL, and Python only shapes the few rows that come back.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.errors import NotFound, RequestInvalid
from api.rules.catalog import Catalog, version_key
from api.rules.schema import Rule
from api.service.access import Principal, Role, require_school
from api.storage import queries, repository
from api.storage.db import session_scope
from api.storage.queries import Scope
from api.storage.tables import TrustRow

STALE_MONTHS = 12
MIN_GROUP = 5
EXPORT_BATCH = 1000
TERM_NAMES = queries.TERMS
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


# ------------------------------------------------------------------------------------------------ shared helpers


def require_trust(*, session: Session, principal: Principal, trust_id: str) -> TrustRow:
    """The trust, if this key may see it (admin: any; trust: its own); otherwise NotFound."""
    allowed = principal.role is Role.admin or (principal.role is Role.trust and principal.trust_id == trust_id)
    trust = repository.get_trust(session=session, trust_id=trust_id) if allowed else None
    if trust is None:
        raise NotFound(f"there is no trust {trust_id} that this key can see")
    return trust


def parse_standards(*, catalog: Catalog, ref: str | None) -> tuple[str, str] | None:
    """(set, version) of a SET@VERSION the catalogue knows, or None; raises StandardsNotFound otherwise."""
    if ref is None:
        return None
    standards = catalog.get(ref)
    return standards.set, standards.version


def ref_text(standards: tuple[str, str] | None) -> str | None:
    """'set@version', or None."""
    return None if standards is None else f"{standards[0]}@{standards[1]}"


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` months earlier (the last day of that month when it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def is_stale(*, audit_date: dt.date | None, today: dt.date) -> bool:
    """Whether a school's latest audit is more than 12 months old (or there is none)."""
    return audit_date is None or audit_date < months_before(today, STALE_MONTHS)


def iso(value: Any) -> str | None:
    """A date or time as ISO 8601 text (times in UTC), or None."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def as_date(value: Any) -> dt.date | None:
    """A date column's value as a date (SQLite may hand back text from derived queries)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def band_ranks(*, catalog: Catalog) -> dict[str, int]:
    """Each band id's rank, lowest band 0, over every standards version."""
    ranks: dict[str, float] = {}
    for standards in catalog.all():
        for band in standards.bands:
            ranks[band.id] = band.min_score
    return {band: rank for rank, band in enumerate(sorted(ranks, key=lambda name: ranks[name]))}


def band_labels(*, catalog: Catalog) -> dict[str, str]:
    """Each band id's label."""
    return {band.id: band.label for standards in catalog.all() for band in standards.bands}


def rule_index(*, catalog: Catalog, standards: tuple[str, str] | None = None) -> dict[str, Rule]:
    """Each rule by id, from the version asked for or else the newest national version that has it."""
    found: dict[str, Rule] = {}
    ordered = sorted(catalog.all(), key=lambda s: (s.set == "national", version_key(s.version)))
    if standards is not None:
        ordered.append(catalog.get(f"{standards[0]}@{standards[1]}"))
    for version in ordered:
        found.update({rule.id: rule for rule in version.rules})
    return found


def rule_titles(*, catalog: Catalog, standards: tuple[str, str] | None = None) -> dict[str, str]:
    """Each rule's title, from the version asked for or else the newest version that has the rule."""
    return {rule_id: rule.title for rule_id, rule in rule_index(catalog=catalog, standards=standards).items()}


def domain_titles(*, catalog: Catalog) -> dict[str, str]:
    """Each domain's title."""
    return {domain.id: domain.title for standards in catalog.all() for domain in standards.domains}


def trust_etag(
    *,
    engine: Engine,
    principal: Principal,
    trust_id: str,
    view: str,
    params: Mapping[str, Any],
    today: dt.date,
) -> str:
    """A weak ETag for a trust view: one cheap query of counts and change times, the view, its parameters and today.

    Checks access first, so a 304 never tells a key about a trust it may not see.
    """
    with session_scope(engine) as session:
        require_trust(session=session, principal=principal, trust_id=trust_id)
        state = queries.get_trust_state(session=session, trust_id=trust_id)
    material = [view, trust_id, sorted((key, str(value)) for key, value in params.items()), today.isoformat()]
    raw = json.dumps([*material, [iso(item) if isinstance(item, dt.date) else item for item in state]], default=str)
    return f'W/"{hashlib.sha256(raw.encode()).hexdigest()[:32]}"'


def _scope(
    *, trust_id: str, standards: tuple[str, str] | None, phase: str | None, local_authority: str | None
) -> Scope:
    return Scope(trust_id=trust_id, phase=phase, local_authority=local_authority, standards=standards)


def _filters(phase: str | None, local_authority: str | None) -> dict[str, str | None]:
    return {"phase": phase, "local_authority": local_authority}


def _count_text(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def _amount(value: float) -> float | int:
    rounded = round(value, 2)
    return int(rounded) if float(rounded).is_integer() else rounded


# ------------------------------------------------------------------------------------------------ the summary


def summarise_trust(
    *,
    engine: Engine,
    catalog: Catalog,
    principal: Principal,
    trust_id: str,
    standards: str | None = None,
    phase: str | None = None,
    local_authority: str | None = None,
) -> dict[str, Any]:
    """Schools by band, each domain's average score and, per rule, how many schools fall short and by how much."""
    chosen = parse_standards(catalog=catalog, ref=standards)
    scope = _scope(trust_id=trust_id, standards=chosen, phase=phase, local_authority=local_authority)
    refs = {s.ref for s in catalog.all()}
    with session_scope(engine) as session:
        trust = require_trust(session=session, principal=principal, trust_id=trust_id)
        total = queries.count_schools(session=session, scope=scope)
        latest = queries.list_latest(session=session, scope=scope)
        report_ids = [row.report_id for row in latest if row.report_id is not None]
        groups = queries.count_reports(session=session, report_ids=report_ids)
        per_version: dict[tuple[str, str], int] = {}
        for name, version, _, _, count in groups:
            per_version[(name, version)] = per_version.get((name, version), 0) + count
        known = [
            catalog.get(f"{name}@{version}") for name, version in sorted(per_version) if f"{name}@{version}" in refs
        ]
        outcomes, domain_scores = queries.summarise_findings(session=session, report_ids=report_ids)
    audited, reported = len(latest), len(report_ids)
    bands: dict[str | None, list[int]] = {}
    for _, _, band, capped, count in groups:
        tally = bands.setdefault(band, [0, 0])
        tally[0] += count
        tally[1] += count if capped else 0
    # How many reports hold each rule: one finding per rule of a report's version.
    holding: dict[str, int] = {}
    for version_rules in known:
        reports = per_version[(version_rules.set, version_rules.version)]
        for rule in version_rules.rules:
            holding[rule.id] = holding.get(rule.id, 0) + reports
    return {
        "trust": {"id": trust.id, "name": trust.name},
        "standards": ref_text(chosen),
        "filters": _filters(phase, local_authority),
        "schools": {
            "total": total,
            "with_report": reported,
            "without_report": total - reported,
            "without_audit": total - audited,
        },
        "note": _coverage_note(trust_id=trust_id, standards=chosen, total=total, audited=audited, reported=reported),
        "standards_used": [
            {"standards": f"{name}@{version}", "schools": count}
            for (name, version), count in sorted(per_version.items())
        ],
        "bands": _band_counts(
            catalog=catalog, bands=[(band, count, capped) for band, (count, capped) in bands.items()]
        ),
        "domains": _domain_rows(catalog=catalog, scores=domain_scores),
        "rules": _rule_rows(catalog=catalog, standards=chosen, outcomes=outcomes, holding=holding),
    }


def _domain_rows(*, catalog: Catalog, scores: Sequence[tuple[str, int, int]]) -> list[dict[str, Any]]:
    """Each domain's average score over the reports with a score in it (from (domain, reports, sum in tenths))."""
    titles = domain_titles(catalog=catalog)
    return [
        {
            "domain": domain,
            "title": titles.get(domain, domain),
            "average_score": round(tenths / schools / 10, 1),
            "schools": schools,
        }
        for domain, schools, tenths in scores
        if schools
    ]


def _coverage_note(
    *, trust_id: str, standards: tuple[str, str] | None, total: int, audited: int, reported: int
) -> str | None:
    parts = []
    if total - audited:
        parts.append(f"{_count_text(total - audited, 'school has', 'schools have')} no audit yet")
    if standards is not None and audited - reported:
        ref = ref_text(standards)
        parts.append(
            f"{_count_text(audited - reported, 'school has', 'schools have')} no report against {ref} yet "
            f"(run `oap rescore --standards {ref} --trust {trust_id}`)"
        )
    if not parts:
        return None
    return "; ".join(parts) + "; they are left out of the figures below."


def _band_counts(*, catalog: Catalog, bands: Sequence[tuple[str | None, int, int]]) -> list[dict[str, Any]]:
    ranks, labels = band_ranks(catalog=catalog), band_labels(catalog=catalog)
    counted = {band: (count, capped) for band, count, capped in bands}
    rows = [
        {
            "band": band,
            "label": labels[band],
            "schools": counted.get(band, (0, 0))[0],
            "capped": counted.get(band, (0, 0))[1],
        }
        for band in sorted(ranks, key=ranks.__getitem__)
    ]
    for band, (count, capped) in counted.items():
        if band not in ranks:
            rows.append(
                {"band": band, "label": "No score" if band is None else band, "schools": count, "capped": capped}
            )
    return rows


def _rule_rows(
    *,
    catalog: Catalog,
    standards: tuple[str, str] | None,
    outcomes: Sequence[tuple[str, str, str | None, int, float]],
    holding: Mapping[str, int],
) -> list[dict[str, Any]]:
    rules_by_id = rule_index(catalog=catalog, standards=standards)
    rules: dict[str, dict[str, Any]] = {}

    def row_of(rule_id: str) -> dict[str, Any]:
        known = rules_by_id.get(rule_id)
        return rules.setdefault(
            rule_id,
            {
                "rule": rule_id,
                "title": known.title if known else rule_id,
                "domain": known.domain if known else rule_id.partition(".")[0],
                "basis": known.basis.value if known else "unknown",
                "schools_short": 0,
                "not_met": 0,
                "partially_met": 0,
                "met": 0,
                "not_assessed": 0,
                "not_applicable": 0,
                "gap_total": None,
                "gap_unit": None,
                "text": None,
            },
        )

    for rule_id in holding:
        row_of(rule_id)
    for rule_id, status, unit, count, total in outcomes:
        row = row_of(rule_id)
        row[status] = row.get(status, 0) + count
        if status in queries.SHORT:
            row["schools_short"] += count
            if unit is not None:
                row["gap_total"] = (row["gap_total"] or 0.0) + total
                row["gap_unit"] = unit
    for row in rules.values():
        others = sum(row[status] for status in ("not_met", "partially_met", "not_assessed", "not_applicable"))
        row["met"] = holding.get(row["rule"], others) - others
        short = row["schools_short"]
        if row["gap_total"] is not None:
            row["gap_total"] = _amount(row["gap_total"])
            row["text"] = f"{row['gap_total']} {row['gap_unit']} across {_count_text(short, 'school')}"
        elif short:
            row["text"] = f"{_count_text(short, 'school falls', 'schools fall')} short"
    basis_rank = {"statutory": 0, "statutory_guidance": 1, "condition_of_grant": 2, "guidance": 3}
    return sorted(rules.values(), key=lambda r: (-r["schools_short"], basis_rank.get(r["basis"], 9), r["rule"]))


# ------------------------------------------------------------------------------------------------ the schools table


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


def school_row(row: Any, *, labels: Mapping[str, str], today: dt.date) -> dict[str, Any]:
    """One row of the schools table as the API and the exports show it."""
    audit_date = as_date(row.audit_date)
    has_report = row.report_id is not None
    return {
        "urn": row.urn,
        "name": row.name,
        "phase": row.phase,
        "local_authority": row.local_authority,
        "audit_id": row.audit_id,
        "audit_date": iso(audit_date),
        "stale": is_stale(audit_date=audit_date, today=today),
        "report_id": row.report_id,
        "standards": f"{row.standards_set}@{row.standards_version}" if has_report else None,
        "score": row.score,
        "band": row.band,
        "band_label": labels.get(row.band) if row.band else None,
        "capped": bool(row.capped) if has_report else None,
        "statutory_failures": None if row.statutory_failures is None else int(row.statutory_failures),
        "coverage": row.coverage,
        "signed_off": row.signed_off_by is not None,
        "signed_off_by": row.signed_off_by,
        "signed_off_at": iso(row.signed_off_at),
        "active_exceptions": int(row.active_exceptions or 0),
    }


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
    standards: str | None = None,
    phase: str | None = None,
    local_authority: str | None = None,
) -> dict[str, Any]:
    """A page of the trust's schools, one row each with its latest report, sorted, with the next page's cursor."""
    descending = sort.startswith("-")
    field = sort.lstrip("-")
    if field not in queries.SORTS:
        raise RequestInvalid(f"sort: must be one of {', '.join(queries.SORTS)}, optionally after '-' for descending")
    after = decode_table_cursor(sort=sort, cursor=cursor) if cursor else None
    chosen = parse_standards(catalog=catalog, ref=standards)
    scope = _scope(trust_id=trust_id, standards=chosen, phase=phase, local_authority=local_authority)
    with session_scope(engine) as session:
        trust = require_trust(session=session, principal=principal, trust_id=trust_id)
        total = queries.count_schools(session=session, scope=scope)
        rows = queries.list_school_table(
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
    return {
        "trust": {"id": trust.id, "name": trust.name},
        "standards": ref_text(chosen),
        "sort": sort,
        "total": total,
        "items": [school_row(row, labels=labels, today=today) for row in page],
        "next_cursor": next_cursor,
    }


# ------------------------------------------------------------------------------------------------ trend by term


def term_label(*, year: int, term: int) -> str:
    """'autumn 2025/26' for the autumn term of the academic year starting in September 2025."""
    return f"{TERM_NAMES[term]} {year}/{(year + 1) % 100:02d}"


def trend_trust(
    *,
    engine: Engine,
    catalog: Catalog,
    principal: Principal,
    trust_id: str,
    standards: str | None = None,
    phase: str | None = None,
    local_authority: str | None = None,
) -> dict[str, Any]:
    """Each school's score term by term (its latest audit of each term) and the trust's average per term."""
    chosen = parse_standards(catalog=catalog, ref=standards)
    scope = _scope(trust_id=trust_id, standards=chosen, phase=phase, local_authority=local_authority)
    with session_scope(engine) as session:
        trust = require_trust(session=session, principal=principal, trust_id=trust_id)
        averages = queries.average_terms(session=session, scope=scope)
        rows = queries.list_term_scores(session=session, scope=scope)
    schools: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = schools.setdefault(row.school_urn, {"urn": row.school_urn, "name": row.name, "terms": []})
        entry["terms"].append(
            {
                "term": term_label(year=int(row.year), term=int(row.term)),
                "audit_date": iso(as_date(row.audit_date)),
                "score": row.score,
                "band": row.band,
            }
        )
    return {
        "trust": {"id": trust.id, "name": trust.name},
        "standards": ref_text(chosen),
        "filters": _filters(phase, local_authority),
        "terms": [
            {
                "term": term_label(year=year, term=term),
                "academic_year": f"{year}/{(year + 1) % 100:02d}",
                "season": TERM_NAMES[term],
                "average_score": None if average is None else round(average, 1),
                "schools": count,
            }
            for year, term, average, count in averages
        ],
        "schools": list(schools.values()),
    }


# ------------------------------------------------------------------------------------------------ exports


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


def _finding_row(row: queries.AnyRow) -> dict[str, Any]:
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
    standards: str | None = None,
    phase: str | None = None,
    local_authority: str | None = None,
) -> Iterator[bytes]:
    """Check access now, then return the export's chunks: the schools table or every finding, as CSV or NDJSON.

    Rows come from a server-side cursor a batch at a time, so memory stays flat however large the trust.
    """
    if table not in ("schools", "findings") or fmt not in ("csv", "ndjson"):
        raise RequestInvalid("an export is of 'schools' or 'findings', as 'csv' or 'ndjson'")
    chosen = parse_standards(catalog=catalog, ref=standards)
    scope = _scope(trust_id=trust_id, standards=chosen, phase=phase, local_authority=local_authority)
    with session_scope(engine) as session:
        require_trust(session=session, principal=principal, trust_id=trust_id)
    labels = band_labels(catalog=catalog)
    return _stream(engine=engine, scope=scope, table=table, fmt=fmt, today=today, labels=labels)


def _stream(
    *, engine: Engine, scope: Scope, table: str, fmt: str, today: dt.date, labels: Mapping[str, str]
) -> Iterator[bytes]:
    columns = SCHOOL_COLUMNS if table == "schools" else FINDING_COLUMNS
    header = fmt == "csv"
    if header:
        yield _encode([], columns=columns, fmt=fmt, header=True)
    with engine.connect() as connection:
        if table == "schools":
            batches = queries.iter_school_table(connection=connection, scope=scope, today=today, batch=EXPORT_BATCH)
            for batch in batches:
                rows = [school_row(row, labels=labels, today=today) for row in batch]
                if fmt == "csv":
                    yield _encode(rows, columns=columns, fmt=fmt, header=False)
                else:
                    yield _encode(
                        [{k: row[k] for k in columns} for row in rows], columns=columns, fmt=fmt, header=False
                    )
        else:
            for batch in queries.iter_findings(connection=connection, scope=scope, batch=EXPORT_BATCH):
                yield _encode([_finding_row(row) for row in batch], columns=columns, fmt=fmt, header=False)


# ------------------------------------------------------------------------------------------------ versions compared


def _direction(old: str | None, new: str | None, ranks: Mapping[str, int]) -> str:
    if old == new:
        return "same"
    if old is None or new is None or old not in ranks or new not in ranks:
        return "changed"
    return "up" if ranks[new] > ranks[old] else "down"


def impact_trust(
    *,
    engine: Engine,
    catalog: Catalog,
    principal: Principal,
    trust_id: str,
    old: str,
    new: str,
    phase: str | None = None,
    local_authority: str | None = None,
) -> dict[str, Any]:
    """What changes for the trust's schools from one standards version to another, from stored reports of both."""
    before, after = parse_standards(catalog=catalog, ref=old), parse_standards(catalog=catalog, ref=new)
    assert before is not None
    assert after is not None
    scope = _scope(trust_id=trust_id, standards=None, phase=phase, local_authority=local_authority)
    with session_scope(engine) as session:
        trust = require_trust(session=session, principal=principal, trust_id=trust_id)
        pairs = queries.list_version_pairs(session=session, scope=scope, old=before, new=after)
        changes = queries.count_finding_changes(session=session, scope=scope, old=before, new=after)
    ranks = band_ranks(catalog=catalog)
    compared, lacking = [], []
    for row in pairs:
        if row.old_report is None or row.new_report is None:
            missing = [ref for ref, report in ((old, row.old_report), (new, row.new_report)) if report is None]
            lacking.append({"urn": row.urn, "name": row.name, "missing": missing})
            continue
        direction = _direction(row.old_band, row.new_band, ranks)
        compared.append(
            {
                "urn": row.urn,
                "name": row.name,
                "audit_id": row.audit_id,
                "audit_date": iso(as_date(row.audit_date)),
                "from": {"score": row.old_score, "band": row.old_band, "capped": bool(row.old_capped)},
                "to": {"score": row.new_score, "band": row.new_band, "capped": bool(row.new_capped)},
                "band_changed": row.old_band != row.new_band,
                "direction": direction,
            }
        )
    titles = rule_titles(catalog=catalog, standards=after)
    titles = {**rule_titles(catalog=catalog, standards=before), **titles}
    findings = sorted(
        (
            {
                "rule": rule,
                "title": titles.get(rule, rule),
                "from_status": old_status,
                "to_status": new_status,
                "schools": int(count),
            }
            for rule, old_status, new_status, count in changes
        ),
        key=lambda item: (-item["schools"], item["rule"], item["from_status"] or "", item["to_status"] or ""),
    )
    changed = [school for school in compared if school["band_changed"]]
    up = sum(school["direction"] == "up" for school in changed)
    down = sum(school["direction"] == "down" for school in changed)
    rules_changed = len({item["rule"] for item in findings})
    summary = (
        f"Under {new}, {_count_text(len(changed), 'school changes', 'schools change')} band "
        f"({up} up, {down} down) of {_count_text(len(compared), 'school')} compared; "
        f"findings change for {_count_text(rules_changed, 'rule')}."
    )
    if lacking:
        summary += (
            f" {_count_text(len(lacking), 'school is', 'schools are')} left out for want of a stored report "
            f"(run `oap rescore --standards {new} --trust {trust_id}`, and for {old} if needed)."
        )
    return {
        "trust": {"id": trust.id, "name": trust.name},
        "from": old,
        "to": new,
        "filters": _filters(phase, local_authority),
        "summary": summary,
        "schools_compared": len(compared),
        "band_changes": len(changed),
        "moved_up": up,
        "moved_down": down,
        "schools": compared,
        "lacking": lacking,
        "findings": findings,
    }


def impact_school(
    *, engine: Engine, catalog: Catalog, principal: Principal, urn: str, old: str, new: str
) -> dict[str, Any]:
    """What changes for one school's latest audit from one standards version to another."""
    before, after = parse_standards(catalog=catalog, ref=old), parse_standards(catalog=catalog, ref=new)
    assert before is not None
    assert after is not None
    scope = Scope(urn=urn)
    with session_scope(engine) as session:
        school = require_school(session=session, principal=principal, urn=urn)
        pairs = queries.list_version_pairs(session=session, scope=scope, old=before, new=after)
        changes = queries.count_finding_changes(session=session, scope=scope, old=before, new=after, by_school=True)
    if not pairs:
        raise NotFound(f"school {urn} has no audit yet, so there is nothing to compare")
    row = pairs[0]
    missing = [ref for ref, report in ((old, row.old_report), (new, row.new_report)) if report is None]
    if missing:
        raise NotFound(
            f"school {urn}'s latest audit has no stored report against {' or '.join(missing)}; "
            f"an administrator can make one with `oap rescore --standards {missing[0]} --all`"
        )
    titles = {**rule_titles(catalog=catalog, standards=before), **rule_titles(catalog=catalog, standards=after)}
    ranks = band_ranks(catalog=catalog)
    return {
        "school": {"urn": school.urn, "name": school.name},
        "from": old,
        "to": new,
        "audit_id": row.audit_id,
        "audit_date": iso(as_date(row.audit_date)),
        "from_report": {"score": row.old_score, "band": row.old_band, "capped": bool(row.old_capped)},
        "to_report": {"score": row.new_score, "band": row.new_band, "capped": bool(row.new_capped)},
        "band_changed": row.old_band != row.new_band,
        "direction": _direction(row.old_band, row.new_band, ranks),
        "findings": [
            {
                "rule": rule,
                "title": titles.get(rule, rule),
                "from_status": old_status,
                "to_status": new_status,
                "from_gap": old_gap,
                "to_gap": new_gap,
                "gap_unit": unit,
            }
            for rule, _, old_status, new_status, old_gap, new_gap, unit in changes
        ],
    }


# ------------------------------------------------------------------------------------------------ benchmarks


def _caller_trust(principal: Principal, school_trust: str | None) -> str | None:
    if principal.role is Role.trust:
        return principal.trust_id
    if principal.role in (Role.school, Role.governor):
        return school_trust
    return None


def benchmark_school(
    *, engine: Engine, catalog: Catalog, principal: Principal, urn: str, standards: str | None = None
) -> dict[str, Any]:
    """A school's latest score as percentiles of its trust and of every school of its phase, on the same version.

    A group holding schools outside the caller's trust is compared only when it has at least five schools.
    """
    chosen = parse_standards(catalog=catalog, ref=standards)
    with session_scope(engine) as session:
        school = require_school(session=session, principal=principal, urn=urn)
        own = queries.list_school_table(
            session=session,
            scope=Scope(urn=urn, standards=chosen),
            today=dt.date.today(),
            sort="name",
            descending=False,
            band_ranks=band_ranks(catalog=catalog),
            after=None,
            limit=1,
        )
        row = own[0]
        if row.audit_id is None:
            raise NotFound(f"school {urn} has no audit yet, so there is nothing to compare")
        if row.score is None:
            ref = ref_text(chosen)
            raise NotFound(
                f"school {urn}'s latest audit has no score against {ref}"
                if ref
                else f"school {urn}'s latest audit has no score to compare"
            )
        version = (row.standards_set, row.standards_version)
        is_admin = principal.role is Role.admin
        caller_trust = _caller_trust(principal, school.trust_id)
        groups = []
        if school.trust_id is not None:
            groups.append(("trust", f"schools of trust {school.trust_id}", Scope(trust_id=school.trust_id)))
        if school.phase is not None:
            groups.append(
                ("phase", f"{school.phase.replace('_', '-')} schools in the service", Scope(phase=school.phase))
            )
        compared = []
        for name, label, base in groups:
            scope = Scope(trust_id=base.trust_id, phase=base.phase, standards=version)
            count, below, equal, average, outsiders = queries.rank_score(
                session=session, scope=scope, score=float(row.score), outside_trust=caller_trust
            )
            compared.append(
                _group(
                    name=name,
                    label=label,
                    count=count,
                    below=below,
                    equal=equal,
                    average=average,
                    restricted=not is_admin and outsiders > 0,
                )
            )
    if school.trust_id is None:
        compared.insert(0, _unavailable("trust", "schools of its trust", "this school is not in a trust"))
    if school.phase is None:
        compared.append(_unavailable("phase", "schools of its phase", "this school's phase is not recorded"))
    return {
        "school": {"urn": school.urn, "name": school.name, "phase": school.phase, "trust_id": school.trust_id},
        "standards": f"{version[0]}@{version[1]}",
        "audit_id": row.audit_id,
        "audit_date": iso(as_date(row.audit_date)),
        "score": row.score,
        "band": row.band,
        "groups": compared,
    }


def _unavailable(name: str, label: str, message: str) -> dict[str, Any]:
    return {
        "group": name,
        "label": label,
        "available": False,
        "message": message,
        "schools": None,
        "percentile": None,
        "average_score": None,
    }


def _group(
    *, name: str, label: str, count: int, below: int, equal: int, average: float | None, restricted: bool
) -> dict[str, Any]:
    if restricted and count < MIN_GROUP:
        return _unavailable(
            name,
            label,
            f"not enough schools to compare: a group with schools outside your trust needs at least {MIN_GROUP}",
        )
    others = count - 1
    percentile = None if others <= 0 else round(100 * (below + 0.5 * (equal - 1)) / others)
    return {
        "group": name,
        "label": label,
        "available": True,
        "message": None if others > 0 else "no other school in this group has a report to compare with",
        "schools": count,
        "percentile": percentile,
        "average_score": None if average is None else round(average, 1),
    }


# ------------------------------------------------------------------------------------------------ overview page


def trust_overview(
    *, engine: Engine, catalog: Catalog, principal: Principal, trust_id: str, today: dt.date
) -> dict[str, Any]:
    """Every school of the trust with its latest report's band and score in each domain (the heat map)."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    trust: dict[str, Any] = {}
    while True:
        page = list_trust_schools(
            engine=engine,
            catalog=catalog,
            principal=principal,
            trust_id=trust_id,
            today=today,
            limit=200,
            cursor=cursor,
        )
        trust = page["trust"]
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    report_ids = [item["report_id"] for item in items if item["report_id"]]
    with session_scope(engine) as session:
        scores_of = repository.list_domain_scores(session=session, report_ids=report_ids)
    titles = domain_titles(catalog=catalog)
    national = max((s for s in catalog.all() if s.set == "national"), key=lambda s: s.effective_from)
    bands = sorted(national.bands, key=lambda band: band.min_score)

    def band_of(score: float | None) -> dict[str, Any] | None:
        if score is None:
            return None
        chosen = bands[0]
        for band in bands:
            if score >= band.min_score:
                chosen = band
        return {"id": chosen.id, "label": chosen.label, "score": score}

    for item in items:
        scores = scores_of.get(item["report_id"], {})
        item["domains"] = {domain: band_of(scores.get(domain)) for domain in titles}
    return {"trust": trust, "domains": titles, "schools": items, "bands": [band.label for band in bands]}
