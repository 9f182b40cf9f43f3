"""Revision 0006 on SQLite and PostgreSQL: audits stored before it record the question set they answered, and
their reports gain the completeness rule, so that each stored audit rescores to the very report stored for it."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from api.rules.catalog import Catalog
from api.service.audits import report_rows
from api.service.scoring import ScoringService
from api.storage.db import make_engine
from api.storage.migrate import upgrade
from tests.conftest import example_audit, minimal_audit, valid
from tests.storage.test_migrations import NOW, migrate_to

# The sparse audit: four "yes" answers and nothing else (it scored 100.0, Enhanced, before 0006).
SPARSE = minimal_audit(
    audit_date="2026-10-01",
    senco={"designated": True, "qualified_teacher": True},
    governance={"send_governor": True},
    published={"local_offer_link": True},
)


@pytest.fixture
def empty(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def before_0006(body: dict[str, Any], bands: list[tuple[str, str, float]]) -> dict[str, Any]:
    """A report body as the engine wrote it before revision 0006: no completeness, the band the score reached."""
    old = {key: value for key, value in body.items() if key not in ("complete", "incomplete_reasons")}
    if old["score"] is not None and not old["capped_by"]:
        old["band"], old["band_label"] = max((b for b in bands if old["score"] >= b[2]), key=lambda b: b[2])[:2]
    return old


def test_0006_records_questions_and_completeness_so_stored_audits_rescore_to_their_reports(
    empty: Engine, catalog: Catalog
) -> None:
    migrate_to(empty, "0005")
    scoring = ScoringService(catalog)
    rows: dict[str, tuple[str, dict[str, Any]]] = {}
    with empty.begin() as connection:
        tables = sa.MetaData()
        tables.reflect(bind=connection)  # the tables as revision 0005 left them
        connection.execute(
            sa.insert(tables.tables["schools"]), [{"urn": "113328", "name": "S", "status": "open", **NOW}]
        )
        for name, data in (("full", example_audit("113328")), ("sparse", {**SPARSE, "school": {"urn": "113328"}})):
            audit = valid(data)
            audit_id = uuid.uuid4().hex
            connection.execute(
                sa.insert(tables.tables["audits"]),
                [
                    {
                        "id": audit_id,
                        "school_urn": "113328",
                        "audit_date": audit.audit_date,
                        "body": audit.nested(),
                        "submitted_by": "test",
                        "source": "test",
                        "created_at": NOW["created_at"],
                    }
                ],
            )
            standards = catalog.get("national@2026.1")
            stored = report_rows(scoring.score(audit, standards.ref), audit_id=audit_id, urn="113328")
            bands = [(band.id, band.label, band.min_score) for band in standards.bands]
            body = before_0006(stored.report.body, bands)
            report = {column.name: getattr(stored.report, column.name) for column in tables.tables["reports"].columns}
            connection.execute(sa.insert(tables.tables["reports"]), [{**report, "band": body["band"], "body": body}])
            rows[name] = (audit_id, body)
    assert rows["sparse"][1]["band"] == "enhanced"  # what the sparse audit got before the completeness rule
    upgrade(empty)
    with empty.connect() as connection:
        audits = {row.id: row for row in connection.execute(sa.text("SELECT * FROM audits"))}
        reports = {row.audit_id: row for row in connection.execute(sa.text("SELECT * FROM reports"))}
    sha256 = catalog.get("national@2026.1").questions_sha256
    after: dict[str, dict[str, Any]] = {}
    for name, (audit_id, _) in rows.items():
        stored_audit, stored_report = audits[audit_id], reports[audit_id]
        asked = (stored_audit.questions_set, stored_audit.questions_version, stored_audit.questions_sha256)
        assert asked == ("national", "2026.1", sha256)
        body = body_of(stored_report)
        valid_again = scoring.validate_stored(body_of(stored_audit), asked[0], asked[1])
        fresh = scoring.score_stored(valid_again, catalog.get("national@2026.1")).to_dict()
        assert body == json.loads(json.dumps(fresh)), name
        assert bool(stored_report.complete) is (name == "full")
        assert stored_report.band == body["band"]
        after[name] = body
    assert (after["sparse"]["band"], after["sparse"]["complete"]) == ("emerging", False)
    assert after["sparse"]["score"] == rows["sparse"][1]["score"]  # the score is kept
    assert "legal duties could not be checked" in after["sparse"]["incomplete_reasons"][0]
    assert (after["full"]["complete"], after["full"]["incomplete_reasons"]) == (True, [])
    assert {k: v for k, v in after["full"].items() if k not in ("complete", "incomplete_reasons")} == rows["full"][1]


def body_of(audit: Any) -> dict[str, Any]:
    body = audit.body
    return json.loads(body) if isinstance(body, str) else dict(body)


def test_0006_dates_before_september_2026_answer_national_2025_1(tmp_path: Any) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/oap.db")
    try:
        migrate_to(engine, "0005")
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO schools (urn, name, status, created_at, updated_at) "
                    "VALUES ('113328', 'S', 'open', :t, :t)"
                ),
                {"t": NOW["created_at"]},
            )
            for audit_id, day in (("a" * 32, dt.date(2026, 8, 31)), ("b" * 32, dt.date(2026, 9, 1))):
                connection.execute(
                    sa.text(
                        "INSERT INTO audits (id, school_urn, audit_date, body, submitted_by, source, created_at) "
                        "VALUES (:id, '113328', :day, '{}', 'test', 'test', :t)"
                    ),
                    {"id": audit_id, "day": day, "t": NOW["created_at"]},
                )
        upgrade(engine)
        with engine.connect() as connection:
            versions = {row.id: row.questions_version for row in connection.execute(sa.text("SELECT * FROM audits"))}
    finally:
        engine.dispose()
    assert versions == {"a" * 32: "2025.1", "b" * 32: "2026.1"}
