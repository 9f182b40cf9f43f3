"""Rescoring on each database: ``oap rescore`` makes new reports without overwriting any, does nothing the
second time, resumes after an interruption, keeps to ``--trust``, and skips audits that no longer validate."""

from __future__ import annotations

import datetime as dt
import json
import os
import pty
import select
import sys
from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from api.cli.main import main
from api.contract.validation import validate_audit
from api.engine.scoring import Scorer
from api.rules.catalog import Catalog
from api.service.lifecycle.rescore import rescore_audits
from api.service.scoring import ScoringService
from tests.builders import seed
from tests.conftest import national_questions
from tests.service.expected import check_summary, expected_summary, latest_reports

OLD, NEW = "national@2025.1", "national@2026.1"


def report_rows(engine: Engine) -> dict[str, tuple[Any, ...]]:
    """Every stored report row by id: (audit, set, version, score, band, body as JSON text, created_at)."""
    query = sa.text(
        "SELECT r.id, r.audit_id, r.standards_set, r.standards_version, r.score, r.band, r.body, r.created_at, "
        "s.trust_id FROM reports r JOIN schools s ON s.urn = r.school_urn"
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return {
        row[0]: (
            *row[1:6],
            json.dumps(row[6] if isinstance(row[6], dict) else json.loads(row[6]), sort_keys=True),
            *row[7:],
        )
        for row in rows
    }


def audits_by_trust(engine: Engine) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """Every stored audit (id, body) by trust."""
    query = sa.text("SELECT a.id, a.body, s.trust_id FROM audits a JOIN schools s ON s.urn = a.school_urn")
    found: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    with engine.connect() as connection:
        for audit_id, body, trust_id in connection.execute(query):
            found.setdefault(trust_id, []).append((audit_id, body if isinstance(body, dict) else json.loads(body)))
    return found


def versions_of(rows: dict[str, tuple[Any, ...]], trust_id: str, ref: str) -> int:
    """How many stored reports of a trust's audits are against ``ref``."""
    name, version = ref.split("@")
    return sum(1 for row in rows.values() if row[1:3] == (name, version) and row[-1] == trust_id)


def test_rescore_makes_new_reports_and_never_overwrites(client: TestClient, engine: Engine, catalog: Catalog) -> None:
    seed(client, engine)
    before = report_rows(engine)
    audits = audits_by_trust(engine)
    calls: list[tuple[int, int]] = []
    result = rescore_audits(
        engine=engine,
        scoring=ScoringService(catalog),
        standards=OLD,
        trust_id="T1",
        batch_size=2,
        progress=lambda done, todo: calls.append((done, todo)),
    )
    after = report_rows(engine)
    assert {key: after[key] for key in before} == before, "no stored report changed"
    new = {key: row for key, row in after.items() if key not in before}
    lacking = len(audits["T1"]) - versions_of(before, "T1", OLD)
    assert lacking > 0
    assert (result.audits, result.already, result.scored, result.failed) == (
        len(audits["T1"]),
        len(audits["T1"]) - lacking,
        lacking,
        0,
    )
    assert len(new) == lacking
    assert all(row[1:3] == ("national", "2025.1") and row[-1] == "T1" for row in new.values())
    assert versions_of(after, "T1", OLD) == len(audits["T1"])
    assert versions_of(after, "T2", OLD) == 0, "--trust keeps to its trust"
    assert calls[0] == (0, lacking)
    assert calls[-1] == (lacking, lacking)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert len(calls) >= lacking // 2, "progress after every batch"

    scorer = Scorer(catalog.get(OLD))
    bodies = dict(audits["T1"])
    for row in new.values():
        fresh = scorer.score(validate_audit(bodies[row[0]], questions=national_questions())).to_dict()
        assert json.loads(row[5]) == fresh
        assert (row[3], row[4]) == (fresh["score"], fresh["band"])
    with engine.connect() as connection:
        findings = Counter(
            connection.execute(
                sa.text(
                    "SELECT report_id FROM findings "
                    "WHERE report_id IN (SELECT id FROM reports WHERE standards_version = '2025.1')"
                )
            ).scalars()
        )
    assert all(findings[key] == len(catalog.get(OLD).rules) for key in new)

    again = rescore_audits(engine=engine, scoring=ScoringService(catalog), standards=OLD, trust_id="T1")
    assert (again.scored, again.already) == (0, len(audits["T1"]))
    assert report_rows(engine) == after, "the second run does nothing"

    everything = rescore_audits(engine=engine, scoring=ScoringService(catalog), standards=OLD)
    assert everything.scored == len(audits["T2"])
    assert versions_of(report_rows(engine), "T2", OLD) == len(audits["T2"])


class Interrupted(Exception):
    """Stands for a run stopped part-way (Ctrl-C, a lost connection)."""


def test_rescore_resumes_after_an_interruption(client: TestClient, engine: Engine, catalog: Catalog) -> None:
    seed(client, engine)
    audits = sum(len(items) for items in audits_by_trust(engine).values())

    def stop_after_first_batch(done: int, todo: int) -> None:
        if done > 0:
            raise Interrupted

    with pytest.raises(Interrupted):
        rescore_audits(
            engine=engine, scoring=ScoringService(catalog), standards=OLD, batch_size=3, progress=stop_after_first_batch
        )
    part = versions_of(report_rows(engine), "T1", OLD) + versions_of(report_rows(engine), "T2", OLD)
    resumed = rescore_audits(engine=engine, scoring=ScoringService(catalog), standards=OLD)
    rows = report_rows(engine)
    done = versions_of(rows, "T1", OLD) + versions_of(rows, "T2", OLD)
    assert done == audits
    assert resumed.scored == audits - part
    assert resumed.already == part
    assert Counter((row[0], row[2]) for row in rows.values()).most_common(1)[0][1] == 1, "one report per version"


def test_oap_rescore_command(
    client: TestClient,
    engine: Engine,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seed(client, engine)
    monkeypatch.setenv("OAP_DATABASE_URL", database_url)
    monkeypatch.delenv("OAP_STANDARDS_DIR", raising=False)
    t1 = len(audits_by_trust(engine)["T1"])
    lacking = t1 - versions_of(report_rows(engine), "T1", OLD)
    assert main(["rescore", "--standards", OLD, "--trust", "T1"]) == 0
    out = capsys.readouterr().out
    assert f"{OLD} (trust T1): scored {lacking} audits" in out
    assert f"{t1 - lacking} of {t1} already had a report" in out
    assert main(["rescore", "--standards", OLD, "--trust", "T1"]) == 0
    assert "scored 0 audits" in capsys.readouterr().out
    assert main(["rescore", "--standards", OLD, "--trust", "T9"]) == 1
    assert "there is no trust T9" in capsys.readouterr().err
    assert main(["rescore", "--standards", "national@2030.1", "--all"]) == 1
    assert "there is no standards version national@2030.1" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        main(["rescore", "--standards", OLD])
    assert stop.value.code == 2
    assert "--trust" in capsys.readouterr().err


def test_summary_against_a_version_after_rescoring(client: TestClient, engine: Engine, catalog: Catalog) -> None:
    seeded = seed(client, engine)
    before = client.get("/v1/trusts/T1/summary", params={"standards": NEW}, headers=seeded.trust).json()
    assert before["schools"]["without_report"] == 3, "the school never audited and two last audited under 2025.1"
    rescore_audits(engine=engine, scoring=ScoringService(catalog), standards=NEW, trust_id="T1")
    after = client.get("/v1/trusts/T1/summary", params={"standards": NEW}, headers=seeded.trust).json()
    reports = latest_reports(client, engine, seeded.admin, seeded.t1, standards=NEW)
    assert all(report is not None for _, report in reports.values())
    check_summary(after, expected_summary(reports), total=6, reported=5)
    assert after["note"] == "1 school has no audit yet; they are left out of the figures below."


def test_an_audit_that_no_longer_validates_is_reported_and_skipped(
    client: TestClient, engine: Engine, catalog: Catalog
) -> None:
    seeded = seed(client, engine)
    urn = seeded.t2[0]
    with engine.begin() as connection:
        connection.execute(
            sa.insert(
                sa.table(
                    "audits",
                    sa.column("id"),
                    sa.column("school_urn"),
                    sa.column("audit_date"),
                    sa.column("body", sa.JSON),
                    sa.column("submitted_by"),
                    sa.column("source"),
                    sa.column("questions_set"),
                    sa.column("questions_version"),
                    sa.column("questions_sha256"),
                    sa.column("created_at", sa.DateTime(timezone=True)),
                )
            ),
            {
                "id": "b" * 32,
                "school_urn": urn,
                "audit_date": dt.date(2026, 10, 1),
                "body": {"audit_date": "2026-10-01", "school": {"urn": urn}, "pupils": {"on_roll": -3}},
                "submitted_by": "legacy",
                "source": "import",
                "questions_set": "national",
                "questions_version": "2026.1",
                "questions_sha256": catalog.get("national@2026.1").questions_sha256,
                "created_at": dt.datetime(2026, 10, 1, tzinfo=dt.UTC),
            },
        )
    result = rescore_audits(engine=engine, scoring=ScoringService(catalog), standards=OLD, trust_id="T2")
    assert (result.failed, result.scored) == (1, len(audits_by_trust(engine)["T2"]) - 1)
    assert result.failures[0][0] == "b" * 32
    assert "pupils.on_roll" in result.failures[0][1]


def test_oap_rescore_draws_progress_on_a_terminal(
    client: TestClient, engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(client, engine)
    monkeypatch.setenv("OAP_DATABASE_URL", database_url)
    monkeypatch.delenv("OAP_STANDARDS_DIR", raising=False)
    leader, follower = pty.openpty()
    terminal = os.fdopen(follower, "w", encoding="utf-8")
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["rescore", "--standards", OLD, "--trust", "T1"]) == 0
    terminal.flush()
    drawn = b""
    while select.select([leader], [], [], 0.2)[0]:
        drawn += os.read(leader, 65536)
    terminal.close()
    os.close(leader)
    text = drawn.decode()
    assert "[" + "#" * 30 + "] 100.0%" in text
    assert "audits" in text
