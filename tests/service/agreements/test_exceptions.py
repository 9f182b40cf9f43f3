"""Agreed exceptions on each database: the adjusted score, expiry, withdrawal and who may record them. Adjusted
scores are checked against the formula computed here with exact fractions."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from api.storage.db import session_scope
from api.storage.tables import ExceptionRow, utcnow
from tests.builders import TODAY, Seeded, exception_body, key_id, seed
from tests.conftest import make_key

CREDIT = {"met": Fraction(1), "partially_met": Fraction(1, 2), "not_met": Fraction(0)}


def expected_score(report: dict[str, Any], left_out: set[str]) -> float | None:
    """100 × Σ(weight × credit) ÷ Σ(weight) over assessed rules not left out, rounded half up to one decimal."""
    counted = [r for r in report["results"] if r["status"] in CREDIT and r["rule"] not in left_out]
    weights = sum(r["weight"] for r in counted)
    if not weights:
        return None
    exact = 100 * sum(r["weight"] * CREDIT[r["status"]] for r in counted) / weights
    tenths = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return float(tenths)


def latest_with_shortfall(client: TestClient, seeded: Seeded) -> tuple[str, str, dict[str, Any], str]:
    """A T1 school, its latest audit id, that audit's report, and a rule it falls short of that is not statutory."""
    for urn in seeded.t1:
        row = next(
            r
            for r in client.get("/v1/trusts/T1/schools?limit=50", headers=seeded.trust).json()["items"]
            if r["urn"] == urn
        )
        if row["audit_id"] is None:
            continue
        report = client.get(f"/v1/audits/{row['audit_id']}/report", headers=seeded.admin).json()
        for result in report["results"]:
            if result["status"] == "not_met" and result["basis"] != "statutory":
                return urn, row["audit_id"], report, result["rule"]
    raise AssertionError("the seeded audits have no non-statutory rule not met")


def test_adjusted_score_leaves_out_an_excepted_rule(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    urn, audit_id, report, rule = latest_with_shortfall(client, seeded)
    created = client.post(f"/v1/schools/{urn}/exceptions", json=exception_body(rule), headers=seeded.trust)
    assert created.status_code == 201, created.text
    exception = created.json()
    assert exception["rule"] == rule
    assert exception["state"] == "active"
    assert exception["counted"] is True
    assert exception["recorded_by"] == key_id(seeded.trust)
    assert dt.datetime.fromisoformat(exception["recorded_at"]) <= utcnow()
    assert (exception["approver_name"], exception["risk"]) == ("Pat Chair", "medium")

    adjusted = client.get(f"/v1/audits/{audit_id}/adjusted-report", headers=seeded.trust)
    assert adjusted.status_code == 200, adjusted.text
    body = adjusted.json()
    assert body["raw_score"] == report["score"] == expected_score(report, set())
    assert body["adjusted_score"] == expected_score(report, {rule})
    assert body["adjusted_score"] > body["raw_score"], "a rule not met, left out, raises the score"
    assert body["excluded_rules"] == [rule]
    assert "counts neither for nor against" in body["note"]
    assert body["report"] == report
    assert [(e["id"], e["state"], e["in_report"]) for e in body["exceptions"]] == [(exception["id"], "active", True)]
    governor = {"Authorization": make_key(engine, "governor", school=urn)}
    assert client.get(f"/v1/audits/{audit_id}/adjusted-report", headers=governor).json() == body
    assert client.get(f"/v1/audits/{audit_id}/adjusted-report", headers=seeded.other_trust).status_code == 404
    table = client.get("/v1/trusts/T1/schools?limit=50", headers=seeded.trust).json()["items"]
    assert {row["urn"]: row["active_exceptions"] for row in table if row["active_exceptions"]} == {urn: 1}


def test_expired_exception_is_flagged_and_not_counted(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    urn, audit_id, report, rule = latest_with_shortfall(client, seeded)
    with session_scope(engine) as session:
        session.add(
            ExceptionRow(
                id="e" * 32,
                school_urn=urn,
                rule=rule,
                reason="Agreed last year",
                approver_name="Pat Chair",
                approver_role="Chair",
                risk="high",
                review_on=TODAY - dt.timedelta(days=200),
                expires_on=TODAY - dt.timedelta(days=1),
                recorded_by="somekey",
                created_at=utcnow() - dt.timedelta(days=365),
            )
        )
    body = client.get(f"/v1/audits/{audit_id}/adjusted-report", headers=seeded.trust).json()
    assert body["adjusted_score"] == body["raw_score"] == report["score"]
    assert body["excluded_rules"] == []
    (listed,) = body["exceptions"]
    assert (listed["state"], listed["expired"], listed["counted"]) == ("expired", True, False)
    listing = client.get(f"/v1/schools/{urn}/exceptions", headers=seeded.trust).json()
    assert [(e["id"], e["state"]) for e in listing] == [("e" * 32, "expired")]
    table = client.get("/v1/trusts/T1/schools?limit=50", headers=seeded.trust).json()["items"]
    assert all(row["active_exceptions"] == 0 for row in table)


def test_withdrawing_keeps_the_record(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    urn, audit_id, report, rule = latest_with_shortfall(client, seeded)
    school = {"Authorization": make_key(engine, "school", school=urn)}
    first = client.post(f"/v1/schools/{urn}/exceptions", json=exception_body(rule), headers=school).json()
    assert first["recorded_by"] == key_id(school)
    governor = {"Authorization": make_key(engine, "governor", school=urn)}
    refused = client.post(f"/v1/exceptions/{first['id']}/withdraw", headers=governor)
    assert refused.status_code == 403
    assert client.post(f"/v1/exceptions/{first['id']}/withdraw", headers=seeded.other_trust).status_code == 404
    assert first["withdrawn_by"] is None
    withdrawn = client.post(f"/v1/exceptions/{first['id']}/withdraw", headers=seeded.trust)
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["state"] == "withdrawn"
    assert withdrawn.json()["counted"] is False
    assert withdrawn.json()["withdrawn_at"] is not None
    assert withdrawn.json()["withdrawn_by"] == key_id(seeded.trust), "the key that withdrew it, not the recorder"
    assert withdrawn.json()["recorded_by"] == key_id(school)
    again = client.post(f"/v1/exceptions/{first['id']}/withdraw", headers=school)
    assert again.status_code == 409
    assert "already withdrawn" in again.json()["detail"]
    listing = client.get(f"/v1/schools/{urn}/exceptions", headers=governor).json()
    assert [(e["id"], e["state"], e["reason"], e["recorded_by"], e["withdrawn_by"]) for e in listing] == [
        (first["id"], "withdrawn", first["reason"], key_id(school), key_id(seeded.trust))
    ]
    body = client.get(f"/v1/audits/{audit_id}/adjusted-report", headers=school).json()
    assert body["adjusted_score"] == body["raw_score"] == report["score"]
    assert body["excluded_rules"] == []
    assert client.post(f"/v1/exceptions/{'0' * 32}/withdraw", headers=seeded.admin).status_code == 404


def test_who_may_record_an_exception(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    urn, _, _, rule = latest_with_shortfall(client, seeded)
    body = exception_body(rule)
    governor = client.post(
        f"/v1/schools/{urn}/exceptions", json=body, headers={"Authorization": make_key(engine, "governor", school=urn)}
    )
    assert governor.status_code == 403
    assert "governor" in governor.json()["detail"]
    other_school = {"Authorization": make_key(engine, "school", school=seeded.t1[5 if urn != seeded.t1[5] else 4])}
    assert client.post(f"/v1/schools/{urn}/exceptions", json=body, headers=other_school).status_code == 404
    assert client.post(f"/v1/schools/{urn}/exceptions", json=body, headers=seeded.other_trust).status_code == 404
    assert client.get(f"/v1/schools/{urn}/exceptions", headers=seeded.other_trust).status_code == 404
    assert client.post(f"/v1/schools/{urn}/exceptions", json=body, headers=seeded.admin).status_code == 201
    assert client.post(f"/v1/schools/{urn}/exceptions", json=body).status_code == 401


@pytest.mark.parametrize(
    ("changes", "status", "words"),
    [
        ({"rule": "senco.designated"}, 400, "statutory duty"),
        ({"rule": "senco.no-such-rule"}, 400, "there is no rule senco.no-such-rule"),
        ({"expires_on": (TODAY - dt.timedelta(days=1)).isoformat()}, 400, "has already passed"),
        ({"review_on": (TODAY + dt.timedelta(days=400)).isoformat()}, 400, "on or before the expiry"),
        ({"risk": "extreme"}, 422, "risk"),
        ({"reason": ""}, 422, "reason"),
        ({"colour": "red"}, 422, "colour"),
    ],
)
def test_exceptions_that_are_refused(
    client: TestClient, engine: Engine, changes: dict[str, Any], status: int, words: str
) -> None:
    admin = {"Authorization": make_key(engine, "admin")}
    assert client.put("/v1/trusts/T1", json={"name": "Trust one"}, headers=admin).status_code == 201
    assert (
        client.put("/v1/schools/113328", json={"name": "Yealmpstone", "trust_id": "T1"}, headers=admin).status_code
        == 201
    )
    response = client.post(
        "/v1/schools/113328/exceptions", json={**exception_body("environment.sensory-space"), **changes}, headers=admin
    )
    assert response.status_code == status, response.text
    assert words in response.json()["detail"]
    assert client.get("/v1/schools/113328/exceptions", headers=admin).json() == []
