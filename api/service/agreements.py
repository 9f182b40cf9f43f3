"""Use cases for what governors see beside a report: agreed exceptions to rules, and their sign-off.

An *exception* is a school's agreed departure from one rule (with the reason, who approved it and in what role,
the risk, a review date and an expiry). While it is active the rule is left out of the report's *adjusted*
score: it counts neither for nor against the school; the raw score is always shown beside it. An exception
stops counting when it expires (and is then flagged) or is withdrawn; none is ever deleted. No exception can be
agreed to a statutory duty.

A *sign-off* records that a governor has reviewed a report: who, when and an optional note.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Engine

from api.errors import Conflict, Forbidden, NotFound, RequestInvalid
from api.rules.catalog import Catalog
from api.service import audits
from api.service.access import Principal, Role, require_school
from api.service.scoring import ScoringService
from api.storage import queries, repository
from api.storage.db import session_scope
from api.storage.tables import ExceptionRow, SignOffRow, utcnow

RISKS = ("low", "medium", "high")
_HALF_CREDITS = {"met": 2, "partially_met": 1, "not_met": 0}
ADJUSTED_NOTE = (
    "The adjusted score leaves out every rule with an active agreed exception: such a rule counts neither for nor "
    "against the school. An expired or withdrawn exception no longer counts. The raw score is the report as scored."
)


def exception_state(row: ExceptionRow, *, today: dt.date) -> str:
    """'withdrawn', 'expired' (the expiry date has passed) or 'active'."""
    if row.withdrawn_at is not None:
        return "withdrawn"
    return "expired" if row.expires_on < today else "active"


def _iso_time(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()


def exception_view(row: ExceptionRow, *, today: dt.date) -> dict[str, Any]:
    """An exception as the API shows it, with its state as of ``today``."""
    state = exception_state(row, today=today)
    return {
        "id": row.id,
        "school_urn": row.school_urn,
        "rule": row.rule,
        "reason": row.reason,
        "approver_name": row.approver_name,
        "approver_role": row.approver_role,
        "risk": row.risk,
        "review_on": row.review_on.isoformat(),
        "expires_on": row.expires_on.isoformat(),
        "recorded_by": row.recorded_by,
        "recorded_at": _iso_time(row.created_at),
        "withdrawn_at": _iso_time(row.withdrawn_at),
        "withdrawn_by": row.withdrawn_by,
        "state": state,
        "counted": state == "active",
        "expired": state == "expired",
        "review_due": state == "active" and row.review_on <= today,
    }


def _require_writer(*, principal: Principal, action: str) -> None:
    if principal.role is Role.governor:
        raise Forbidden(f"governor keys can read a school's exceptions but cannot {action} one")


def _check_rule(*, catalog: Catalog, rule: str) -> None:
    versions = [standards for standards in catalog.all() if standards.rule(rule) is not None]
    if not versions:
        raise RequestInvalid(f"rule: there is no rule {rule} in any standards version")
    statutory = [s.ref for s in versions if (found := s.rule(rule)) is not None and found.basis.value == "statutory"]
    if statutory:
        raise RequestInvalid(
            f"rule: {rule} is a statutory duty (in {', '.join(statutory)}); an exception cannot be agreed to the law"
        )


def record_exception(
    *,
    engine: Engine,
    catalog: Catalog,
    principal: Principal,
    urn: str,
    fields: Mapping[str, Any],
    today: dt.date,
) -> dict[str, Any]:
    """Record an agreed exception to one rule for a school (school, trust or admin keys; not governors)."""
    with session_scope(engine) as session:
        require_school(session=session, principal=principal, urn=urn)
    _require_writer(principal=principal, action="record")
    rule = str(fields["rule"])
    _check_rule(catalog=catalog, rule=rule)
    review_on, expires_on = fields["review_on"], fields["expires_on"]
    if fields["risk"] not in RISKS:
        raise RequestInvalid(f"risk: must be one of {', '.join(RISKS)}")
    if expires_on < today:
        raise RequestInvalid(f"expires_on: {expires_on} has already passed; an exception must run until today or later")
    if review_on > expires_on:
        raise RequestInvalid(f"review_on: the review ({review_on}) must fall on or before the expiry ({expires_on})")
    row = ExceptionRow(
        id=uuid.uuid4().hex,
        school_urn=urn,
        rule=rule,
        reason=fields["reason"],
        approver_name=fields["approver_name"],
        approver_role=fields["approver_role"],
        risk=fields["risk"],
        review_on=review_on,
        expires_on=expires_on,
        recorded_by=principal.key_id,
    )
    with session_scope(engine) as session:
        queries.save_exception(session=session, row=row)
    return exception_view(row, today=today)


def list_school_exceptions(*, engine: Engine, principal: Principal, urn: str, today: dt.date) -> list[dict[str, Any]]:
    """Every exception a school has recorded, active, expired and withdrawn, newest first."""
    with session_scope(engine) as session:
        require_school(session=session, principal=principal, urn=urn)
        rows = queries.list_exceptions(session=session, urn=urn)
    return [exception_view(row, today=today) for row in rows]


def withdraw_exception(*, engine: Engine, principal: Principal, exception_id: str, today: dt.date) -> dict[str, Any]:
    """Withdraw an exception: it stops counting at once and is kept, with when it was withdrawn and by which key."""
    with session_scope(engine) as session:
        row = queries.get_exception(session=session, exception_id=exception_id)
        try:
            if row is None:
                raise NotFound("no such exception")
            require_school(session=session, principal=principal, urn=row.school_urn)
        except NotFound:
            raise NotFound(f"there is no exception {exception_id} that this key can see") from None
        _require_writer(principal=principal, action="withdraw")
        if row.withdrawn_at is not None:
            raise Conflict(f"exception {exception_id} was already withdrawn at {_iso_time(row.withdrawn_at)}")
        row.withdrawn_at = utcnow()
        row.withdrawn_by = principal.key_id
        session.add(row)
        session.flush()
        return exception_view(row, today=today)


# ------------------------------------------------------------------------------------------------ the adjusted score


def _score(weights: int, halves: int) -> float | None:
    """100 × halves ÷ (2 × weights), rounded half up to one decimal, as the engine computes it."""
    if weights == 0:
        return None
    return ((1000 * halves + weights) // (2 * weights)) / 10


def adjust_report(
    *, report: Mapping[str, Any], excepted: Iterable[str], bands: Sequence[tuple[str, float]]
) -> dict[str, Any]:
    """The score and band of a report with the ``excepted`` rules left out of both sums (not counted).

    ``bands`` are (id, min_score) of the report's standards version. A statutory rule not met still caps the band.
    """
    skip = set(excepted)
    weights = halves = 0
    capped_by = []
    for result in report.get("results", []):
        credit = _HALF_CREDITS.get(result["status"])
        if credit is None or result["rule"] in skip:
            continue
        weights += int(result["weight"])
        halves += int(result["weight"]) * credit
        if credit == 0 and result["basis"] == "statutory":
            capped_by.append(result["rule"])
    score = _score(weights, halves)
    band = None
    ordered = sorted(bands, key=lambda item: item[1])
    if score is not None and ordered:
        band = ordered[0][0]
        if not capped_by:
            for candidate, minimum in ordered:
                if score >= minimum:
                    band = candidate
    return {"score": score, "band": band, "capped_by": sorted(capped_by)}


def get_adjusted_report(
    *,
    engine: Engine,
    scoring: ScoringService,
    principal: Principal,
    audit_id: str,
    today: dt.date,
    standards: str | None = None,
) -> dict[str, Any]:
    """An audit's report with its raw score, its score adjusted for active exceptions, and the school's exceptions."""
    report = audits.get_audit_report(
        engine=engine, scoring=scoring, principal=principal, audit_id=audit_id, standards=standards
    )
    urn = report["school"]["urn"]
    with session_scope(engine) as session:
        rows = queries.list_exceptions(session=session, urn=urn)
    identity = report["standards"]
    version = scoring.catalog.get(f"{identity['set']}@{identity['version']}")
    in_report = {result["rule"] for result in report.get("results", [])}
    views = []
    for row in rows:
        view = exception_view(row, today=today)
        view["in_report"] = row.rule in in_report
        views.append(view)
    excepted = {view["rule"] for view in views if view["counted"] and view["in_report"]}
    adjusted = adjust_report(
        report=report, excepted=excepted, bands=[(band.id, band.min_score) for band in version.bands]
    )
    labels = {band.id: band.label for band in version.bands}
    return {
        "audit_id": audit_id,
        "standards": f"{identity['set']}@{identity['version']}",
        "raw_score": report["score"],
        "raw_band": report["band"],
        "adjusted_score": adjusted["score"],
        "adjusted_band": adjusted["band"],
        "adjusted_band_label": labels.get(adjusted["band"]) if adjusted["band"] else None,
        "adjusted_capped_by": adjusted["capped_by"],
        "excluded_rules": sorted(excepted),
        "note": ADJUSTED_NOTE,
        "exceptions": views,
        "report": report,
    }


# ------------------------------------------------------------------------------------------------ sign-off


def sign_off_view(row: SignOffRow, *, audit_id: str, standards: str) -> dict[str, Any]:
    """A sign-off as the API shows it."""
    return {
        "id": row.id,
        "audit_id": audit_id,
        "report_id": row.report_id,
        "standards": standards,
        "reviewer_name": row.reviewer_name,
        "note": row.note,
        "signed_by": row.signed_by,
        "signed_at": _iso_time(row.created_at),
    }


def sign_off_report(
    *,
    engine: Engine,
    principal: Principal,
    audit_id: str,
    reviewer_name: str,
    note: str | None = None,
    standards: str | None = None,
) -> dict[str, Any]:
    """Record that a governor has reviewed an audit's stored report (the submission report unless ``standards``)."""
    missing = NotFound(f"there is no audit {audit_id} that this key can see")
    with session_scope(engine) as session:
        audit = repository.get_audit(session=session, audit_id=audit_id)
        if audit is None:
            raise missing
        try:
            require_school(session=session, principal=principal, urn=audit.school_urn)
        except NotFound:
            raise missing from None
        if principal.role not in (Role.governor, Role.admin):
            raise Forbidden("only a governor key can sign off a report: the sign-off says a governor has reviewed it")
        if standards is None:
            report = repository.get_first_report(session=session, audit_id=audit_id)
        else:
            name, _, version = standards.partition("@")
            report = repository.get_report(
                session=session, audit_id=audit_id, standards_set=name, standards_version=version
            )
        if report is None:
            raise NotFound(f"audit {audit_id} has no stored report against {standards}; there is nothing to sign off")
        row = SignOffRow(
            id=uuid.uuid4().hex,
            report_id=report.id,
            reviewer_name=reviewer_name,
            note=note,
            signed_by=principal.key_id,
        )
        queries.save_sign_off(session=session, row=row)
        return sign_off_view(row, audit_id=audit_id, standards=f"{report.standards_set}@{report.standards_version}")


def list_report_sign_offs(*, engine: Engine, principal: Principal, audit_id: str) -> list[dict[str, Any]]:
    """Every sign-off of an audit's reports, newest first."""
    audits.get_audit(engine=engine, principal=principal, audit_id=audit_id)  # access check
    with session_scope(engine) as session:
        pairs = queries.list_sign_offs(session=session, audit_id=audit_id)
    return [sign_off_view(row, audit_id=audit_id, standards=standards) for row, standards in pairs]
