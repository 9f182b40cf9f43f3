"""A first end-to-end pass over the API on each database (the full matrix is in test_access.py)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.conftest import example_audit, make_key


def test_submit_then_read_back(client: TestClient, engine: Engine) -> None:
    admin = {"Authorization": make_key(engine, "admin")}
    assert client.put("/v1/trusts/T1", json={"name": "Trust one"}, headers=admin).status_code == 201
    assert (
        client.put("/v1/schools/113328", json={"name": "Yealmpstone", "trust_id": "T1"}, headers=admin).status_code
        == 201
    )
    created = client.post("/v1/schools/113328/audits", json=example_audit(), headers=admin)
    assert created.status_code == 201, created.text
    audit_id = created.json()["audit"]["id"]
    assert client.get(f"/v1/audits/{audit_id}/report", headers=admin).json() == created.json()["report"]
    assert client.get("/v1/schools/113328/audits", headers=admin).json()["items"][0]["id"] == audit_id
