"""The trust's trend over the API, on each database: each school's latest complete audit of each term, and the
averages."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.builders import AUTUMN, RECENT, SPRING, SUMMER, seed, submit_sparse
from tests.service.expected import audit_list


def term_of(day: str) -> str:
    """'autumn 2025/26' from a date: autumn Sep-Dec, spring Jan-Apr, summer May-Aug."""
    date = dt.date.fromisoformat(day)
    start = date.year if date.month >= 9 else date.year - 1
    season = "autumn" if date.month >= 9 else "spring" if date.month <= 4 else "summer"
    return f"{season} {start}/{str(start + 1)[2:]}"


def expected_terms(
    client: TestClient, headers: dict[str, str], urns: list[str]
) -> dict[str, dict[str, tuple[str, float | None]]]:
    """Each school's (audit date, score) per term, independently: its latest audit of the term (corrections
    replacing what they correct) whose submission report is not incomplete."""
    expected: dict[str, dict[str, tuple[str, float | None]]] = {}
    for urn in urns:
        items = audit_list(client, headers, urn)
        replaced = {item["replaces_id"] for item in items if item["replaces_id"]}
        latest_in_term: dict[str, tuple[str, float | None]] = {}
        for item in sorted(items, key=lambda i: (i["audit_date"], i["created_at"])):
            if item["id"] in replaced:
                continue
            report = client.get(f"/v1/audits/{item['id']}/report", headers=headers).json()
            if report["complete"]:
                latest_in_term[term_of(item["audit_date"])] = (item["audit_date"], report["score"])
        if latest_in_term:
            expected[urn] = latest_in_term
    return expected


def test_trend_by_school_and_term(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    response = client.get("/v1/trusts/T1/trend", headers=seeded.trust)
    assert response.status_code == 200, response.text
    trend = response.json()
    expected = expected_terms(client, seeded.admin, seeded.t1)
    got = {
        school["urn"]: {point["term"]: (point["audit_date"], point["score"]) for point in school["terms"]}
        for school in trend["schools"]
    }
    assert got == expected
    assert set(got[seeded.t1[0]]) == {term_of(d.isoformat()) for d in (AUTUMN, SPRING, SUMMER, RECENT)}
    by_term: dict[str, list[float]] = defaultdict(list)
    for terms in expected.values():
        for term, (_, score) in terms.items():
            if score is not None:
                by_term[term].append(score)
    averages = {row["term"]: row for row in trend["terms"]}
    assert set(averages) == set(by_term)
    for term, scores in by_term.items():
        assert averages[term]["schools"] == len(scores)
        assert averages[term]["average_score"] == pytest.approx(sum(scores) / len(scores), abs=0.051)
    order = [(row["academic_year"], ["autumn", "spring", "summer"].index(row["season"])) for row in trend["terms"]]
    assert order == sorted(order)


def test_an_incomplete_audit_never_replaces_a_terms_point(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    before = client.get("/v1/trusts/T1/trend", headers=seeded.trust).json()
    submit_sparse(client, seeded.admin, seeded.t1[0], RECENT + dt.timedelta(days=1))
    submit_sparse(client, seeded.admin, seeded.no_audit, RECENT + dt.timedelta(days=1))
    after = client.get("/v1/trusts/T1/trend", headers=seeded.trust).json()
    assert after == before, "the recent term keeps the complete audit; a school with only an incomplete one has none"
    got = {
        school["urn"]: {point["term"]: (point["audit_date"], point["score"]) for point in school["terms"]}
        for school in after["schools"]
    }
    assert got == expected_terms(client, seeded.admin, seeded.t1)
    assert seeded.no_audit not in got
