"""The access matrix: every endpoint × every role × own / other school and trust, with the exact status.

One world per database (module scope): two trusts of two schools each, an audit stored for every school,
and a key per role. An object outside a key's reach answers 404 exactly as a missing one does, and no
response ever carries another tenant's URN, trust id or audit ids.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from api.config import Environment, Settings
from api.rules.catalog import Catalog
from api.service.access import Principal, Role, create_key, revoke_key
from api.service.audits import submit_audit
from api.service.schools import put_school, put_trust
from api.service.scoring import ScoringService
from api.storage import repository
from api.storage.db import make_engine, session_scope
from api.storage.migrate import upgrade
from api.storage.tables import utcnow
from api.web.app import create_app
from tests.conftest import DATABASES, POSTGRES_URL, example_audit
from tests.databases import postgres_schema

TRUSTS = {"A": "trust-alpha", "B": "trust-bravo"}
SCHOOLS = {"A1": "100101", "A2": "100102", "B1": "100201", "B2": "100202"}
TRUST_OF = {"A1": "A", "A2": "A", "B1": "B", "B2": "B"}
UNKNOWN_URN = "999999"
UNKNOWN_AUDIT = "0123456789abcdef0123456789abcdef"
TARGETS = ("A1", "A2", "B1", "B2", "unknown")
ROLES = ("admin", "trust_a", "trust_b", "school_a1", "governor_a1", "school_b1")
SEEDER = Principal(key_id="seed", role=Role.admin)

# What each key may see: the schools its reads answer 200 for (everything else is 404).
READ: dict[str, tuple[int, int, int, int, int]] = {
    #               A1   A2   B1   B2   unknown
    "admin": (200, 200, 200, 200, 404),
    "trust_a": (200, 200, 404, 404, 404),
    "trust_b": (404, 404, 200, 200, 404),
    "school_a1": (200, 404, 404, 404, 404),
    "governor_a1": (200, 404, 404, 404, 404),
    "school_b1": (404, 404, 200, 404, 404),
}
# Submitting: 201 where the key may submit, 403 for a governor on its own school, 404 outside its reach.
SUBMIT: dict[str, tuple[int, int, int, int, int]] = {
    #               A1   A2   B1   B2   unknown
    "admin": (201, 201, 201, 201, 404),
    "trust_a": (201, 201, 404, 404, 404),
    "trust_b": (404, 404, 201, 201, 404),
    "school_a1": (201, 404, 404, 404, 404),
    "governor_a1": (403, 404, 404, 404, 404),
    "school_b1": (404, 404, 201, 404, 404),
}
# What each key may see, as sets (for the leak checks).
VISIBLE: dict[str, set[str]] = {
    role: {target for target, status in zip(TARGETS, READ[role], strict=True) if status == 200} for role in ROLES
}
OWN_TRUSTS: dict[str, set[str]] = {
    "admin": {"A", "B"},
    "trust_a": {"A"},
    "trust_b": {"B"},
    "school_a1": {"A"},
    "governor_a1": {"A"},
    "school_b1": {"B"},
}


@dataclass
class World:
    """The seeded database, the client of an app on it, and the keys."""

    client: TestClient
    engine: Engine
    headers: dict[str, dict[str, str]]
    audits: dict[str, list[str]] = field(default_factory=dict)

    def audit_of(self, target: str) -> str:
        """The first audit stored for a school (a made-up id for the unknown one)."""
        return UNKNOWN_AUDIT if target == "unknown" else self.audits[target][0]

    def count(self, target: str) -> int:
        with session_scope(self.engine) as session:
            return repository.count_audits(session=session, urn=urn_of(target))


def urn_of(target: str) -> str:
    return SCHOOLS.get(target, UNKNOWN_URN)


@pytest.fixture(scope="module", params=DATABASES)
def world_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of this module's own: a SQLite file, or a PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('access')}/oap.db"
        return
    assert POSTGRES_URL is not None
    with postgres_schema(POSTGRES_URL) as url:
        yield url


def _key(engine: Engine, role: Role, **scope: Any) -> str:
    with session_scope(engine) as session:
        _, key = create_key(session=session, role=role, **scope)
    return key


@pytest.fixture(scope="module")
def world(world_url: str, catalog: Catalog) -> Iterator[World]:
    """Two trusts of two schools, an audit per school, a key per role; seeded through the service functions."""
    engine = make_engine(world_url)
    upgrade(engine)
    scoring = ScoringService(catalog)
    for trust_id in TRUSTS.values():
        put_trust(engine=engine, principal=SEEDER, trust_id=trust_id, name=f"The {trust_id} trust")
    audits: dict[str, list[str]] = {}
    for label, urn in SCHOOLS.items():
        fields = {"name": f"School {label}", "phase": "primary", "trust_id": TRUSTS[TRUST_OF[label]], "status": "open"}
        put_school(engine=engine, principal=SEEDER, urn=urn, fields=fields)
        submission = submit_audit(engine=engine, scoring=scoring, principal=SEEDER, urn=urn, data=example_audit(urn))
        audits[label] = [submission.audit.id]
    keys = {
        "admin": _key(engine, Role.admin),
        "trust_a": _key(engine, Role.trust, trust_id=TRUSTS["A"]),
        "trust_b": _key(engine, Role.trust, trust_id=TRUSTS["B"]),
        "school_a1": _key(engine, Role.school, school_urn=SCHOOLS["A1"]),
        "governor_a1": _key(engine, Role.governor, school_urn=SCHOOLS["A1"]),
        "school_b1": _key(engine, Role.school, school_urn=SCHOOLS["B1"]),
    }
    settings = Settings(database_url=world_url, environment=Environment.test, log_level="WARNING")
    app = create_app(settings, catalog=catalog, key_cache_seconds=0)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield World(
            client=client,
            engine=engine,
            headers={role: {"Authorization": f"Bearer {key}"} for role, key in keys.items()},
            audits=audits,
        )
    engine.dispose()


# ---------------------------------------------------------------------------------------------- requests

Request = Callable[[World, str, dict[str, str]], httpx.Response]


def _get_school(world: World, target: str, headers: dict[str, str]) -> httpx.Response:
    return world.client.get(f"/v1/schools/{urn_of(target)}", headers=headers)


def _list_audits(world: World, target: str, headers: dict[str, str]) -> httpx.Response:
    return world.client.get(f"/v1/schools/{urn_of(target)}/audits", headers=headers)


def _get_audit(world: World, target: str, headers: dict[str, str]) -> httpx.Response:
    return world.client.get(f"/v1/audits/{world.audit_of(target)}", headers=headers)


def _get_report(world: World, target: str, headers: dict[str, str]) -> httpx.Response:
    return world.client.get(f"/v1/audits/{world.audit_of(target)}/report", headers=headers)


def _get_report_2025(world: World, target: str, headers: dict[str, str]) -> httpx.Response:
    return world.client.get(
        f"/v1/audits/{world.audit_of(target)}/report", params={"standards": "national@2025.1"}, headers=headers
    )


def _submit(world: World, target: str, headers: dict[str, str]) -> httpx.Response:
    urn = urn_of(target)
    return world.client.post(f"/v1/schools/{urn}/audits", json=example_audit(urn), headers=headers)


def _put_school(world: World, target: str, headers: dict[str, str]) -> httpx.Response:
    # The values it was seeded with, so an admin's update changes nothing the other tests rely on.
    body = {"name": f"School {target}", "phase": "primary", "trust_id": TRUSTS[TRUST_OF[target]]}
    return world.client.put(f"/v1/schools/{urn_of(target)}", json=body, headers=headers)


def _put_trust(world: World, target: str, headers: dict[str, str]) -> httpx.Response:
    trust_id = TRUSTS[target]
    return world.client.put(f"/v1/trusts/{trust_id}", json={"name": f"The {trust_id} trust"}, headers=headers)


def _score(world: World, target: str, headers: dict[str, str]) -> httpx.Response:
    return world.client.post("/v1/score", json=example_audit(urn_of(target)), headers=headers)


READS: dict[str, Request] = {
    "get_school": _get_school,
    "list_audits": _list_audits,
    "get_audit": _get_audit,
    "get_report": _get_report,
    "get_report_2025": _get_report_2025,
}
AUTHENTICATED: dict[str, Request] = {
    **READS,
    "submit": _submit,
    "put_school": _put_school,
    "put_trust": lambda world, _target, headers: _put_trust(world, "A", headers),
    "score": _score,
}

_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ][\d:.]+(?:[+-]\d{2}:\d{2}|Z)?")


def assert_no_leak(world: World, role: str, response: httpx.Response) -> None:
    """The body names no school, trust or audit outside the key's reach, beyond what the request itself named."""
    text = _TIMESTAMP.sub("", response.text)  # microseconds could spell a URN by chance
    asked = str(response.request.url)
    forbidden = [TRUSTS[t] for t in TRUSTS if t not in OWN_TRUSTS[role]]
    for label, urn in SCHOOLS.items():
        if label not in VISIBLE[role]:
            forbidden += [urn, *world.audits[label]]
    for token in forbidden:
        if token in asked:
            continue
        assert not re.search(rf"\b{re.escape(token)}\b", text), f"{role} was shown {token}: {response.text[:300]}"


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["request_id"] == response.headers["x-request-id"]
    return body


# ---------------------------------------------------------------------------------------------- the matrix

READ_CASES = [
    pytest.param(op, role, target, READ[role][index], id=f"{op}-{role}-{target}-{READ[role][index]}")
    for op in READS
    for role in ROLES
    for index, target in enumerate(TARGETS)
]


@pytest.mark.parametrize(("op", "role", "target", "expected"), READ_CASES)
def test_read(world: World, op: str, role: str, target: str, expected: int) -> None:
    response = READS[op](world, target, world.headers[role])
    assert response.status_code == expected, response.text
    assert "x-request-id" in response.headers
    assert_no_leak(world, role, response)
    if expected == 404:
        body = assert_problem(response, 404)
        assert body["code"] == "not_found"
        return
    body = response.json()
    urn = urn_of(target)
    if op == "get_school":
        assert body["urn"] == urn
        assert body["trust_id"] == TRUSTS[TRUST_OF[target]]
    elif op == "list_audits":
        assert body["items"], "every school has an audit stored"
        assert {item["school_urn"] for item in body["items"]} == {urn}
        assert world.audit_of(target) in {item["id"] for item in body["items"]}
    elif op == "get_audit":
        assert body["id"] == world.audit_of(target)
        assert body["school_urn"] == urn
    else:
        assert body["school"]["urn"] == urn
        assert body["standards"]["version"] == ("2025.1" if op == "get_report_2025" else "2026.1")


SUBMIT_CASES = [
    pytest.param(role, target, SUBMIT[role][index], id=f"submit-{role}-{target}-{SUBMIT[role][index]}")
    for role in ROLES
    for index, target in enumerate(TARGETS)
]


@pytest.mark.parametrize(("role", "target", "expected"), SUBMIT_CASES)
def test_submit(world: World, role: str, target: str, expected: int) -> None:
    before = world.count(target)
    response = _submit(world, target, world.headers[role])
    assert response.status_code == expected, response.text
    assert_no_leak(world, role, response)
    if expected == 201:
        audit_id = response.json()["audit"]["id"]
        world.audits[target].append(audit_id)
        assert response.json()["audit"]["school_urn"] == urn_of(target)
        assert world.count(target) == before + 1
    else:
        body = assert_problem(response, expected)
        assert body["code"] == {403: "forbidden", 404: "not_found"}[expected]
        assert world.count(target) == before, "a refused submission stores nothing"


ADMIN_ONLY_CASES = [
    pytest.param(op, role, target, 200 if role == "admin" else 403, id=f"{op}-{role}-{target}")
    for op, targets in (("put_school", ("A1", "A2", "B1", "B2")), ("put_trust", ("A", "B")))
    for role in ROLES
    for target in targets
]


@pytest.mark.parametrize(("op", "role", "target", "expected"), ADMIN_ONLY_CASES)
def test_admin_only_updates(world: World, op: str, role: str, target: str, expected: int) -> None:
    request = _put_school if op == "put_school" else _put_trust
    response = request(world, target, world.headers[role])
    assert response.status_code == expected, response.text
    if expected == 403:
        assert assert_problem(response, 403)["code"] == "forbidden"
    assert_no_leak(world, role, response)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", ["trust", "school"])
def test_admin_only_creates(world: World, role: str, kind: str) -> None:
    admin = world.headers["admin"]
    new = f"{900000 + ROLES.index(role) * 10 + (kind == 'school')}"
    if kind == "trust":
        response = world.client.put(f"/v1/trusts/new-{new}", json={"name": "New"}, headers=world.headers[role])
    else:
        body = {"name": "New school", "trust_id": TRUSTS["A"]}
        response = world.client.put(f"/v1/schools/{new}", json=body, headers=world.headers[role])
    expected = 201 if role == "admin" else 403
    assert response.status_code == expected, response.text
    if kind == "school":
        assert world.client.get(f"/v1/schools/{new}", headers=admin).status_code == (200 if role == "admin" else 404)
    else:
        with session_scope(world.engine) as session:
            assert (repository.get_trust(session=session, trust_id=f"new-{new}") is None) == (role != "admin")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("target", ["A1", "B2"])
def test_any_valid_key_may_score(world: World, role: str, target: str) -> None:
    before = world.count(target)
    response = _score(world, target, world.headers[role])
    assert response.status_code == 200, response.text
    assert response.json()["school"]["urn"] == urn_of(target)  # the key's own request, echoed back
    assert world.count(target) == before, "scoring stores nothing"


# ---------------------------------------------------------------------------------------------- no leaks


@pytest.mark.parametrize("op", [*READS, "submit"])
@pytest.mark.parametrize(("role", "other"), [("trust_a", "B1"), ("school_a1", "A2"), ("governor_a1", "B2")])
def test_not_yours_looks_exactly_like_not_there(world: World, op: str, role: str, other: str) -> None:
    request = _submit if op == "submit" else READS[op]
    headers = world.headers[role]
    missing, hidden = request(world, "unknown", headers), request(world, other, headers)
    assert missing.status_code == hidden.status_code == 404

    def shape(response: httpx.Response, target: str) -> dict[str, Any]:
        body: dict[str, Any] = response.json()
        body.pop("request_id")
        ident = world.audit_of(target) if op.startswith("get_") and op != "get_school" else urn_of(target)
        return {key: value.replace(ident, "<id>") if isinstance(value, str) else value for key, value in body.items()}

    assert shape(missing, "unknown") == shape(hidden, other)
    assert set(missing.headers) == set(hidden.headers)


def test_trust_key_listing_another_trusts_school(world: World) -> None:
    response = _list_audits(world, "B1", world.headers["trust_a"])
    assert response.status_code == 404
    for audit_id in world.audits["B1"]:
        assert audit_id not in response.text
    assert "School B1" not in response.text
    assert TRUSTS["B"] not in response.text


def test_trust_listing_shows_only_its_own(world: World) -> None:
    for label in ("A1", "A2"):
        response = _list_audits(world, label, world.headers["trust_a"])
        assert response.status_code == 200
        ids = {item["id"] for item in response.json()["items"]}
        assert set(world.audits[label]) <= ids
        assert not ids & {i for other in ("B1", "B2") for i in world.audits[other]}


# ---------------------------------------------------------------------------------------------- 401


def _revoked(world: World) -> str:
    with session_scope(world.engine) as session:
        row, key = create_key(session=session, role=Role.admin)
    with session_scope(world.engine) as session:
        revoke_key(session=session, key_id=row.id)
    return f"Bearer {key}"


def _expired(world: World) -> str:
    past = utcnow() - dt.timedelta(seconds=1)
    with session_scope(world.engine) as session:
        _, key = create_key(session=session, role=Role.admin, expires_at=past)
    return f"Bearer {key}"


def _wrong_secret(world: World) -> str:
    real = world.headers["admin"]["Authorization"]
    return real[: real.rindex("_") + 1] + "not-the-secret"


BAD_KEYS: dict[str, Callable[[World], str | None]] = {
    "none": lambda _world: None,
    "revoked": _revoked,
    "expired": _expired,
    "wrong-secret": _wrong_secret,
    "unknown-key": lambda _world: "Bearer oap_000000000000_unknownsecret",
    "basic-scheme": lambda _world: "Basic YWRtaW46YWRtaW4=",
    "bearer-alone": lambda _world: "Bearer",
    "bearer-empty": lambda _world: "Bearer ",
    "not-an-oap-key": lambda _world: "Bearer abc_def_ghi",
    "no-scheme": lambda world: world.headers["admin"]["Authorization"].removeprefix("Bearer "),
}


@pytest.mark.parametrize("op", list(AUTHENTICATED))
@pytest.mark.parametrize("bad", list(BAD_KEYS))
def test_without_a_valid_key_is_401(world: World, op: str, bad: str) -> None:
    header = BAD_KEYS[bad](world)
    before = world.count("A1")
    response = AUTHENTICATED[op](world, "A1", {} if header is None else {"Authorization": header})
    body = assert_problem(response, 401)
    assert body["code"] == "not_authenticated"
    assert response.headers["www-authenticate"] == "Bearer"
    assert world.count("A1") == before
    assert "School A1" not in response.text


def test_revoking_a_key_stops_it_at_once(world: World) -> None:
    with session_scope(world.engine) as session:
        row, key = create_key(session=session, role=Role.school, school_urn=SCHOOLS["A1"])
    headers = {"Authorization": f"Bearer {key}"}
    assert _get_school(world, "A1", headers).status_code == 200
    with session_scope(world.engine) as session:
        revoke_key(session=session, key_id=row.id)
    response = _get_school(world, "A1", headers)
    assert assert_problem(response, 401)["detail"] == "the API key has been revoked"


def test_a_key_works_until_it_expires(world: World) -> None:
    with session_scope(world.engine) as session:
        soon = utcnow() + dt.timedelta(hours=1)
        _, live = create_key(session=session, role=Role.governor, school_urn=SCHOOLS["A1"], expires_at=soon)
    assert _get_school(world, "A1", {"Authorization": f"Bearer {live}"}).status_code == 200
    response = _get_school(world, "A1", {"Authorization": _expired(world)})
    assert assert_problem(response, 401)["detail"] == "the API key has expired"


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/v1/standards", "/v1/standards/national/2026.1"])
def test_health_and_standards_need_no_key(world: World, path: str) -> None:
    assert world.client.get(path).status_code == 200
