"""An incomplete audit's report, over the API and on the report page: the score kept, the lowest band, the reasons,
and the questions to answer by their labels."""

from __future__ import annotations

import datetime as dt
import html

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from api.rules.catalog import Catalog
from tests.conftest import make_key, minimal_audit
from tests.web.test_pages import sign_in

URN = "113328"


def test_a_sparse_submission_is_stored_incomplete_and_its_page_says_why(
    client: TestClient, engine: Engine, catalog: Catalog
) -> None:
    admin = {"Authorization": make_key(engine, "admin")}
    assert client.put(f"/v1/schools/{URN}", json={"name": "Parmiter's School"}, headers=admin).status_code == 201
    day = (dt.date.today() - dt.timedelta(days=2)).isoformat()
    sparse = minimal_audit(
        audit_date=day,
        school={"urn": URN},
        senco={"designated": True, "qualified_teacher": True},
        governance={"send_governor": True},
        published={"local_offer_link": True},
    )
    submitted = client.post(f"/v1/schools/{URN}/audits", json=sparse, headers=admin)
    assert submitted.status_code == 201, submitted.text
    report = submitted.json()["report"]
    assert (report["score"], report["band"], report["complete"]) == (100.0, "emerging", False)
    assert len(report["incomplete_reasons"]) == 2
    audit_id = submitted.json()["audit"]["id"]
    assert client.get(f"/v1/audits/{audit_id}/report", headers=admin).json() == report

    sign_in(client, make_key(engine, "admin").removeprefix("Bearer "))
    page = client.get(f"/audits/{audit_id}/report")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "This audit is incomplete, so its band is the lowest, Emerging, whatever its score." in text
    for reason in report["incomplete_reasons"]:
        assert reason in text
    labels = {
        q.id: q.label
        for q in catalog.get(report["standards"]["set"] + "@" + report["standards"]["version"]).questions.questions
    }
    assert f"The {len(report['missing_inputs'])} questions to answer" in text
    assert all(labels[path] in text for path in report["missing_inputs"])
