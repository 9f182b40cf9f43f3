"""The trust summary over the API, on each database: bands, domain averages and shortfalls by rule, checked
against an independent computation from the stored audits and reports, never against the aggregation queries."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.builders import RECENT, seed
from tests.service.expected import check_summary, expected_summary, latest_reports


def test_summary_matches_an_independent_computation(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    response = client.get("/v1/trusts/T1/summary", headers=seeded.trust)
    assert response.status_code == 200, response.text
    summary = response.json()
    reports = latest_reports(client, engine, seeded.admin, seeded.t1)
    assert len(reports) == 5  # every T1 school but the one never audited
    check_summary(summary, expected_summary(reports), total=6, reported=5)
    assert summary["trust"] == {"id": "T1", "name": "Trust one"}
    assert summary["standards"] is None
    assert summary["schools"]["without_audit"] == 1
    assert summary["note"] == "1 school has no audit yet; they are left out of the figures below."
    versions = Counter(f"{r['standards']['set']}@{r['standards']['version']}" for _, r in reports.values() if r)
    assert {row["standards"]: row["schools"] for row in summary["standards_used"]} == dict(versions)
    assert set(versions) == {"national@2025.1", "national@2026.1"}


def test_latest_report_follows_corrections_and_the_time_stored(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    rows = {
        row["urn"]: row for row in client.get("/v1/trusts/T1/schools?limit=50", headers=seeded.trust).json()["items"]
    }
    s1, s4 = seeded.t1[1], seeded.t1[4]
    assert rows[s1]["audit_id"] == seeded.audits[s1][-1], "the correction replaces the later-dated audit it corrects"
    assert rows[s1]["audit_date"] == (RECENT - dt.timedelta(days=1)).isoformat()
    assert rows[s4]["audit_id"] == seeded.audits[s4][-1], "of two audits on the same day, the one stored later"
    assert rows[seeded.t1[0]]["audit_date"] == RECENT.isoformat()


def test_summary_filters_by_phase_and_local_authority(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    secondary = seeded.t1[4:6]
    response = client.get("/v1/trusts/T1/summary", params={"phase": "secondary"}, headers=seeded.trust)
    assert response.status_code == 200
    check_summary(
        response.json(), expected_summary(latest_reports(client, engine, seeded.admin, secondary)), total=2, reported=2
    )
    assert response.json()["filters"] == {"phase": "secondary", "local_authority": None}
    devon = seeded.t1[:3]
    response = client.get("/v1/trusts/T1/summary", params={"local_authority": "Devon"}, headers=seeded.trust)
    check_summary(
        response.json(), expected_summary(latest_reports(client, engine, seeded.admin, devon)), total=3, reported=3
    )
    both = client.get(
        "/v1/trusts/T1/summary", params={"local_authority": "Somerset", "phase": "primary"}, headers=seeded.trust
    ).json()
    assert both["schools"] == {
        "total": 1,
        "with_report": 0,
        "without_report": 1,
        "without_audit": 1,
        "without_complete_audit": 0,
        "newer_incomplete": 0,
    }
    assert all(row["schools"] == 0 for row in both["bands"])
    assert both["rules"] == []
    assert client.get("/v1/trusts/T1/summary?phase=castle", headers=seeded.trust).status_code == 422


def test_summary_against_a_version_counts_schools_without_a_report(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    response = client.get("/v1/trusts/T1/summary", params={"standards": "national@2026.1"}, headers=seeded.trust)
    assert response.status_code == 200
    summary = response.json()
    reports = latest_reports(client, engine, seeded.admin, seeded.t1, standards="national@2026.1")
    lacking = sorted(urn for urn, (_, report) in reports.items() if report is None)
    assert lacking == sorted([seeded.t1[2], seeded.t1[5]]), "the schools last audited before 2026.1 took effect"
    check_summary(summary, expected_summary(reports), total=6, reported=3)
    assert summary["standards"] == "national@2026.1"
    assert summary["standards_used"] == [{"standards": "national@2026.1", "schools": 3}]
    assert "2 schools have no report against national@2026.1 yet" in summary["note"]
    assert "oap rescore --standards national@2026.1 --trust T1" in summary["note"]
    unknown = client.get("/v1/trusts/T1/summary", params={"standards": "national@2030.1"}, headers=seeded.trust)
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "standards_not_found"
