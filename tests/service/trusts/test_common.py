"""What every trust view shares, on each database: ETags (304 until something changes) and who may see a trust."""

from __future__ import annotations

import datetime as dt
import json

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.builders import RECENT, TODAY, seed, seeded_schools, submit
from tests.conftest import make_key

ETAG_PATHS = (
    "/v1/trusts/T1/summary",
    "/v1/trusts/T1/schools",
    "/v1/trusts/T1/trend",
    "/v1/trusts/T1/exports/schools",
    "/v1/trusts/T1/exports/findings?format=ndjson",
    "/v1/trusts/T1/impact?from=national@2025.1&to=national@2026.1",
)


def test_etag_answers_304_until_something_changes(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    for number, path in enumerate(ETAG_PATHS):
        first = client.get(path, headers=seeded.trust)
        assert first.status_code == 200, path
        etag = first.headers["etag"]
        assert etag.startswith('W/"')
        again = client.get(path, headers={**seeded.trust, "If-None-Match": etag})
        assert again.status_code == 304, path
        assert again.content == b""
        assert again.headers["etag"] == etag
        listed = client.get(path, headers={**seeded.trust, "If-None-Match": f'"other", {etag}'})
        assert listed.status_code == 304, path
        outsider = client.get(path, headers={**seeded.other_trust, "If-None-Match": etag})
        assert outsider.status_code == 404, "a 304 must not tell another trust that this one exists"
        submit(client, seeded.admin, seeded_schools()[0], RECENT, seed=500 + number)
        changed = client.get(path, headers={**seeded.trust, "If-None-Match": etag})
        assert changed.status_code == 200, path
        assert changed.headers["etag"] != etag


def test_etag_depends_on_the_query_and_on_sign_offs_and_exceptions(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    plain = client.get("/v1/trusts/T1/summary", headers=seeded.trust).headers["etag"]
    filtered = client.get("/v1/trusts/T1/summary?phase=primary", headers=seeded.trust).headers["etag"]
    assert plain != filtered
    table = client.get("/v1/trusts/T1/schools", headers=seeded.trust).headers["etag"]
    urn = seeded.t1[0]
    audit_id = seeded.audits[urn][-1]
    governor = {"Authorization": make_key(engine, "governor", school=urn)}
    assert (
        client.post(f"/v1/audits/{audit_id}/sign-off", json={"reviewer_name": "G"}, headers=governor).status_code == 201
    )
    after_sign_off = client.get("/v1/trusts/T1/schools", headers={**seeded.trust, "If-None-Match": table})
    assert after_sign_off.status_code == 200
    exception = {
        "rule": "environment.sensory-space",
        "reason": "A room is being built",
        "approver_name": "A Head",
        "approver_role": "Headteacher",
        "risk": "low",
        "review_on": TODAY.isoformat(),
        "expires_on": (TODAY + dt.timedelta(days=90)).isoformat(),
    }
    assert client.post(f"/v1/schools/{urn}/exceptions", json=exception, headers=seeded.trust).status_code == 201
    etag = after_sign_off.headers["etag"]
    assert client.get("/v1/trusts/T1/schools", headers={**seeded.trust, "If-None-Match": etag}).status_code == 200


# ------------------------------------------------------------------------------------------------ access


TRUST_PATHS = (
    "/v1/trusts/T1/summary",
    "/v1/trusts/T1/schools",
    "/v1/trusts/T1/trend",
    "/v1/trusts/T1/exports/schools",
    "/v1/trusts/T1/exports/findings",
    "/v1/trusts/T1/impact?from=national@2025.1&to=national@2026.1",
)


def test_trust_endpoints_answer_only_their_trust_and_admin(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    urn = seeded.t1[0]
    outsiders = (
        seeded.other_trust,
        {"Authorization": make_key(engine, "school", school=urn)},
        {"Authorization": make_key(engine, "governor", school=urn)},
    )
    for path in TRUST_PATHS:
        assert client.get(path, headers=seeded.trust).status_code == 200, path
        assert client.get(path, headers=seeded.admin).status_code == 200, path
        for headers in outsiders:
            response = client.get(path, headers=headers)
            assert response.status_code == 404, (path, response.text)
            assert response.json()["code"] == "not_found"
            assert "there is no trust T1 that this key can see" in response.json()["detail"]
        assert client.get(path).status_code == 401
        assert client.get(path.replace("/T1/", "/T9/"), headers=seeded.admin).status_code == 404


def test_a_trust_never_sees_another_trusts_schools(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    for headers, own, other in ((seeded.trust, seeded.t1, seeded.t2), (seeded.other_trust, seeded.t2, seeded.t1)):
        trust_id = "T1" if own is seeded.t1 else "T2"
        table = client.get(f"/v1/trusts/{trust_id}/schools?limit=50", headers=headers).json()["items"]
        assert sorted(row["urn"] for row in table) == sorted(own)
        findings = client.get(f"/v1/trusts/{trust_id}/exports/findings?format=ndjson", headers=headers).text
        assert {json.loads(line)["urn"] for line in findings.splitlines()} <= set(own)
        for urn in other:
            assert client.get(f"/v1/schools/{urn}/benchmark", headers=headers).status_code == 404
