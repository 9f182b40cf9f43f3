"""School benchmarks over the API, on each database: percentiles of the trust and the phase, and small groups."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from api.service.demo import load_real_schools
from tests.builders import RECENT, seed, submit
from tests.conftest import make_key
from tests.service.expected import latest_reports


def percentile(score: float, scores: list[float]) -> int:
    """Share of the other schools scoring lower, ties counting half (independent of the service)."""
    others = list(scores)
    others.remove(score)
    below = sum(other < score for other in others)
    equal = sum(other == score for other in others)
    value = Decimal(100 * (below + 0.5 * equal) / len(others))
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_benchmark_percentiles_and_the_minimum_group(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    urn = seeded.t2[0]
    scores = {
        u: report["score"]
        for u, (_, report) in latest_reports(client, engine, seeded.admin, seeded.t1 + seeded.t2).items()
        if report is not None and report["standards"]["version"] == "2026.1"
    }
    primary = [u for u in scores if u in seeded.t1[:4] + seeded.t2]
    assert len(primary) == 4, "S0, S1 and the two T2 schools have a national@2026.1 latest report"
    response = client.get(f"/v1/schools/{urn}/benchmark", headers=seeded.other_trust)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["standards"] == "national@2026.1"
    assert body["score"] == scores[urn]
    groups = {group["group"]: group for group in body["groups"]}
    trust = groups["trust"]
    assert trust["available"] is True, "the caller's own trust is shown whatever its size"
    assert trust["schools"] == 2
    assert trust["percentile"] == percentile(scores[urn], [scores[u] for u in seeded.t2])
    phase = groups["phase"]
    assert phase["available"] is False
    assert phase["message"].startswith("not enough schools to compare")
    assert phase["schools"] is None
    assert phase["percentile"] is None
    assert phase["average_score"] is None

    as_admin = {
        g["group"]: g for g in client.get(f"/v1/schools/{urn}/benchmark", headers=seeded.admin).json()["groups"]
    }
    assert as_admin["phase"]["available"] is True
    assert as_admin["phase"]["schools"] == 4
    assert as_admin["phase"]["percentile"] == percentile(scores[urn], [scores[u] for u in primary])

    newcomer = next(
        s for s in load_real_schools() if s.urn and s.phase == "primary" and s.urn not in seeded.t1 + seeded.t2
    )
    fields = {"name": newcomer.name, "phase": "primary"}
    new_urn = str(newcomer.urn)
    assert client.put(f"/v1/schools/{new_urn}", json=fields, headers=seeded.admin).status_code == 201
    submit(client, seeded.admin, newcomer, RECENT, seed=700)
    newcomer_report = latest_reports(client, engine, seeded.admin, [new_urn])[new_urn][1]
    assert newcomer_report is not None
    scores[new_urn] = newcomer_report["score"]
    body = client.get(f"/v1/schools/{urn}/benchmark", headers=seeded.other_trust).json()
    phase = {group["group"]: group for group in body["groups"]}["phase"]
    assert phase["available"] is True, "five schools are enough"
    assert phase["schools"] == 5
    assert phase["percentile"] == percentile(scores[urn], [scores[u] for u in [*primary, new_urn]])
    expected_average = sum(scores[u] for u in [*primary, new_urn]) / 5
    assert phase["average_score"] == pytest.approx(expected_average, abs=0.051)


def test_benchmark_for_school_keys_and_schools_without_audits(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    urn = seeded.t1[0]
    governor = {"Authorization": make_key(engine, "governor", school=urn)}
    body = client.get(f"/v1/schools/{urn}/benchmark", headers=governor).json()
    groups = {group["group"]: group for group in body["groups"]}
    assert groups["trust"]["available"] is True
    assert groups["phase"]["available"] is False, "four primary schools, two of them outside the school's trust"
    assert client.get(f"/v1/schools/{seeded.t1[1]}/benchmark", headers=governor).status_code == 404
    missing = client.get(f"/v1/schools/{seeded.no_audit}/benchmark", headers=seeded.admin)
    assert missing.status_code == 404
    assert "no audit" in missing.json()["detail"]
