"""Property-based fuzzing of every operation with schemathesis, from the app's own OpenAPI document, in-process.

One world is seeded per database (trust T1, school 113328 with a stored audit, an admin key) and every operation
of the document is fuzzed against it: schemathesis generates positive and negative cases (path, query, headers,
body); hooks mix in the world's real ids, so that real objects are reached as well as missing ones, and hostile
strings (NUL bytes, SQL, bidi and astral characters). Every case carries the admin key. Two properties:

* no request gives a server error (5xx): asserted on the spot, with the request as a curl command (and the
  service's error log under "Captured stderr");
* every response is documented: status code, content type and body schema (schemathesis's checks), and every
  error is problem+json conforming to the Problem schema, with its own status and the response's request id.
  Strays are gathered over the whole run and asserted at its end, one per distinct failure with the first
  request that showed it, so that they do not stop the search for server errors.

Bounded and repeatable: derandomized, no example database, no shrinking, MAX_EXAMPLES cases per operation and
database; about 20 s of CPU on SQLite and as much again on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import hypothesis
import hypothesis.strategies as st
import jsonschema_rs
import pytest
import schemathesis
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.config import Environment, Settings
from api.storage.db import make_engine
from api.storage.migrate import upgrade
from api.web.app import create_app
from tests.conftest import DATABASES, POSTGRES_URL, example_audit, make_key

MAX_EXAMPLES = 30
# Valid JSON strings that databases and parsers trip on (no "/": a path parameter with one no longer routes).
HOSTILE_STRINGS = ["\x00", "a\x00b", "'; DROP TABLE schools; --", "%00", " ", "\u202e\U0001f600"]
# Generation is driven by FUZZ below; the config only keeps requests in reports exactly as sent (test keys only).
CONFIG = schemathesis.Config.from_dict({"output": {"sanitization": {"enabled": False}}})
# The document the app serves at /openapi.json (from an app of the same code; requests go to the seeded app).
SCHEMA = schemathesis.openapi.from_asgi(
    "/openapi.json",
    create_app(Settings(database_url="sqlite://", environment=Environment.test, log_level="WARNING")),
    config=CONFIG,
)
LOADED = list(SCHEMA.get_all_operations())
OPERATIONS = {result.ok().label: result.ok() for result in LOADED if isinstance(result, Ok)}
PROBLEM = jsonschema_rs.Draft202012Validator(
    {"$ref": "#/components/schemas/Problem", "components": SCHEMA.raw_schema["components"]}
)
AUDIT_BODIES = {"POST /v1/score", "POST /v1/schools/{urn}/audits"}
FUZZ = hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
    # No shrinking: a failing request is reported as found (its curl command reproduces it), not minimised,
    # which on PostgreSQL took longer than the whole run.
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    suppress_health_check=[hypothesis.HealthCheck.too_slow, hypothesis.HealthCheck.filter_too_much],
)
# Ids of the seeded world of the database under test, set by the `seeded` fixture for the generation hooks.
KNOWN: dict[str, str] = {}


@dataclass(frozen=True)
class World:
    """The seeded app and the Authorization header value of an admin key."""

    app: FastAPI
    admin: str


@pytest.fixture(scope="module", params=DATABASES)
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One migrated database, app and seeded world per database for the whole module.

    conftest's fixtures make a fresh database per test, which for every operation on every database takes
    longer than the fuzzing; the database is made here as conftest's ``database_url`` makes it.
    """
    schema_name = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('fuzz')}/oap.db"
    else:
        assert POSTGRES_URL is not None
        schema_name = f"t_{uuid.uuid4().hex[:12]}"
        _on_postgres(f'CREATE SCHEMA "{schema_name}"')
        separator = "&" if "?" in POSTGRES_URL else "?"
        url = f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema_name}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        app = create_app(
            Settings(database_url=url, environment=Environment.test, log_level="ERROR"), key_cache_seconds=0
        )
        admin = make_key(engine, "admin")
        headers = {"Authorization": admin}
        with TestClient(app) as client:
            assert client.put("/v1/trusts/T1", json={"name": "Trust one"}, headers=headers).status_code == 201
            school = client.put("/v1/schools/113328", json={"name": "Yealmpstone", "trust_id": "T1"}, headers=headers)
            assert school.status_code == 201, school.text
            stored = client.post("/v1/schools/113328/audits", json=example_audit(), headers=headers)
            assert stored.status_code == 201, stored.text
        audit_id = stored.json()["audit"]["id"]
        KNOWN.clear()
        KNOWN.update(
            {
                "trust_id": "T1",
                "urn": "113328",
                "audit_id": audit_id,
                "replaces": audit_id,
                "set_name": "national",
                "version": "2026.1",
                "from": "2025.1",
                "to": "2026.1",
                "standards": "national@2025.1",
            }
        )
        yield World(app=app, admin=admin)
        app.state.services.engine.dispose()
    finally:
        engine.dispose()
        if schema_name is not None:
            _on_postgres(f'DROP SCHEMA "{schema_name}" CASCADE')


def _on_postgres(statement: str) -> None:
    assert POSTGRES_URL is not None
    admin_engine = sa.create_engine(POSTGRES_URL)
    try:
        with admin_engine.begin() as connection:
            connection.execute(sa.text(statement))
    finally:
        admin_engine.dispose()


# ------------------------------------------------------------------ generation: real ids and hostile strings mixed in


def _string_leaves(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """The paths of every string in a JSON value."""
    if isinstance(value, str):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _string_leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _string_leaves(item, (*path, index))


def _replaced(value: Any, path: tuple[str | int, ...], new: str) -> Any:
    """A copy of ``value`` with the string at ``path`` replaced by ``new``."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replaced(value[head], rest, new)}
    assert isinstance(value, list)
    assert isinstance(head, int)
    return [*value[:head], _replaced(value[head], rest, new), *value[head + 1 :]]


def _mixed(value: Any, known: dict[str, Any] | None = None) -> st.SearchStrategy[Any]:
    """``value`` as generated, with the world's real values laid over it, or with one string made hostile."""
    options: list[st.SearchStrategy[Any]] = [st.just(value)]
    if known and isinstance(value, dict):
        options.append(st.just({**value, **known}))
    leaves = list(_string_leaves(value))
    if leaves:
        options.append(
            st.tuples(st.sampled_from(leaves), st.sampled_from(HOSTILE_STRINGS)).map(
                lambda pick: _replaced(value, *pick)
            )
        )
    return st.one_of(options)


def _known(values: dict[str, Any] | None) -> dict[str, Any]:
    return {name: KNOWN[name] for name in values or {} if name in KNOWN}


@SCHEMA.hook
def flatmap_path_parameters(context: schemathesis.HookContext, path_parameters: dict[str, Any]) -> Any:
    return _mixed(path_parameters, _known(path_parameters))


@SCHEMA.hook
def flatmap_query(context: schemathesis.HookContext, query: dict[str, Any]) -> Any:
    return _mixed(query, _known(query))


@SCHEMA.hook
def flatmap_body(context: schemathesis.HookContext, body: Any) -> Any:
    if context.operation is not None and context.operation.label in AUDIT_BODIES:
        return st.one_of(st.just(body), _mixed(example_audit()))
    return _mixed(body)


# --------------------------------------------------------------------------------------------------------- checks


def problem_conformance(ctx: schemathesis.CheckContext | None, response: schemathesis.Response, case: Any) -> None:
    """Every 4xx and 5xx is problem+json, valid against the Problem schema, with its own status and request id."""
    if response.status_code < 400:
        return
    headers = {name.lower(): values for name, values in response.headers.items()}
    content_type = headers.get("content-type", [""])[0]
    assert content_type.split(";")[0].strip() == "application/problem+json", (
        f"{response.status_code} with Content-Type {content_type!r}, not application/problem+json"
    )
    body = response.json()
    errors = [f"{error.instance_path}: {error.message}" for error in PROBLEM.iter_errors(body)]
    assert not errors, f"the problem does not conform to the Problem schema: {errors}\n{body}"
    assert body["status"] == response.status_code, f"problem status {body['status']} in a {response.status_code}"
    assert body["type"].endswith(f"/{body['code']}"), f"problem type {body['type']!r} and code {body['code']!r}"
    request_id = headers.get("x-request-id", [None])[0]
    assert request_id is not None, "an error response without X-Request-ID"
    assert body["request_id"] == request_id, f"problem request_id {body['request_id']!r}, header {request_id!r}"


CONFORMANCE = [status_code_conformance, content_type_conformance, response_schema_conformance, problem_conformance]


@pytest.mark.parametrize("label", list(OPERATIONS))
def test_operation(label: str, seeded: World) -> None:
    operation = OPERATIONS[label]
    headers = {"Authorization": seeded.admin}
    strays: dict[str, str] = {}  # each distinct failure, with the first request that showed it

    @FUZZ
    @hypothesis.given(
        case=st.one_of(
            operation.as_strategy(schemathesis.GenerationMode.POSITIVE),
            operation.as_strategy(schemathesis.GenerationMode.NEGATIVE),
        )
    )
    def fuzz(case: schemathesis.Case[Any]) -> None:
        response = case.call(app=seeded.app, headers=headers)
        assert response.status_code < 500, (
            f"server error {response.status_code} from\n    {case.as_curl_command(headers=headers)}\n"
            f"{response.text[:2000]}"
        )
        try:
            case.validate_response(response, checks=CONFORMANCE, headers=headers)
        except FailureGroup as group:
            curl = case.as_curl_command(headers=headers)
            for failure in group.exceptions:
                key = f"{failure.title}: {failure.message}".splitlines()[0] if failure.message else failure.title
                strays.setdefault(key, f"{failure.title}\n{failure.message}\n{response.status_code} from {curl}")

    try:
        fuzz()
    except Exception as error:  # a server error: say what else was seen before it
        if strays:
            error.add_note("Responses that stray from the document before it:\n\n" + "\n\n".join(strays.values()))
        raise
    assert not strays, f"{label}: responses that stray from the document:\n\n" + "\n\n".join(strays.values())


def test_every_operation_of_the_document_is_fuzzed() -> None:
    unusable = [str(result.err()) for result in LOADED if not isinstance(result, Ok)]
    assert not unusable, f"operations schemathesis cannot generate requests for: {unusable}"
    methods = ("get", "put", "post", "delete", "patch")
    documented = [m for item in SCHEMA.raw_schema["paths"].values() for m in item if m in methods]
    assert len(OPERATIONS) == len(documented) > 10


def _response(status: int, body: dict[str, Any], content_type: str, request_id: str = "r1") -> schemathesis.Response:
    raw = httpx.Response(
        status,
        json=body,
        headers={"content-type": content_type, "x-request-id": request_id},
        request=httpx.Request("GET", "http://testserver/v1/schools/999999"),
    )
    raw.elapsed = dt.timedelta(0)
    return schemathesis.Response.from_any(raw)


GOOD_PROBLEM = {
    "type": "https://oap-checker.invalid/problems/not_found",
    "title": "Not found",
    "status": 404,
    "detail": "no such school",
    "code": "not_found",
    "request_id": "r1",
}


@pytest.mark.parametrize(
    ("response", "complaint"),
    [
        (_response(404, {"detail": "Not Found"}, "application/json"), "not application/problem+json"),
        (_response(404, {**GOOD_PROBLEM, "code": None}, "application/problem+json"), "Problem schema"),
        (_response(404, {**GOOD_PROBLEM, "errors": [{"field": 1}]}, "application/problem+json"), "Problem schema"),
        (_response(409, GOOD_PROBLEM, "application/problem+json"), "problem status 404 in a 409"),
        (_response(404, {**GOOD_PROBLEM, "code": "gone"}, "application/problem+json"), "problem type"),
        (_response(404, GOOD_PROBLEM, "application/problem+json", request_id="r2"), "request_id"),
    ],
)
def test_the_problem_check_rejects_what_it_should(response: schemathesis.Response, complaint: str) -> None:
    problem_conformance(None, _response(404, GOOD_PROBLEM, "application/problem+json; charset=utf-8"), None)
    with pytest.raises(AssertionError, match=re.escape(complaint)):
        problem_conformance(None, response, None)
