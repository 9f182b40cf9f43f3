"""The REST API's behaviour on each database: trusts and schools, submissions, idempotency, corrections,
pagination, reports against other versions, scoring, errors as problem+json, limits and request ids.

Who may do what is in test_access.py; here an admin key does everything. Tests that change what is stored
get a fresh database each (``client``, ``engine``); tests that only read, or whose requests are refused, share
one database per module (``shared``) and check that the number of stored audits did not change.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from api.config import Environment, Settings
from api.rules.catalog import Catalog
from api.service import schools as schools_service
from api.storage import repository
from api.storage.db import make_engine, session_scope
from api.storage.migrate import upgrade
from api.web.app import create_app
from tests.conftest import DATABASES, POSTGRES_URL, example_audit, make_key
from tests.databases import postgres_schema

URN = "113328"
OTHER_URN = "100000"
TRUST = "T1"
PROBLEM = "application/problem+json"


@pytest.fixture
def app(settings: Settings, engine: Engine, catalog: Catalog) -> FastAPI:
    """The app of conftest, sharing the session's catalogue rather than loading it for every test."""
    return create_app(settings, catalog=catalog, key_cache_seconds=0)


@pytest.fixture
def admin(client: TestClient, engine: Engine) -> dict[str, str]:
    """An admin key's headers, with trust T1 and its schools 113328 and 100000 created."""
    headers = {"Authorization": make_key(engine, "admin")}
    assert client.put(f"/v1/trusts/{TRUST}", json={"name": "Trust one"}, headers=headers).status_code == 201
    for urn in (URN, OTHER_URN):
        response = client.put(f"/v1/schools/{urn}", json={"name": f"School {urn}", "trust_id": TRUST}, headers=headers)
        assert response.status_code == 201, response.text
    return headers


@dataclass
class Shared:
    """A database shared by the tests of this module that store nothing: T1, its two schools and one audit."""

    client: TestClient
    engine: Engine
    settings: Settings
    admin: dict[str, str]
    audit_id: str


@pytest.fixture(scope="module", params=DATABASES)
def shared_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('api')}/oap.db"
        return
    assert POSTGRES_URL is not None
    with postgres_schema(POSTGRES_URL) as url:
        yield url


@pytest.fixture(scope="module")
def shared(shared_url: str, catalog: Catalog) -> Iterator[Shared]:
    engine = make_engine(shared_url)
    upgrade(engine)
    settings = Settings(database_url=shared_url, environment=Environment.test, log_level="WARNING")
    with TestClient(
        create_app(settings, catalog=catalog, key_cache_seconds=0), raise_server_exceptions=False
    ) as client:
        admin = {"Authorization": make_key(engine, "admin")}
        assert client.put(f"/v1/trusts/{TRUST}", json={"name": "Trust one"}, headers=admin).status_code == 201
        for urn in (URN, OTHER_URN):
            body = {"name": f"School {urn}", "trust_id": TRUST}
            assert client.put(f"/v1/schools/{urn}", json=body, headers=admin).status_code == 201
        created = submit(client, admin)
        assert created.status_code == 201, created.text
        yield Shared(client, engine, settings, admin, created.json()["audit"]["id"])
    engine.dispose()


def problem(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """The problem+json body of an error response, checked against RFC 9457's members."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail", "code", "instance", "request_id"} <= set(body)
    assert body["request_id"] == response.headers["x-request-id"]
    if code is not None:
        assert body["code"] == code
    return body


def fields(body: dict[str, Any]) -> set[str]:
    return {error["field"] for error in body["errors"]}


def count(engine: Engine, urn: str | None = None) -> int:
    with session_scope(engine) as session:
        return repository.count_audits(session=session, urn=urn)


def submit(client: TestClient, headers: dict[str, str], urn: str = URN, **kwargs: Any) -> httpx.Response:
    kwargs.setdefault("json", example_audit(urn))
    return client.post(f"/v1/schools/{urn}/audits", headers=headers, **kwargs)


# ---------------------------------------------------------------------------------------------- trusts and schools


@pytest.fixture
def unchanged(shared: Shared) -> Iterator[None]:
    """Asserts that the test stored no audit in the shared database."""
    before = count(shared.engine)
    yield
    assert count(shared.engine) == before, "a refused request stored an audit"


def test_put_trust_creates_then_updates(client: TestClient, engine: Engine) -> None:
    headers = {"Authorization": make_key(engine, "admin")}
    created = client.put("/v1/trusts/T9", json={"name": "Old name"}, headers=headers)
    assert created.status_code == 201
    assert created.json() == {"id": "T9", "name": "Old name"}
    updated = client.put("/v1/trusts/T9", json={"name": "  New name  "}, headers=headers)
    assert updated.status_code == 200
    assert updated.json() == {"id": "T9", "name": "New name"}
    with session_scope(engine) as session:
        row = repository.get_trust(session=session, trust_id="T9")
        assert row is not None
        assert row.name == "New name"


def test_put_school_creates_then_updates(client: TestClient, admin: dict[str, str]) -> None:
    body = {"name": "Fresh school", "phase": "primary", "local_authority": "Plymouth", "trust_id": TRUST}
    created = client.put("/v1/schools/123456", json=body, headers=admin)
    assert created.status_code == 201
    assert created.json().items() >= {**body, "urn": "123456", "status": "open"}.items()
    changed = {"name": "Renamed school", "phase": "secondary", "trust_id": None, "status": "closed"}
    updated = client.put("/v1/schools/123456", json=changed, headers=admin)
    assert updated.status_code == 200
    expected = {"urn": "123456", "local_authority": None, **changed}
    assert updated.json().items() >= expected.items()
    assert client.get("/v1/schools/123456", headers=admin).json() == updated.json()


def test_school_with_unknown_trust_is_404_naming_it(shared: Shared) -> None:
    body = {"name": "S", "trust_id": "NO-SUCH-TRUST"}
    response = shared.client.put("/v1/schools/123456", json=body, headers=shared.admin)
    assert "NO-SUCH-TRUST" in problem(response, 404, "not_found")["detail"]
    assert shared.client.get("/v1/schools/123456", headers=shared.admin).status_code == 404


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/schools/12345", {"name": "S"}, "path.urn"),
        ("/v1/schools/1234567", {"name": "S"}, "path.urn"),
        ("/v1/schools/abcdef", {"name": "S"}, "path.urn"),
        ("/v1/schools/123456", {"name": "S", "headteacher": "X"}, "headteacher"),
        ("/v1/schools/123456", {"name": "S", "phase": "college"}, "phase"),
        ("/v1/schools/123456", {"name": "S", "status": "sold"}, "status"),
        ("/v1/schools/123456", {"name": "S", "trust_id": "bad id!"}, "trust_id"),
        ("/v1/schools/123456", {"name": ""}, "name"),
        ("/v1/schools/123456", {}, "name"),
        ("/v1/trusts/bad%20id", {"name": "T"}, "path.trust_id"),
        ("/v1/trusts/T2", {"name": "T", "colour": "red"}, "colour"),
        ("/v1/trusts/T2", {"name": "   "}, "name"),
    ],
)
def test_invalid_puts_are_422_naming_the_field(shared: Shared, path: str, body: dict[str, Any], field: str) -> None:
    response = shared.client.put(path, json=body, headers=shared.admin)
    answer = problem(response, 422, "request_invalid")
    assert field in fields(answer)
    assert field in answer["detail"]
    assert shared.client.get("/v1/schools/123456", headers=shared.admin).status_code == 404
    with session_scope(shared.engine) as session:
        assert repository.get_trust(session=session, trust_id="T2") is None


# ---------------------------------------------------------------------------------------------- submitting


def test_submit_stores_scores_and_reads_back(client: TestClient, engine: Engine, admin: dict[str, str]) -> None:
    response = submit(client, admin)
    assert response.status_code == 201, response.text
    assert response.headers["content-type"] == "application/json"
    assert "idempotent-replayed" not in response.headers
    created = response.json()
    audit_id = created["audit"]["id"]
    assert re.fullmatch(r"[0-9a-f]{32}", audit_id)
    assert response.headers["location"] == f"/v1/audits/{audit_id}"
    assert created["audit"]["school_urn"] == URN
    assert created["audit"]["audit_date"] == "2026-11-02"
    assert created["audit"]["replaces_id"] is None
    assert created["audit"]["source"] == "api"
    assert created["report"]["school"]["urn"] == URN
    assert created["report"]["standards"]["version"] == "2026.1"
    assert count(engine, URN) == 1

    assert client.get(f"/v1/audits/{audit_id}/report", headers=admin).json() == created["report"]
    stored = client.get(response.headers["location"], headers=admin)
    assert stored.status_code == 200
    assert {key: stored.json()[key] for key in created["audit"]} == created["audit"]
    assert stored.json()["audit"]["pupils"]["on_roll"] == 223
    listing = client.get(f"/v1/schools/{URN}/audits", headers=admin).json()
    assert listing == {"items": [created["audit"]], "next_cursor": None}


def test_submit_against_a_chosen_version(client: TestClient, admin: dict[str, str]) -> None:
    response = submit(client, admin, params={"standards": "national@2025.1"})
    assert response.status_code == 201, response.text
    assert response.json()["report"]["standards"]["version"] == "2025.1"
    audit_id = response.json()["audit"]["id"]
    assert client.get(f"/v1/audits/{audit_id}/report", headers=admin).json() == response.json()["report"]


@pytest.mark.usefixtures("unchanged")
def test_submit_for_an_unknown_school_is_404(shared: Shared) -> None:
    response = submit(shared.client, shared.admin, urn="999999")
    assert "999999" in problem(response, 404, "not_found")["detail"]


@pytest.mark.usefixtures("unchanged")
def test_audit_for_another_school_than_the_path_is_422(shared: Shared) -> None:
    response = submit(shared.client, shared.admin, urn=URN, json=example_audit(OTHER_URN))
    body = problem(response, 422, "audit_invalid")
    assert fields(body) == {"school.urn"}
    assert URN in body["errors"][0]["message"]


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("path", [f"/v1/schools/{URN}/audits", "/v1/score"])
def test_invalid_audit_lists_every_field(shared: Shared, path: str) -> None:
    data = example_audit(URN)
    data["audit_date"] = "2026-13-01"
    data["pupils"]["on_roll"] = -5
    data["senco"]["protected_fte"] = "lots"
    data["staffing"]["colour"] = "blue"
    data["extra_section"] = {}
    body = problem(shared.client.post(path, json=data, headers=shared.admin), 422, "audit_invalid")
    assert {"audit_date", "pupils.on_roll", "senco.protected_fte", "staffing.colour", "extra_section"} <= fields(body)
    assert body["detail"].startswith(f"{len(body['errors'])} problems: ")
    assert all(error["message"] for error in body["errors"])


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(
    ("content", "status"),
    [(b"", 400), (b"not json", 400), (b"{", 400), (b"\xff\xfe", 400), (b"[]", 422), (b"[1, 2]", 422), (b'"x"', 422)],
    ids=["empty", "text", "truncated", "not-utf8", "empty-list", "list", "string"],
)
@pytest.mark.parametrize("path", ["/v1/score", f"/v1/schools/{URN}/audits"])
def test_bodies_that_are_not_an_audit(shared: Shared, path: str, content: bytes, status: int) -> None:
    headers = {**shared.admin, "Content-Type": "application/json"}
    body = problem(shared.client.post(path, content=content, headers=headers), status)
    assert body["code"] == ("request_invalid" if status == 400 else "audit_invalid")
    if status == 422:
        assert fields(body) == {"(audit)"}


@pytest.mark.usefixtures("unchanged")
def test_submit_with_unknown_standards_stores_nothing(shared: Shared) -> None:
    response = submit(shared.client, shared.admin, params={"standards": "national@1999.1"})
    assert "national@2026.1" in problem(response, 404, "standards_not_found")["detail"]


# ---------------------------------------------------------------------------------------------- idempotency


def test_idempotent_replay(client: TestClient, engine: Engine, admin: dict[str, str]) -> None:
    headers = {**admin, "Idempotency-Key": "retry-1"}
    first = submit(client, headers)
    assert first.status_code == 201
    assert "idempotent-replayed" not in first.headers
    data = example_audit(URN)
    reordered = {key: data[key] for key in reversed(list(data))}  # the same body with its keys in another order
    for body in (data, reordered):
        again = submit(client, headers, json=body)
        assert again.status_code == 201, again.text
        assert again.headers["idempotent-replayed"] == "true"
        assert again.headers["location"] == first.headers["location"]
        assert again.json()["audit"]["id"] == first.json()["audit"]["id"]
        assert again.json() == first.json(), "a replay answers exactly as the first response did"
    assert count(engine) == 1


def test_same_idempotency_key_with_another_body_is_409(
    client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    headers = {**admin, "Idempotency-Key": "retry-1"}
    assert submit(client, headers).status_code == 201
    changed = example_audit(URN, audit_date="2026-11-01")
    problem(submit(client, headers, json=changed), 409, "conflict")
    # the same figures against another version are another request too
    problem(submit(client, headers, params={"standards": "national@2025.1"}), 409, "conflict")
    assert count(engine) == 1


def test_different_idempotency_keys_make_different_audits(
    client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    first = submit(client, {**admin, "Idempotency-Key": "a"})
    second = submit(client, {**admin, "Idempotency-Key": "b"})
    third = submit(client, admin)
    assert first.status_code == second.status_code == third.status_code == 201
    assert len({r.json()["audit"]["id"] for r in (first, second, third)}) == 3
    assert count(engine) == 3


def test_idempotency_keys_belong_to_their_api_key(client: TestClient, engine: Engine, admin: dict[str, str]) -> None:
    other_admin = {"Authorization": make_key(engine, "admin"), "Idempotency-Key": "same"}
    first = submit(client, {**admin, "Idempotency-Key": "same"})
    second = submit(client, other_admin)
    assert first.status_code == second.status_code == 201
    assert "idempotent-replayed" not in second.headers
    assert first.json()["audit"]["id"] != second.json()["audit"]["id"]
    assert count(engine) == 2


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("key", ["", "x" * 201])
def test_bad_idempotency_key(shared: Shared, key: str) -> None:
    response = submit(shared.client, {**shared.admin, "Idempotency-Key": key})
    assert response.status_code in (400, 422)
    assert response.headers["content-type"] == PROBLEM
    assert "Idempotency-Key" in response.json()["detail"]


# ---------------------------------------------------------------------------------------------- corrections


def test_replaces_links_a_correction(client: TestClient, admin: dict[str, str]) -> None:
    original = submit(client, admin).json()["audit"]["id"]
    correction = submit(client, admin, params={"replaces": original})
    assert correction.status_code == 201, correction.text
    assert correction.json()["audit"]["replaces_id"] == original
    stored = client.get(f"/v1/audits/{correction.json()['audit']['id']}", headers=admin).json()
    assert stored["replaces_id"] == original
    items = client.get(f"/v1/schools/{URN}/audits", headers=admin).json()["items"]
    assert [item["replaces_id"] for item in items] == [original, None]
    assert client.get(f"/v1/audits/{original}", headers=admin).json()["replaces_id"] is None


@pytest.mark.usefixtures("unchanged")
def test_replacing_an_unknown_audit_is_404(shared: Shared) -> None:
    client, admin = shared.client, shared.admin
    missing = "ab" * 16
    assert missing in problem(submit(client, admin, params={"replaces": missing}), 404, "not_found")["detail"]
    # an audit of another school cannot be replaced from this one
    problem(submit(client, admin, urn=OTHER_URN, params={"replaces": shared.audit_id}), 404, "not_found")
    body = problem(submit(client, admin, params={"replaces": "not-an-id"}), 422, "request_invalid")
    assert fields(body) == {"query.replaces"}


# ---------------------------------------------------------------------------------------------- pagination


def test_pagination_newest_first(client: TestClient, admin: dict[str, str]) -> None:
    submitted = [submit(client, admin).json()["audit"]["id"] for _ in range(25)]
    submit(client, admin, urn=OTHER_URN)  # another school's audit never shows up
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 10, **({"cursor": cursor} if cursor else {})}
        response = client.get(f"/v1/schools/{URN}/audits", params=params, headers=admin)
        assert response.status_code == 200, response.text
        pages.append([item["id"] for item in response.json()["items"]])
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
        assert len(pages) < 5, "pagination does not end"
    assert [len(page) for page in pages] == [10, 10, 5]
    seen = [audit_id for page in pages for audit_id in page]
    assert len(set(seen)) == 25
    assert seen == list(reversed(submitted))
    default = client.get(f"/v1/schools/{URN}/audits", headers=admin).json()
    assert len(default["items"]) == 20
    assert default["next_cursor"] is not None


@pytest.mark.parametrize(
    ("params", "status"),
    [
        pytest.param({"cursor": "!!!"}, 400, id="cursor-not-base64"),
        pytest.param({"cursor": "abc"}, 400, id="cursor-short"),
        pytest.param({"cursor": "bm90IGEgY3Vyc29y"}, 400, id="cursor-not-a-time"),  # "not a cursor"
        pytest.param({"cursor": "MjAyNi0xMS0wMVQwMDowMDowMHxhYmM"}, 400, id="cursor-time-without-zone"),
        pytest.param({"cursor": "MjAyNi0xMS0wMXx4"}, 400, id="cursor-date-only"),  # "2026-11-01|x"
        pytest.param({"cursor": "x" * 201}, 422, id="cursor-too-long"),
        pytest.param({"limit": 0}, 422, id="limit-0"),
        pytest.param({"limit": 201}, 422, id="limit-201"),
        pytest.param({"limit": "ten"}, 422, id="limit-not-a-number"),
    ],
)
def test_bad_page_parameters(shared: Shared, params: dict[str, Any], status: int) -> None:
    response = shared.client.get(f"/v1/schools/{URN}/audits", params=params, headers=shared.admin)
    body = problem(response, status, "request_invalid")
    assert next(iter(params)) in body["detail"]


# ---------------------------------------------------------------------------------------------- reports


def test_report_against_another_version_leaves_the_stored_one(
    client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    created = submit(client, admin).json()
    audit_id, stored = created["audit"]["id"], created["report"]
    assert stored["standards"]["version"] == "2026.1"
    older = client.get(f"/v1/audits/{audit_id}/report", params={"standards": "national@2025.1"}, headers=admin)
    assert older.status_code == 200, older.text
    assert older.json()["standards"]["version"] == "2025.1"
    assert older.json()["school"]["urn"] == URN
    assert {r["rule"] for r in older.json()["results"]} != {r["rule"] for r in stored["results"]}
    assert client.get(f"/v1/audits/{audit_id}/report", headers=admin).json() == stored
    same = client.get(f"/v1/audits/{audit_id}/report", params={"standards": "national@2026.1"}, headers=admin)
    assert same.json() == stored
    with session_scope(engine) as session:
        first = repository.get_first_report(session=session, audit_id=audit_id)
        assert first is not None
        assert first.standards_version == "2026.1"
        assert first.body == stored


def test_report_against_unknown_standards_is_404(shared: Shared) -> None:
    path = f"/v1/audits/{shared.audit_id}/report"
    response = shared.client.get(path, params={"standards": "national@1999.1"}, headers=shared.admin)
    detail = problem(response, 404, "standards_not_found")["detail"]
    assert "national@1999.1" in detail
    assert "national@2025.1" in detail
    assert "national@2026.1" in detail
    bad = shared.client.get(path, params={"standards": "latest"}, headers=shared.admin)
    assert "query.standards" in fields(problem(bad, 422, "request_invalid"))


@pytest.mark.parametrize("path", ["/v1/audits/{}", "/v1/audits/{}/report"])
def test_unknown_or_malformed_audit_ids(shared: Shared, path: str) -> None:
    problem(shared.client.get(path.format("cd" * 16), headers=shared.admin), 404, "not_found")
    malformed = shared.client.get(path.format("XYZ"), headers=shared.admin)
    assert "path.audit_id" in fields(problem(malformed, 422, "request_invalid"))


# ---------------------------------------------------------------------------------------------- scoring


@pytest.mark.usefixtures("unchanged")
def test_score_does_not_store(shared: Shared) -> None:
    response = shared.client.post("/v1/score", json=example_audit(URN), headers=shared.admin)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json()["standards"]["version"] == "2026.1"
    stored = shared.client.get(f"/v1/audits/{shared.audit_id}/report", headers=shared.admin).json()
    assert response.json() == stored, "the same audit scores the same whether stored or not"
    older = shared.client.post(
        "/v1/score", params={"standards": "national@2025.1"}, json=example_audit(), headers=shared.admin
    )
    assert older.json()["standards"]["version"] == "2025.1"


@pytest.mark.usefixtures("unchanged")
def test_score_needs_no_school(shared: Shared) -> None:
    response = shared.client.post("/v1/score", json=example_audit("999999"), headers=shared.admin)
    assert response.status_code == 200
    assert response.json()["school"]["urn"] == "999999"


def test_score_with_unknown_standards_names_the_known(shared: Shared) -> None:
    params = {"standards": "national@1999.1"}
    response = shared.client.post("/v1/score", params=params, json=example_audit(), headers=shared.admin)
    assert "national@2025.1" in problem(response, 404, "standards_not_found")["detail"]


# ---------------------------------------------------------------------------------------------- limits and errors


@pytest.fixture
def oversized(shared: Shared) -> bytes:
    """A JSON body one byte over the limit."""
    limit = shared.settings.max_body_bytes
    body = b'{"x":"' + b"a" * (limit - len(b'{"x":""}') + 1) + b'"}'
    assert len(body) == limit + 1
    return body


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/score"),
        ("POST", f"/v1/schools/{URN}/audits"),
        ("PUT", "/v1/schools/123456"),
        ("PUT", "/v1/trusts/T2"),
    ],
)
def test_body_over_the_limit_is_413(shared: Shared, oversized: bytes, method: str, path: str) -> None:
    headers = {**shared.admin, "Content-Type": "application/json"}
    response = shared.client.request(method, path, content=oversized, headers=headers)
    assert "bytes" in problem(response, 413, "payload_too_large")["detail"]
    assert shared.client.get("/v1/schools/123456", headers=shared.admin).status_code == 404


@pytest.mark.usefixtures("unchanged")
def test_streamed_body_over_the_limit_is_413(shared: Shared, oversized: bytes) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is enforced while reading
        for start in range(0, len(oversized), 65536):
            yield oversized[start : start + 65536]

    headers = {**shared.admin, "Content-Type": "application/json"}
    response = shared.client.post(f"/v1/schools/{URN}/audits", content=chunks(), headers=headers)
    assert "content-length" not in response.request.headers
    problem(response, 413, "payload_too_large")


def test_body_at_the_limit_is_read(shared: Shared) -> None:
    text = httpx.Request("POST", "/", json=example_audit(URN)).content
    padded = text[:-1] + b" " * (shared.settings.max_body_bytes - len(text)) + b"}"
    assert len(padded) == shared.settings.max_body_bytes
    headers = {**shared.admin, "Content-Type": "application/json"}
    response = shared.client.post("/v1/score", content=padded, headers=headers)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/v1/nothing-here", 404),
        ("DELETE", "/v1/standards", 405),
        ("GET", "/v1/standards/national/1999.1", 404),
        ("GET", "/v1/standards/nope/2026.1", 404),
        ("GET", "/v1/standards/national/diff?from=2025.1&to=1999.1", 404),
        ("GET", "/v1/standards/national/diff?from=2025.1", 422),
        ("GET", f"/v1/schools/{URN}", 401),
        ("POST", "/v1/score", 401),
    ],
)
def test_errors_are_problem_json(shared: Shared, method: str, path: str, status: int) -> None:
    body = problem(shared.client.request(method, path), status)
    assert body["instance"] == path.split("?")[0]
    assert body["type"].endswith("/" + body["code"])


def test_an_unexpected_error_is_a_500_problem_with_the_request_id(
    shared: Shared, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**_: Any) -> dict[str, Any]:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(schools_service, "get_school", broken)
    response = shared.client.get(f"/v1/schools/{URN}", headers={**shared.admin, "X-Request-ID": "trace-500"})
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert "secret internals" not in response.text
    assert response.json()["code"] == "internal"
    assert response.headers.get("x-request-id") == "trace-500", "every response carries X-Request-ID"
    assert response.json()["request_id"] == "trace-500", "the 500 names the request id it was logged with"


# ---------------------------------------------------------------------------------------------- request ids


@pytest.mark.parametrize("path", ["/healthz", "/v1/standards", f"/v1/schools/{URN}", "/v1/nothing-here"])
def test_request_id_echoed_or_generated(shared: Shared, path: str) -> None:
    client = shared.client
    echoed = client.get(path, headers={"X-Request-ID": "trace-123.abc_DEF"})
    assert echoed.headers["x-request-id"] == "trace-123.abc_DEF"
    generated = [client.get(path).headers["x-request-id"] for _ in range(2)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", value) for value in generated)
    assert generated[0] != generated[1]
    unsafe = client.get(path, headers={"X-Request-ID": "has spaces\tand tabs"})
    assert re.fullmatch(r"[0-9a-f]{32}", unsafe.headers["x-request-id"])
    too_long = client.get(path, headers={"X-Request-ID": "a" * 65})
    assert re.fullmatch(r"[0-9a-f]{32}", too_long.headers["x-request-id"])


def test_request_id_on_413_and_in_the_problem(shared: Shared, oversized: bytes) -> None:
    headers = {**shared.admin, "Content-Type": "application/json", "X-Request-ID": "big-one"}
    response = shared.client.post("/v1/score", content=oversized, headers=headers)
    assert response.headers["x-request-id"] == "big-one"
    assert problem(response, 413)["request_id"] == "big-one"


def test_request_id_on_a_stored_submission(client: TestClient, admin: dict[str, str]) -> None:
    response = submit(client, {**admin, "X-Request-ID": "submit-1"})
    assert response.status_code == 201
    assert response.headers["x-request-id"] == "submit-1"


# ---------------------------------------------------------------------------------------------- health and standards


def test_health(shared: Shared) -> None:
    assert shared.client.get("/healthz").json() == {"status": "ok", "checks": {}}
    ready = shared.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"
    assert ready.json()["checks"]["database"] == "ok"


def test_standards_list_and_detail(shared: Shared) -> None:
    listing = shared.client.get("/v1/standards")
    assert listing.status_code == 200
    refs = {f"{s['set']}@{s['version']}": s for s in listing.json()}
    assert {"national@2025.1", "national@2026.1"} <= set(refs)
    detail = shared.client.get("/v1/standards/national/2026.1")
    assert detail.status_code == 200
    body = detail.json()
    assert (body["set"], body["version"]) == ("national", "2026.1")
    assert body["sha256"] == refs["national@2026.1"]["sha256"]
    assert len(body["rules"]) == refs["national@2026.1"]["rules"]
    assert "ta.sen-ratio" in {rule["id"] for rule in body["rules"]}
    older = shared.client.get("/v1/standards/national/2025.1").json()
    assert "ta.sen-ratio" not in {rule["id"] for rule in older["rules"]}


def test_standards_diff(shared: Shared) -> None:
    def diff(old: str, new: str) -> dict[str, Any]:
        response = shared.client.get("/v1/standards/national/diff", params={"from": old, "to": new})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert (body["from"]["version"], body["to"]["version"]) == (old, new)
        return body

    forward = diff("2025.1", "2026.1")
    assert "ta.sen-ratio" in {entry["rule"] for entry in forward["added"]}
    assert "ta.sen-ratio" not in {entry["rule"] for entry in forward["removed"]}
    assert "ta.sen-ratio" in {entry["rule"] for entry in diff("2026.1", "2025.1")["removed"]}
    same = diff("2026.1", "2026.1")
    assert same["added"] == same["removed"] == same["changed"] == []


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/v1/trusts/{TRUST}/summary?local_authority=a%00b", "query.local_authority"),
        (f"/v1/trusts/{TRUST}/schools?local_authority=a%0Ab", "query.local_authority"),
        (f"/v1/trusts/{TRUST}/exports/schools?format=csv&local_authority=a%00b", "query.local_authority"),
        (f"/v1/trusts/{TRUST}/exports/findings?format=ndjson&local_authority=%7F", "query.local_authority"),
        ("/v1/imports/gias?filename=a%00.csv", "query.filename"),
        ("/v1/imports/sen?census=January%002025", "query.census"),
    ],
)
def test_control_characters_in_a_query_are_refused_naming_the_parameter(shared: Shared, path: str, field: str) -> None:
    method = "POST" if path.startswith("/v1/imports") else "GET"
    body = problem(shared.client.request(method, path, headers=shared.admin, content=b"urn\n"), 422)
    assert [error["field"] for error in body["errors"]] == [field]
