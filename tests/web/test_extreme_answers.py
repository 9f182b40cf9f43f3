"""A valid answer at the edge of a number's range (the smallest float, 5e-324 FTE) is stored and served like any
other, on each database: no infinite value reaches a stored report, and every page and export of it answers."""

from __future__ import annotations

import pytest
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


ARABIC_INDIC_URN = "١١٢٥١٥"  # six digits to str.isdigit() and to \d, but no URN


def test_a_urn_of_other_digits_is_refused_everywhere(client: TestClient, engine: Engine) -> None:
    """A URN is six ASCII digits on every way in: the audit body, the address, the school record."""
    from api.contract.kinds import is_urn
    from api.imports.columns import RowRejected, urn_of

    assert not is_urn(ARABIC_INDIC_URN)
    assert is_urn("112515")
    with pytest.raises(RowRejected):
        urn_of(ARABIC_INDIC_URN)
    admin = {"Authorization": make_key(engine, "admin")}
    audit = example_audit(URN)
    audit["school"]["urn"] = ARABIC_INDIC_URN
    scored = client.post("/v1/score", json=audit, headers=admin)
    assert scored.status_code == 422
    assert [error["field"] for error in scored.json()["errors"]] == ["school.urn"]
    put = client.put(f"/v1/schools/{ARABIC_INDIC_URN}", json={"name": "School"}, headers=admin)
    assert put.status_code == 422, put.text
    assert client.get(f"/v1/schools/{ARABIC_INDIC_URN}", headers=admin).status_code == 422
