"""A valid answer at the edge of a number's range (the smallest float, 5e-324 FTE) is stored and served like any
other, on each database: no infinite value reaches a stored report, and every page and export of it answers."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.conftest import example_audit, make_key

URN = "113328"


def test_the_smallest_fte_is_stored_and_its_report_is_served(client: TestClient, engine: Engine) -> None:
    admin = {"Authorization": make_key(engine, "admin")}
    assert client.put(f"/v1/schools/{URN}", json={"name": "School"}, headers=admin).status_code == 201
    audit = example_audit(URN)
    audit["senco"]["protected_fte"] = 5e-324
    submitted = client.post(f"/v1/schools/{URN}/audits", json=audit, headers=admin)
    assert submitted.status_code == 201, submitted.text
    audit_id = submitted.json()["audit"]["id"]
    report = client.get(f"/v1/audits/{audit_id}/report", headers=admin)
    assert report.status_code == 200
    senco_time = next(r for r in report.json()["results"] if r["rule"] == "senco.time")
    assert (senco_time["status"], senco_time["measured"]["value"]) == ("not_met", None)
    assert client.get(f"/v1/schools/{URN}", headers=admin).status_code == 200
    assert client.get(f"/v1/audits/{audit_id}", headers=admin).status_code == 200
