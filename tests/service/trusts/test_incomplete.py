"""Incomplete audits on the trust dashboards, on each database: a near-empty upload never takes a school's place.

A school is counted by its latest complete report in the summary, the schools table, the heat map, the exports and
the benchmark; a newer incomplete audit is only named in its row. A school whose audits are all incomplete counts
as having no complete audit. Figures are checked against the independent computation of tests/service/expected.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from api.rules.catalog import load_catalog
from api.service.access import Principal, Role
from api.service.trusts.overview import trust_overview
from api.web.templating import long_date
from tests.builders import RECENT, TODAY, Seeded, seed, seeded_schools, submit, submit_sparse
from tests.service.expected import (
    all_pages,
    check_summary,
    counted_audits,
    expected_summary,
    latest_reports,
    newer_incomplete_audits,
)
from tests.service.trusts.test_benchmark import percentile
from tests.service.trusts.test_table import SORTS
from tests.web.test_pages import sign_in

SPARSE_DAY = RECENT + dt.timedelta(days=1)
FLAGS = ("newer_incomplete_audit_id", "newer_incomplete_on")
STANDARDS = "national@2026.1"


def three_full_audits(client: TestClient, seeded: Seeded) -> str:
    """S5 of T1 (audited in autumn and summer) audited a third time, fully, two days before the near-empty upload;
    returns its URN."""
    urn = seeded.t1[5]
    assert len(seeded.audits[urn]) == 2
    school = next(school for school in seeded_schools() if school.urn == urn)
    submit(client, seeded.admin, school, RECENT - dt.timedelta(days=1), seed=500)
    return urn


def dashboards(client: TestClient, engine: Engine, seeded: Seeded) -> dict[str, Any]:
    """Everything a trust key sees of T1: summaries, the schools table in every sort, exports, the heat map."""

    def get(path: str, **params: str) -> Any:
        return client.get(path, params=params, headers=seeded.trust)

    principal = Principal(key_id="test", role=Role.trust, trust_id="T1")
    overview = trust_overview(engine=engine, catalog=load_catalog(), principal=principal, trust_id="T1", today=TODAY)
    return {
        "summary": get("/v1/trusts/T1/summary").json(),
        "summary_2026": get("/v1/trusts/T1/summary", standards=STANDARDS).json(),
        "tables": {sort: all_pages(client, seeded.trust, sort, limit=4) for sort in SORTS},
        "schools_csv": list(csv.DictReader(io.StringIO(get("/v1/trusts/T1/exports/schools").text))),
        "findings": [
            json.loads(line) for line in get("/v1/trusts/T1/exports/findings", format="ndjson").text.splitlines()
        ],
        "overview": overview.model_dump(),
    }


def without_flags(row: dict[str, Any]) -> dict[str, Any]:
    """A row with the newer-incomplete fields left out."""
    return {key: value for key, value in row.items() if key not in FLAGS}


def test_a_near_empty_upload_keeps_a_schools_band_score_and_place(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    urn = three_full_audits(client, seeded)
    before = dashboards(client, engine, seeded)
    counted_before = next(row for row in before["tables"]["name"] if row["urn"] == urn)
    assert counted_before["audit_date"] == (RECENT - dt.timedelta(days=1)).isoformat()
    assert all(row[flag] is None for row in before["tables"]["name"] for flag in FLAGS)

    sparse = submit_sparse(client, seeded.admin, urn, SPARSE_DAY)
    after = dashboards(client, engine, seeded)

    # The summary: the same figures; the school is counted by its earlier complete audit, as the note says.
    for key in ("summary", "summary_2026"):
        assert {k: v for k, v in after[key].items() if k not in ("schools", "note")} == {
            k: v for k, v in before[key].items() if k not in ("schools", "note")
        }, key
        assert after[key]["schools"] == {**before[key]["schools"], "newer_incomplete": 1}, key
        assert after[key]["note"].endswith(
            "1 school's newest audit is incomplete, so its latest complete audit is counted."
        )
    assert after["summary"]["note"] == (
        "1 school has no audit yet; they are left out of the figures below. "
        "1 school's newest audit is incomplete, so its latest complete audit is counted."
    )
    reports = latest_reports(client, engine, seeded.admin, seeded.t1)
    assert reports[urn][0]["id"] != sparse
    check_summary(after["summary"], expected_summary(reports), total=6, reported=5)
    versioned = latest_reports(client, engine, seeded.admin, seeded.t1, standards=STANDARDS)
    reported = sum(report is not None for _, report in versioned.values())
    check_summary(after["summary_2026"], expected_summary(versioned), total=6, reported=reported)

    # The schools table, in every sort: the same rows in the same order, the school's row naming the newer audit.
    flagged = {"newer_incomplete_audit_id": sparse, "newer_incomplete_on": SPARSE_DAY.isoformat()}
    newer = newer_incomplete_audits(client, engine, seeded.admin, seeded.t1)
    assert {school: audit["id"] for school, audit in newer.items()} == {urn: sparse}
    for sort, rows in after["tables"].items():
        assert [without_flags(row) for row in rows] == [without_flags(row) for row in before["tables"][sort]], sort
        for row in rows:
            assert {flag: row[flag] for flag in FLAGS} == (flagged if row["urn"] == urn else dict.fromkeys(FLAGS)), sort
    row = next(row for row in after["tables"]["name"] if row["urn"] == urn)
    counted = reports[urn][1]
    assert counted is not None
    assert counted["complete"] is True
    assert (row["audit_id"], row["score"], row["band"]) == (reports[urn][0]["id"], counted["score"], counted["band"])

    # The exports: the schools table with the two new columns; the findings unchanged.
    assert [without_flags(row) for row in after["schools_csv"]] == [without_flags(row) for row in before["schools_csv"]]
    exported = next(row for row in after["schools_csv"] if row["urn"] == urn)
    assert {flag: exported[flag] for flag in FLAGS} == flagged
    assert after["findings"] == before["findings"]
    assert sparse not in {row["audit_id"] for row in after["findings"]}

    # The heat map: the same bands and scores, and the flag.
    schools_of = [[without_flags(school) for school in view["overview"]["schools"]] for view in (before, after)]
    assert schools_of[1] == schools_of[0]
    mapped = next(school for school in after["overview"]["schools"] if school["urn"] == urn)
    assert {flag: mapped[flag] for flag in FLAGS} == flagged

    # The benchmark compares the complete score, recomputed from the counted reports.
    benchmark = client.get(f"/v1/schools/{urn}/benchmark", headers=seeded.admin).json()
    assert (benchmark["audit_id"], benchmark["newer_incomplete_on"]) == (row["audit_id"], SPARSE_DAY.isoformat())
    trust_scores = [report["score"] for _, report in versioned.values() if report is not None]
    assert benchmark["score"] == counted["score"]
    trust_group = next(group for group in benchmark["groups"] if group["group"] == "trust")
    assert trust_group["schools"] == len(trust_scores)
    assert trust_group["percentile"] == percentile(benchmark["score"], trust_scores)


def test_a_school_whose_only_audit_is_incomplete_has_no_complete_audit(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    urn = seeded.no_audit
    sparse = submit_sparse(client, seeded.admin, urn, SPARSE_DAY)
    assert counted_audits(client, engine, seeded.admin, urn)[0] is None

    summary = client.get("/v1/trusts/T1/summary", headers=seeded.trust).json()
    assert summary["schools"] == {
        "total": 6,
        "with_report": 5,
        "without_report": 1,
        "without_audit": 0,
        "without_complete_audit": 1,
        "newer_incomplete": 0,
    }
    assert summary["note"] == (
        "1 school has no complete audit yet (its audits are incomplete); they are left out of the figures below."
    )
    check_summary(summary, expected_summary(latest_reports(client, engine, seeded.admin, seeded.t1)), 6, 5)

    rows = all_pages(client, seeded.trust, "-score", limit=4)
    assert rows[-1]["urn"] == urn, "a school with no complete audit has no score: it comes last"
    row = rows[-1]
    assert (row["audit_id"], row["audit_date"], row["report_id"], row["score"], row["band"]) == (None,) * 5
    assert row["stale"] is True
    assert (row["newer_incomplete_audit_id"], row["newer_incomplete_on"]) == (sparse, SPARSE_DAY.isoformat())
    export = client.get("/v1/trusts/T1/exports/schools", headers=seeded.trust).text
    exported = next(line for line in csv.DictReader(io.StringIO(export)) if line["urn"] == urn)
    assert (exported["audit_id"], exported["score"], exported["newer_incomplete_audit_id"]) == ("", "", sparse)
    findings = client.get("/v1/trusts/T1/exports/findings?format=ndjson", headers=seeded.trust).text.splitlines()
    assert urn not in {json.loads(line)["urn"] for line in findings}

    missing = client.get(f"/v1/schools/{urn}/benchmark", headers=seeded.admin)
    assert missing.status_code == 404
    assert (
        f"has no complete audit yet (its audit of {SPARSE_DAY.isoformat()} is incomplete)" in missing.json()["detail"]
    )


def test_the_trust_page_notes_a_newer_incomplete_audit(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    urn = three_full_audits(client, seeded)
    submit_sparse(client, seeded.admin, urn, SPARSE_DAY)
    submit_sparse(client, seeded.admin, seeded.no_audit, SPARSE_DAY)
    browser = TestClient(client.app, raise_server_exceptions=False)
    sign_in(browser, seeded.trust["Authorization"].removeprefix("Bearer "))
    page = browser.get("/trusts/T1")
    assert page.status_code == 200
    day = long_date(SPARSE_DAY)
    assert page.text.count(f"A newer audit of {day} is incomplete and is not counted.") == 1
    assert page.text.count(f"Its audit of {day} is incomplete and is not counted.") == 1
    assert "No complete audit" in page.text
    lines = list(csv.DictReader(io.StringIO(browser.get("/trusts/T1/overview.csv").text)))
    dated = {line["urn"]: line["newer_incomplete_on"] for line in lines}
    assert dated == {u: SPARSE_DAY.isoformat() if u in (urn, seeded.no_audit) else "" for u in seeded.t1}
    counted = next(line for line in lines if line["urn"] == urn)
    assert counted["band"]
    assert counted["audit_date"] == (RECENT - dt.timedelta(days=1)).isoformat()
