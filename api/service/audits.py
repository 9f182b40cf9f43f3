"""Use cases for stored audits: submit (idempotently), list, read, and report against any version."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any, cast

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from api.engine.report import GapReport
from api.engine.report_body import ReportBody
from api.errors import AuditInvalid, Conflict, FieldProblem, NotFound, RequestInvalid
from api.rules.catalog import split_ref
from api.service.access import Principal, require_school
from api.service.scoring import ScoringService
from api.storage import repository
from api.storage.db import EncodedJSON, session_scope
from api.storage.tables import AuditRow, IdempotencyRow, ReportRow, StoredReport

MAX_IDEMPOTENCY_KEY = 200


class AuditSummary(BaseModel):
    """A stored audit's identity."""

    id: str
    school_urn: str
    audit_date: str
    replaces_id: str | None
    source: str
    created_at: str

    model_config = ConfigDict(from_attributes=True)

    @field_validator("audit_date", "created_at", mode="before")
    @classmethod
    def _iso(cls, value: object) -> object:
        return value.isoformat() if isinstance(value, dt.date) else value


class AuditDetail(AuditSummary):
    """A stored audit with its figures."""

    audit: dict[str, Any]


class AuditPage(BaseModel):
    """A page of audits, newest first."""

    items: list[AuditSummary]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null on the last page.")


@dataclass(frozen=True, slots=True)
class Submission:
    """The outcome of a submission: the stored audit, its report (JSON text), and whether this call created them."""

    audit: AuditSummary
    report_json: str
    created: bool

    def response_json(self) -> str:
        """The API's answer: ``{"audit": …, "report": …}`` as JSON text."""
        audit = json.dumps(self.audit.model_dump(), ensure_ascii=False)
        return f'{{"audit":{audit},"report":{self.report_json}}}'


def _fresh_findings(report: GapReport, report_id: str) -> list[dict[str, Any]]:
    return [
        {
            "report_id": report_id,
            "rule": finding.view.id,
            "domain": finding.view.domain,
            "basis": finding.view.basis.value,
            "status": finding.outcome.value,
            "gap_amount": float(finding.amount) if finding.amount is not None else None,
            "gap_unit": finding.view.gap.unit if finding.amount is not None else None,
        }
        for finding in report.findings
    ]


def request_digest(data: Any) -> str:
    """A stable hash (SHA-256, hex) of a decoded request body (key order and spacing do not matter)."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def report_rows(report: GapReport, *, audit_id: str, urn: str, encoded: bool = False) -> StoredReport:
    """The stored form of a gap report: its row, one findings row per rule and one domain row per domain.

    With ``encoded`` the body is the report's JSON text, stored without being decoded and encoded again.
    """
    body: Any = EncodedJSON(report.to_json()) if encoded else report.to_dict()
    report_id = uuid.uuid4().hex
    row = ReportRow(
        id=report_id,
        audit_id=audit_id,
        school_urn=urn,
        standards_set=report.standards["set"],
        standards_version=report.standards["version"],
        standards_sha256=report.standards["sha256"],
        score=report.score,
        band=report.band.id if report.band is not None else None,
        capped=bool(report.capped_by),
        coverage=report.coverage,
        complete=report.complete,
        body=body,
    )
    domains = [{"report_id": report_id, "domain": domain.id, "score": domain.score} for domain in report.domains]
    return StoredReport(report=row, findings=_fresh_findings(report, report_id), domains=domains)


def _check_idempotency_key(key: str | None) -> None:
    if key is not None and not (0 < len(key) <= MAX_IDEMPOTENCY_KEY and key.isprintable()):
        raise RequestInvalid(f"the Idempotency-Key header must be 1 to {MAX_IDEMPOTENCY_KEY} printable characters")


def _replay(*, engine: Engine, principal: Principal, idempotency_key: str, digest: str) -> Submission | None:
    with session_scope(engine) as session:
        record = repository.get_idempotency(session=session, key_id=principal.key_id, idempotency_key=idempotency_key)
        if record is None:
            return None
        if record.request_sha256 != digest:
            raise Conflict(
                "this Idempotency-Key was already used with a different request body; use a new key for a new audit"
            )
        audit = repository.get_audit(session=session, audit_id=record.audit_id)
        report = repository.get_first_report(session=session, audit_id=record.audit_id)
        if audit is None or report is None:  # pragma: no cover - written in one transaction with the record
            raise NotFound(f"the audit recorded for Idempotency-Key {idempotency_key} is missing")
        report_json = json.dumps(report.body, ensure_ascii=False)
        return Submission(audit=AuditSummary.model_validate(audit), report_json=report_json, created=False)


def submit_audit(
    *,
    engine: Engine,
    scoring: ScoringService,
    principal: Principal,
    urn: str,
    data: Any,
    idempotency_key: str | None = None,
    replaces: str | None = None,
    standards: str | None = None,
    source: str = "api",
    today: dt.date | None = None,
) -> Submission:
    """Validate, score and store an audit with its report, all in one transaction.

    With an idempotency key, a repeat of the same body returns the first submission and stores nothing; the
    same key with a different body is a Conflict. ``replaces`` names the audit this one corrects. Returns the
    :class:`Submission`. Raises RequestInvalid (a bad key), NotFound (school or replaced audit), Forbidden (a
    read-only key), AuditInvalid (every problem of the audit), Conflict (a reused key).
    """
    _check_idempotency_key(idempotency_key)
    with session_scope(engine) as session:
        require_school(session=session, principal=principal, urn=urn, write=True)
    valid, version = scoring.validate(data, standards, today=today)
    if valid.urn != urn:
        raise AuditInvalid([FieldProblem("school.urn", f"must be the URN of the school in the address ({urn})")])
    digest = ""
    if idempotency_key is not None:
        digest = request_digest({"audit": data, "replaces": replaces, "standards": standards})
        replayed = _replay(engine=engine, principal=principal, idempotency_key=idempotency_key, digest=digest)
        if replayed is not None:
            return replayed
    report = scoring.scorer(version).score(valid)
    audit_id = uuid.uuid4().hex
    try:
        with session_scope(engine) as session:
            if replaces is not None:
                previous = repository.get_audit(session=session, audit_id=replaces)
                if previous is None or previous.school_urn != urn:
                    raise NotFound(f"there is no audit {replaces} of school {urn} to replace")
            audit = AuditRow(
                id=audit_id,
                school_urn=urn,
                audit_date=valid.audit_date,
                replaces_id=replaces,
                body=valid.nested(),
                submitted_by=principal.key_id,
                source=source,
                questions_set=version.set,
                questions_version=version.version,
                questions_sha256=version.questions_sha256,
            )
            stored = report_rows(report, audit_id=audit_id, urn=urn, encoded=True)
            record = None
            if idempotency_key is not None:
                record = IdempotencyRow(
                    key_id=principal.key_id, idempotency_key=idempotency_key, request_sha256=digest, audit_id=audit_id
                )
            repository.save_submission(session=session, audit=audit, stored=stored, idempotency=record)
    except IntegrityError:
        # Another request with the same idempotency key won the race: answer as a retry would be answered.
        if idempotency_key is not None:
            replayed = _replay(engine=engine, principal=principal, idempotency_key=idempotency_key, digest=digest)
            if replayed is not None:
                return replayed
        raise
    return Submission(audit=AuditSummary.model_validate(audit), report_json=str(stored.report.body), created=True)


def encode_cursor(audit: AuditRow) -> str:
    """An opaque cursor (URL-safe text) for the page after ``audit``."""
    raw = f"{audit.created_at.isoformat()}|{audit.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, str]:
    """The (created_at, id) a cursor stands for; raises RequestInvalid for a cursor this service did not make."""
    refused = RequestInvalid("cursor: not a cursor from this service; use next_cursor from the previous page")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created_text, _, audit_id = raw.partition("|")
        created = dt.datetime.fromisoformat(created_text)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise refused from None
    if created.tzinfo is None or not audit_id:
        raise refused
    return created, audit_id


def list_school_audits(*, engine: Engine, principal: Principal, urn: str, limit: int, cursor: str | None) -> AuditPage:
    """A page of at most ``limit`` of a school's audits, newest first, with the cursor of the next page (None at the
    end). Raises RequestInvalid for a cursor this service did not make, NotFound for a school the key cannot see."""
    before = decode_cursor(cursor) if cursor else None
    with session_scope(engine) as session:
        require_school(session=session, principal=principal, urn=urn)
        rows = repository.list_audits(session=session, urn=urn, limit=limit + 1, before=before)
    page = rows[:limit]
    next_cursor = encode_cursor(page[-1]) if len(rows) > limit else None
    return AuditPage(items=[AuditSummary.model_validate(row) for row in page], next_cursor=next_cursor)


def get_audit(*, engine: Engine, principal: Principal, audit_id: str) -> AuditDetail:
    """One audit with the figures it was submitted with; raises NotFound when the key cannot see it."""
    with session_scope(engine) as session:
        audit = repository.get_audit(session=session, audit_id=audit_id)
        if audit is None:
            raise NotFound(f"there is no audit {audit_id} that this key can see")
        try:
            require_school(session=session, principal=principal, urn=audit.school_urn)
        except NotFound:
            raise NotFound(f"there is no audit {audit_id} that this key can see") from None
    return AuditDetail(**AuditSummary.model_validate(audit).model_dump(), audit=audit.body)


def get_audit_report(
    *, engine: Engine, scoring: ScoringService, principal: Principal, audit_id: str, standards: str | None
) -> ReportBody:
    """The stored report of an audit, or a fresh one against another version (never stored over the old one).

    Returns the report's JSON form (:meth:`api.engine.report.GapReport.to_dict`, the shape of the API's
    GapReportOut). Raises NotFound for an audit the key cannot see or an unknown standards version.
    """
    get_audit(engine=engine, principal=principal, audit_id=audit_id)  # access check
    with session_scope(engine) as session:
        audit = repository.get_audit(session=session, audit_id=audit_id)
        assert audit is not None
        wanted = split_ref(standards) if standards is not None else None
        stored = repository.get_stored_report(session=session, audit_id=audit_id, standards=wanted)
    if stored is not None:
        return cast(ReportBody, stored.body)  # written from GapReport.to_dict() or to_json()
    valid = scoring.validate_stored(audit.body, audit.questions_set, audit.questions_version)
    target = scoring.catalog.get(standards) if standards is not None else scoring.choose(valid)
    return scoring.score_stored(valid, target).to_dict()
