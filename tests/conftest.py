"""Shared fixtures: the real standards catalogue and helpers to build audits."""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Iterator, Mapping
from typing import Any, cast

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from api.cli.main import main
from api.config import Environment, Settings
from api.contract.questions import QuestionSet
from api.contract.validation import ValidAudit, validate_audit
from api.engine.scoring import Scorer
from api.rules.catalog import Catalog, load_catalog
from api.service.access import Role, create_key
from api.storage.db import make_engine, session_scope
from api.storage.migrate import upgrade
from api.web.app import create_app
from tests.databases import postgres_schema

TODAY = dt.date(2026, 11, 24)


@functools.cache
def loaded_catalog() -> Catalog:
    """The catalogue under standards/, loaded once per test run."""
    return load_catalog()


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The catalogue under standards/, loaded exactly as the CLI and service load it."""
    return loaded_catalog()


def national_questions(ref: str = "national@2026.1") -> QuestionSet:
    """The questions a national version asks (default: the current one)."""
    return loaded_catalog().get(ref).questions


def run_oap(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Exit status, standard output and standard error of one ``oap`` command run in-process."""
    try:
        code = main(list(argv))
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``extra`` laid over it, section by section."""
    out: dict[str, Any] = {key: dict(value) if isinstance(value, Mapping) else value for key, value in base.items()}
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key].update(value)
        else:
            out[key] = value
    return out


def minimal_audit(**sections: Any) -> dict[str, Any]:
    """The smallest valid audit (date and URN) plus the given sections."""
    return merge({"audit_date": "2026-11-01", "school": {"urn": "100000"}}, sections)


def valid(data: Mapping[str, Any], questions: QuestionSet | None = None) -> ValidAudit:
    """Validate an audit as the service does (today fixed for repeatability), by ``questions`` (default: the
    current national version's)."""
    return validate_audit(data, today=TODAY, questions=questions or national_questions())


def score(catalog: Catalog, ref: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON gap report of ``data`` under ``ref``."""
    return cast(dict[str, Any], Scorer(catalog.get(ref)).score(valid(data)).to_dict())


# ---------------------------------------------------------------------------------------------- databases and the app
#
# Every storage and API test runs on SQLite and, when OAP_TEST_DATABASE_URL is set (CI sets it), on PostgreSQL
# too. Each PostgreSQL test gets a schema of its own, migrated from empty and dropped afterwards. When CI=true
# the PostgreSQL URL must be set and reachable: the suite fails rather than skips.


POSTGRES_URL = os.environ.get("OAP_TEST_DATABASE_URL")
if os.environ.get("CI") == "true" and not POSTGRES_URL:
    raise RuntimeError("CI=true but OAP_TEST_DATABASE_URL is not set: the PostgreSQL suite must run in CI")
DATABASES = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a PostgreSQL schema of this test's own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/oap.db"
        return
    assert POSTGRES_URL is not None
    with postgres_schema(POSTGRES_URL) as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the fresh database, migrated to the newest schema."""
    made = make_engine(database_url)
    upgrade(made)
    yield made
    made.dispose()


@pytest.fixture
def cli_database(engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """The fresh, migrated database, named in OAP_DATABASE_URL as the command reads it."""
    monkeypatch.setenv("OAP_DATABASE_URL", database_url)
    monkeypatch.delenv("OAP_DEBUG", raising=False)
    return engine


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Test settings on the fresh database."""
    return Settings(database_url=database_url, environment=Environment.test, log_level="WARNING")


@pytest.fixture
def app(settings: Settings, engine: Engine) -> FastAPI:
    """The app on the fresh, migrated database; keys are checked against the database on every request."""
    return create_app(settings, key_cache_seconds=0)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A client of the app (raises nothing: server errors come back as responses)."""
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def make_key(engine: Engine, role: str, *, trust: str | None = None, school: str | None = None) -> str:
    """A new API key of ``role`` (for ``trust`` or ``school``), as the Authorization header value."""
    with session_scope(engine) as session:
        _, key = create_key(session=session, role=Role(role), trust_id=trust, school_urn=school)
    return f"Bearer {key}"


def example_audit(urn: str = "113328", **changes: Any) -> dict[str, Any]:
    """The bundled example audit as JSON data, for ``urn``, with top-level ``changes``."""
    import json

    import yaml

    from api.service.demo import REAL_SCHOOLS

    loaded = yaml.safe_load((REAL_SCHOOLS.parent / "example-audit.yaml").read_text(encoding="utf-8"))
    data: dict[str, Any] = json.loads(json.dumps(loaded, default=str))
    data["school"]["urn"] = urn
    data.update(changes)
    return data


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last: Playwright's sync API keeps an event loop running until the session ends, which
    would stop later tests that start one of their own (the generated client's asyncio.run)."""
    items.sort(key=lambda item: item.nodeid.startswith("tests/browser/"))
