"""Governors' sign-offs on each database: who may sign off, and what the trust sees of them."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.builders import key_id, seed
from tests.conftest import make_key


def test_a_governor_signs_off_and_the_trust_sees_it(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    urn = seeded.t1[0]
    latest_id = seeded.audits[urn][-1]
    governor = {"Authorization": make_key(engine, "governor", school=urn)}
    before = client.get("/v1/trusts/T1/schools?limit=50", headers=seeded.trust).json()["items"]
    assert not any(row["signed_off"] for row in before)
    response = client.post(
        f"/v1/audits/{latest_id}/sign-off",
        json={"reviewer_name": "Sam Governor", "note": "Reviewed at the December board."},
        headers=governor,
    )
    assert response.status_code == 201, response.text
    signed = response.json()
    report = client.get(f"/v1/audits/{latest_id}/report", headers=governor).json()
    assert (signed["audit_id"], signed["reviewer_name"], signed["signed_by"]) == (
        latest_id,
        "Sam Governor",
        key_id(governor),
    )
    assert signed["standards"] == f"{report['standards']['set']}@{report['standards']['version']}"
    assert signed["note"] == "Reviewed at the December board."
    rows = {
        row["urn"]: row for row in client.get("/v1/trusts/T1/schools?limit=50", headers=seeded.trust).json()["items"]
    }
    assert rows[urn]["signed_off"] is True
    assert rows[urn]["signed_off_by"] == "Sam Governor"
    assert rows[urn]["signed_off_at"] == signed["signed_at"]
    assert [urn_ for urn_, row in rows.items() if row["signed_off"]] == [urn]
    listed = client.get(f"/v1/audits/{latest_id}/sign-offs", headers=seeded.trust).json()
    assert listed == [signed]


def test_sign_off_of_an_older_audit_does_not_mark_the_latest(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    urn = seeded.t1[0]
    governor = {"Authorization": make_key(engine, "governor", school=urn)}
    older = seeded.audits[urn][0]
    assert client.post(f"/v1/audits/{older}/sign-off", json={"reviewer_name": "G"}, headers=governor).status_code == 201
    rows = {
        row["urn"]: row for row in client.get("/v1/trusts/T1/schools?limit=50", headers=seeded.trust).json()["items"]
    }
    assert rows[urn]["signed_off"] is False


def test_who_may_sign_off(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    urn = seeded.t1[0]
    audit_id = seeded.audits[urn][-1]
    body = {"reviewer_name": "Someone"}
    for headers in (seeded.trust, {"Authorization": make_key(engine, "school", school=urn)}):
        refused = client.post(f"/v1/audits/{audit_id}/sign-off", json=body, headers=headers)
        assert refused.status_code == 403
        assert "only a governor key" in refused.json()["detail"]
    other_governor = {"Authorization": make_key(engine, "governor", school=seeded.t1[1])}
    assert client.post(f"/v1/audits/{audit_id}/sign-off", json=body, headers=other_governor).status_code == 404
    assert client.post(f"/v1/audits/{audit_id}/sign-off", json=body, headers=seeded.other_trust).status_code == 404
    governor = {"Authorization": make_key(engine, "governor", school=urn)}
    missing = client.post(
        f"/v1/audits/{audit_id}/sign-off", params={"standards": "national@2025.1"}, json=body, headers=governor
    )
    assert missing.status_code == 404
    assert "no stored report against national@2025.1" in missing.json()["detail"]
    assert client.post(f"/v1/audits/{audit_id}/sign-off", json={}, headers=governor).status_code == 422
    assert client.post(f"/v1/audits/{audit_id}/sign-off", json=body, headers=seeded.admin).status_code == 201
    assert len(client.get(f"/v1/audits/{audit_id}/sign-offs", headers=governor).json()) == 1
