"""The data-access functions on SQLite and PostgreSQL: trusts and schools, submissions written whole or not
at all, listing order and cursors, and the SQLite pragmas the service relies on."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from api.rules.catalog import Catalog
from api.service.audits import report_rows
from api.service.scoring import ScoringService
from api.storage import repository
from api.storage.db import make_engine, session_scope
from api.storage.tables import (
    AuditRow,
    FindingRow,
    IdempotencyRow,
    ReportDomainRow,
    ReportRow,
    SchoolRow,
    StoredReport,
    TrustRow,
    utcnow,
)
from tests.conftest import example_audit, valid

URN = "113328"
OTHER_URN = "100000"
T0 = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def schools(engine: Engine) -> Engine:
    """The engine, with trust T1 and its two schools stored."""
    with session_scope(engine) as session:
        repository.put_trust(session=session, trust_id="T1", name="Trust one")
        for urn in (URN, OTHER_URN):
            repository.put_school(session=session, urn=urn, fields={"name": f"School {urn}", "trust_id": "T1"})
    return engine


def rows(engine: Engine, table: type[Any]) -> int:
    with session_scope(engine) as session:
        return int(session.exec(select(sa.func.count()).select_from(table)).one())


def everything(engine: Engine) -> dict[str, int]:
    """How many rows each table of a submission holds."""
    tables = (AuditRow, ReportRow, FindingRow, ReportDomainRow, IdempotencyRow)
    return {table.__tablename__: rows(engine, table) for table in tables}


def new_submission(
    catalog: Catalog, *, urn: str = URN, created_at: dt.datetime | None = None, ref: str = "national@2026.1"
) -> tuple[AuditRow, StoredReport]:
    """An audit of ``urn`` with its report, findings and domain scores, ready for save_submission."""
    audit_data = valid(example_audit(urn))
    report = ScoringService(catalog).score(audit_data, ref)
    audit_id = uuid.uuid4().hex
    audit = AuditRow(
        id=audit_id,
        school_urn=urn,
        audit_date=audit_data.audit_date,
        body=audit_data.nested(),
        submitted_by="test",
        questions_set="national",
        questions_version=ref.split("@")[1],
        questions_sha256=catalog.get(ref).questions_sha256,
        created_at=created_at or utcnow(),
    )
    return audit, report_rows(report, audit_id=audit_id, urn=urn)


def save(engine: Engine, audit: AuditRow, stored: StoredReport, **kwargs: Any) -> None:
    with session_scope(engine) as session:
        repository.save_submission(session=session, audit=audit, stored=stored, **kwargs)


# ---------------------------------------------------------------------------------------------- trusts and schools


def test_put_trust_creates_then_updates(engine: Engine) -> None:
    with session_scope(engine) as session:
        row, created = repository.put_trust(session=session, trust_id="T1", name="Old")
        assert created
        first_created, first_updated = row.created_at, row.updated_at
    with session_scope(engine) as session:
        row, created = repository.put_trust(session=session, trust_id="T1", name="New")
        assert not created
    with session_scope(engine) as session:
        stored = repository.get_trust(session=session, trust_id="T1")
        assert stored is not None
        assert stored.name == "New"
        assert stored.created_at == first_created
        assert stored.updated_at > first_updated
        assert stored.created_at.tzinfo is not None
        assert repository.get_trust(session=session, trust_id="T2") is None
    assert rows(engine, TrustRow) == 1


def test_put_school_creates_then_updates(engine: Engine) -> None:
    with session_scope(engine) as session:
        repository.put_trust(session=session, trust_id="T1", name="One")
        repository.put_trust(session=session, trust_id="T2", name="Two")
        row, created = repository.put_school(
            session=session, urn=URN, fields={"name": "Old", "phase": "primary", "trust_id": "T1"}
        )
        assert created
        assert row.status == "open"
    with session_scope(engine) as session:
        row, created = repository.put_school(session=session, urn=URN, fields={"name": "New", "trust_id": "T2"})
        assert not created
    with session_scope(engine) as session:
        stored = repository.get_school(session=session, urn=URN)
        assert stored is not None
        assert (stored.name, stored.phase, stored.trust_id) == ("New", "primary", "T2")
        assert stored.updated_at > stored.created_at
        assert repository.get_school(session=session, urn=OTHER_URN) is None
    assert rows(engine, SchoolRow) == 1


def test_a_school_of_an_unknown_trust_is_refused_by_the_database(engine: Engine) -> None:
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        repository.put_school(session=session, urn=URN, fields={"name": "S", "trust_id": "NOPE"})
    assert rows(engine, SchoolRow) == 0


# ---------------------------------------------------------------------------------------------- submissions


def test_save_submission_writes_audit_report_a_finding_per_rule_and_a_score_per_domain(
    schools: Engine, catalog: Catalog
) -> None:
    audit, stored = new_submission(catalog)
    report = stored.report
    record = IdempotencyRow(key_id="k1", idempotency_key="retry", request_sha256="0" * 64, audit_id=audit.id)
    save(schools, audit, stored, idempotency=record)
    standards = catalog.get("national@2026.1")
    rules = {rule.id for rule in standards.rules}
    domains = {rule.domain for rule in standards.rules}
    assert len(stored.findings) == len(rules)
    assert everything(schools) == {
        "audits": 1,
        "reports": 1,
        "findings": len(rules),
        "report_domains": len(domains),
        "idempotency_records": 1,
    }
    with session_scope(schools) as session:
        kept = repository.get_audit(session=session, audit_id=audit.id)
        assert kept is not None
        assert kept.body == audit.body
        assert kept.created_at == audit.created_at
        first = repository.get_first_report(session=session, audit_id=audit.id)
        assert first is not None
        assert first.id == report.id
        assert first.body == report.body
        assert (first.standards_set, first.standards_version) == ("national", "2026.1")
        assert (
            repository.get_report(
                session=session, audit_id=audit.id, standards_set="national", standards_version="2026.1"
            )
            == first
        )
        assert (
            repository.get_report(
                session=session, audit_id=audit.id, standards_set="national", standards_version="2025.1"
            )
            is None
        )
        found = session.exec(select(FindingRow).where(FindingRow.report_id == report.id)).all()
        assert {finding.rule for finding in found} == rules
        statuses = {result["rule"]: result["status"] for result in report.body["results"]}
        assert all(finding.status == statuses[finding.rule] for finding in found)
        scores = repository.list_domain_scores(session=session, report_ids=[report.id, "no-such-report"])
        assert scores == {report.id: {domain["id"]: domain["score"] for domain in report.body["domains"]}}
        assert set(scores[report.id]) == domains
        idempotency = repository.get_idempotency(session=session, key_id="k1", idempotency_key="retry")
        assert idempotency is not None
        assert idempotency.audit_id == audit.id
        assert repository.get_idempotency(session=session, key_id="k2", idempotency_key="retry") is None


def test_insert_reports_adds_another_version(schools: Engine, catalog: Catalog) -> None:
    audit, stored = new_submission(catalog)
    save(schools, audit, stored)
    _, older = new_submission(catalog, ref="national@2025.1")
    older.report.audit_id = audit.id
    with session_scope(schools) as session:
        repository.insert_reports(session=session, reports=[older])
    with session_scope(schools) as session:
        first = repository.get_first_report(session=session, audit_id=audit.id)
        assert first is not None
        assert first.id == stored.report.id, "the report made at submission stays the first"
        again = repository.get_report(
            session=session, audit_id=audit.id, standards_set="national", standards_version="2025.1"
        )
        assert again is not None
        assert again.id == older.report.id
        assert again.body == older.report.body
    assert rows(schools, FindingRow) == len(stored.findings) + len(older.findings)
    assert rows(schools, ReportDomainRow) == len(stored.domains) + len(older.domains)
    # the same version twice is refused, and nothing of it is kept
    _, twice = new_submission(catalog)
    twice.report.audit_id = audit.id
    with pytest.raises(IntegrityError), session_scope(schools) as session:
        repository.insert_reports(session=session, reports=[twice])
    assert rows(schools, ReportRow) == 2
    assert rows(schools, FindingRow) == len(stored.findings) + len(older.findings)


def test_a_report_body_encoded_as_json_text_is_stored_as_the_same_object(schools: Engine, catalog: Catalog) -> None:
    audit, _ = new_submission(catalog)
    encoded = report_rows(
        ScoringService(catalog).score(valid(example_audit(URN)), "national@2026.1"),
        audit_id=audit.id,
        urn=URN,
        encoded=True,
    )
    save(schools, audit, encoded)
    with session_scope(schools) as session:
        first = repository.get_first_report(session=session, audit_id=audit.id)
        assert first is not None
        assert first.body == json.loads(str(encoded.report.body))


def _report_of_a_missing_audit(audit: AuditRow, stored: StoredReport) -> dict[str, Any]:
    stored.report.audit_id = uuid.uuid4().hex
    return {}


def _idempotency_key_already_used(audit: AuditRow, stored: StoredReport) -> dict[str, Any]:
    return {
        "idempotency": IdempotencyRow(key_id="k1", idempotency_key="used", request_sha256="1" * 64, audit_id=audit.id)
    }


def _two_findings_for_one_rule(audit: AuditRow, stored: StoredReport) -> dict[str, Any]:
    stored.findings.append(dict(stored.findings[0]))
    return {}


def _finding_of_an_unknown_report(audit: AuditRow, stored: StoredReport) -> dict[str, Any]:
    stored.findings[-1] = {**stored.findings[-1], "report_id": uuid.uuid4().hex}
    return {}


def _two_scores_for_one_domain(audit: AuditRow, stored: StoredReport) -> dict[str, Any]:
    stored.domains.append(dict(stored.domains[0]))
    return {}


def _domain_score_of_an_unknown_report(audit: AuditRow, stored: StoredReport) -> dict[str, Any]:
    stored.domains[-1] = {**stored.domains[-1], "report_id": uuid.uuid4().hex}
    return {}


Breakage = Callable[[AuditRow, StoredReport], dict[str, Any]]


BREAKAGES: dict[str, Breakage] = {
    "report-of-missing-audit": _report_of_a_missing_audit,
    "idempotency-key-reused": _idempotency_key_already_used,
    "duplicate-finding": _two_findings_for_one_rule,
    "finding-of-unknown-report": _finding_of_an_unknown_report,
    "duplicate-domain-score": _two_scores_for_one_domain,
    "domain-score-of-unknown-report": _domain_score_of_an_unknown_report,
}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_a_failed_submission_leaves_nothing_half_written(schools: Engine, catalog: Catalog, breakage: str) -> None:
    first, first_stored = new_submission(catalog)
    record = IdempotencyRow(key_id="k1", idempotency_key="used", request_sha256="0" * 64, audit_id=first.id)
    save(schools, first, first_stored, idempotency=record)
    before = everything(schools)

    audit, stored = new_submission(catalog)
    extra = BREAKAGES[breakage](audit, stored)
    with pytest.raises(IntegrityError):
        save(schools, audit, stored, **extra)

    assert everything(schools) == before
    with session_scope(schools) as session:
        assert repository.get_audit(session=session, audit_id=audit.id) is None
        assert repository.get_audit(session=session, audit_id=first.id) is not None
        assert repository.get_first_report(session=session, audit_id=audit.id) is None
        kept = repository.get_idempotency(session=session, key_id="k1", idempotency_key="used")
        assert kept is not None
        assert kept.audit_id == first.id


def test_an_error_after_the_writes_rolls_them_back(schools: Engine, catalog: Catalog) -> None:
    audit, stored = new_submission(catalog)

    def write_then_fail() -> None:
        with session_scope(schools) as session:
            repository.save_submission(session=session, audit=audit, stored=stored)
            assert repository.count_audits(session=session) == 1  # visible inside the transaction
            raise RuntimeError("after the writes")

    with pytest.raises(RuntimeError, match="after the writes"):
        write_then_fail()
    assert everything(schools) == {
        "audits": 0,
        "reports": 0,
        "findings": 0,
        "report_domains": 0,
        "idempotency_records": 0,
    }


def test_an_audit_of_an_unknown_school_is_refused(schools: Engine, catalog: Catalog) -> None:
    audit, stored = new_submission(catalog, urn="999999")
    with pytest.raises(IntegrityError):
        save(schools, audit, stored)
    assert everything(schools)["audits"] == 0


# ---------------------------------------------------------------------------------------------- listing


def test_list_audits_newest_first_with_a_cursor(schools: Engine, catalog: Catalog) -> None:
    # Seven audits of one school: five at distinct times and two sharing a timestamp (ordered by id).
    times = [T0 + dt.timedelta(minutes=m) for m in (3, 1, 4, 1, 5, 9, 2)]
    ids = []
    for at in times:
        audit, stored = new_submission(catalog, created_at=at)
        save(schools, audit, stored)
        ids.append(audit.id)
    other, other_stored = new_submission(catalog, urn=OTHER_URN, created_at=T0)
    save(schools, other, other_stored)
    expected = [audit_id for _, audit_id in sorted(zip(times, ids, strict=True), reverse=True)]

    with session_scope(schools) as session:
        everything_at_once = repository.list_audits(session=session, urn=URN, limit=100)
        assert [row.id for row in everything_at_once] == expected
        assert all(row.created_at.tzinfo is not None for row in everything_at_once)
        pages: list[list[str]] = []
        before: tuple[dt.datetime, str] | None = None
        while True:
            page = repository.list_audits(session=session, urn=URN, limit=3, before=before)
            if not page:
                break
            pages.append([row.id for row in page])
            before = (page[-1].created_at, page[-1].id)
        assert [len(page) for page in pages] == [3, 3, 1]
        assert [audit_id for page in pages for audit_id in page] == expected
        assert [row.id for row in repository.list_audits(session=session, urn=OTHER_URN, limit=10)] == [other.id]
        assert repository.list_audits(session=session, urn="999999", limit=10) == []
        assert repository.count_audits(session=session) == 8
        assert repository.count_audits(session=session, urn=URN) == 7


def test_the_cursor_splits_a_tie_by_id(schools: Engine, catalog: Catalog) -> None:
    ids = []
    for _ in range(4):
        audit, stored = new_submission(catalog, created_at=T0)
        save(schools, audit, stored)
        ids.append(audit.id)
    with session_scope(schools) as session:
        listed = [row.id for row in repository.list_audits(session=session, urn=URN, limit=10)]
        assert listed == sorted(ids, reverse=True)
        after_second = repository.list_audits(session=session, urn=URN, limit=10, before=(T0, listed[1]))
        assert [row.id for row in after_second] == listed[2:]


# ---------------------------------------------------------------------------------------------- SQLite


def test_sqlite_pragmas_are_on_for_every_connection(tmp_path: Any) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/sub/oap.db")
    try:
        with engine.connect() as first, engine.connect() as second:
            for connection in (first, second):
                assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
        assert (tmp_path / "sub" / "oap.db").exists(), "the folder of the database file is created"
    finally:
        engine.dispose()


def test_sqlite_enforces_foreign_keys(tmp_path: Any) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/oap.db")
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
            connection.exec_driver_sql("CREATE TABLE child (parent_id INTEGER REFERENCES parent(id))")
        with engine.connect() as connection, pytest.raises(IntegrityError):
            connection.exec_driver_sql("INSERT INTO child (parent_id) VALUES (1)")
    finally:
        engine.dispose()
