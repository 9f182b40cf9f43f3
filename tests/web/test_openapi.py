"""The OpenAPI document: committed and current, well formed for clients, and good enough for a real generator.

The last tests generate a Python client with openapi-python-client (offline, from openapi/openapi.json), import
it, and drive the app through it over an in-process httpx transport, asserting the typed results.
"""

from __future__ import annotations

import asyncio
import difflib
import importlib
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from api.cli.serve import OPENAPI_PATH, openapi_text
from api.contract.question_model import audit_model
from api.rules.catalog import Catalog
from tests.conftest import example_audit, make_key

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / OPENAPI_PATH
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
CAMEL_CASE = re.compile(r"^[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)*$")
# Generated clients name their functions after these: renaming one breaks every client, so they are pinned.
PINNED_OPERATION_IDS = {
    ("get", "/healthz"): "healthz",
    ("get", "/readyz"): "readyz",
    ("get", "/v1/standards"): "listStandards",
    ("get", "/v1/standards/{set_name}/diff"): "diffStandards",
    ("get", "/v1/standards/{set_name}/{version}"): "getStandards",
    ("put", "/v1/trusts/{trust_id}"): "putTrust",
    ("put", "/v1/schools/{urn}"): "putSchool",
    ("get", "/v1/schools/{urn}"): "getSchool",
    ("post", "/v1/score"): "scoreAudit",
    ("post", "/v1/schools/{urn}/audits"): "submitAudit",
    ("get", "/v1/schools/{urn}/audits"): "listAudits",
    ("get", "/v1/audits/{audit_id}"): "getAudit",
    ("get", "/v1/audits/{audit_id}/report"): "getAuditReport",
}
RAW_BODY_OPERATIONS = ("scoreAudit", "submitAudit")
PROBLEM_REF = "#/components/schemas/Problem"
PACKAGE = "oap_generated_client"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    """The committed document, parsed."""
    loaded: dict[str, Any] = json.loads(COMMITTED.read_text(encoding="utf-8"))
    return loaded


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every (method, path, operation) of the document."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method, path, operation


# ------------------------------------------------------------------------------------------ the committed document


def test_committed_document_is_byte_for_byte_current() -> None:
    current = openapi_text()
    committed = COMMITTED.read_bytes()
    if committed != current.encode("utf-8"):
        diff = "".join(
            list(
                difflib.unified_diff(
                    committed.decode("utf-8", "replace").splitlines(keepends=True),
                    current.splitlines(keepends=True),
                    fromfile=str(OPENAPI_PATH),
                    tofile="openapi_text()",
                )
            )[:60]
        )
        pytest.fail(f"{OPENAPI_PATH} is not the app's current OpenAPI document: run `make openapi`\n{diff}")


def test_operation_ids_are_camel_case_unique_and_stable(document: dict[str, Any]) -> None:
    found: dict[tuple[str, str], str] = {
        (method, path): operation.get("operationId", "") for method, path, operation in operations(document)
    }
    missing = sorted(f"{method.upper()} {path}" for (method, path), op_id in found.items() if not op_id)
    assert not missing, f"operations without an operationId: {missing}"
    not_camel = sorted(op_id for op_id in found.values() if not CAMEL_CASE.match(op_id))
    assert not not_camel, f"operationIds that are not camelCase (set operation_id= on the route): {not_camel}"
    ids = list(found.values())
    assert len(ids) == len(set(ids)), f"duplicate operationIds: {sorted({i for i in ids if ids.count(i) > 1})}"
    changed = {
        key: (pinned, found.get(key)) for key, pinned in PINNED_OPERATION_IDS.items() if found.get(key) != pinned
    }
    assert not changed, f"operationIds removed or renamed (clients call these by name): {changed}"


def test_non_public_operations_need_a_key_and_declare_401(document: dict[str, Any]) -> None:
    assert document["components"]["securitySchemes"]["apiKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["apiKey"]["description"],
    }
    assert document["security"] == [{"apiKey": []}]
    public, without_401 = set(), []
    for method, path, operation in operations(document):
        security = operation.get("security", document["security"])
        if security == []:
            public.add(operation["operationId"])
            continue
        assert security == [{"apiKey": []}], f"{method.upper()} {path}: unexpected security {security}"
        if "401" not in operation["responses"]:
            without_401.append(f"{method.upper()} {path}")
    assert not without_401, f"operations that need a key but do not declare 401: {without_401}"
    assert {"healthz", "readyz", "listStandards", "getStandards", "diffStandards"} <= public
    assert not {"putTrust", "putSchool", "getSchool", "getAudit", "submitAudit", "scoreAudit"} & public


def test_audit_schema_is_a_component_and_the_raw_body_posts_use_it(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    audit = schemas["Audit"]
    assert audit["type"] == "object"
    assert audit["additionalProperties"] is False
    assert set(audit["required"]) == {"audit_date", "school"}
    assert "$defs" not in audit, "the Audit schema's $defs must be hoisted into components"
    by_id = {operation["operationId"]: (method, path, operation) for method, path, operation in operations(document)}
    for op_id in RAW_BODY_OPERATIONS:
        method, _, operation = by_id[op_id]
        assert method == "post", op_id
        body = operation["requestBody"]
        assert body["required"] is True, op_id
        assert body["content"] == {"application/json": {"schema": {"$ref": "#/components/schemas/Audit"}}}, op_id


def test_the_audit_schema_is_the_newest_national_version_s_audit_model(
    document: dict[str, Any], catalog: Catalog
) -> None:
    newest = catalog.newest("national")
    expected = audit_model(newest.questions).model_json_schema(ref_template="#/components/schemas/{model}")
    schemas = document["components"]["schemas"]
    for name, schema in expected.pop("$defs").items():
        assert schemas[name] == schema, name
    assert schemas["Audit"] == expected
    on_roll = schemas["Pupils"]["properties"]["on_roll"]["anyOf"][0]
    assert (on_roll["minimum"], on_roll["maximum"]) == newest.questions.by_id()["pupils.on_roll"].limits


def test_every_reference_resolves(document: dict[str, Any]) -> None:
    refs: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.add(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    assert "#/components/schemas/Audit" in refs
    dangling = []
    for ref in sorted(refs):
        assert ref.startswith("#/"), f"only local references are expected: {ref}"
        node: Any = document
        for part in ref[2:].split("/"):
            node = node.get(part.replace("~1", "/").replace("~0", "~")) if isinstance(node, dict) else None
        if node is None:
            dangling.append(ref)
    assert not dangling, f"references to nothing: {dangling}"


def test_error_responses_are_documented_as_problem_json(document: dict[str, Any]) -> None:
    """Every error the app sends is application/problem+json with the Problem schema: the document must say so,
    and only so (clients and generators take the first media type listed)."""
    wrong = []
    for method, path, operation in operations(document):
        for status, response in operation["responses"].items():
            if not status.startswith(("4", "5")):
                continue
            content = response.get("content", {})
            if content != {"application/problem+json": {"schema": {"$ref": PROBLEM_REF}}}:
                wrong.append(f"{method.upper()} {path} {status}: {json.dumps(content, sort_keys=True)}")
    assert not wrong, "error responses not documented as application/problem+json with the Problem schema:\n" + (
        "\n".join(wrong)
    )


# --------------------------------------------------------------------------------------------- a generated client


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], ModuleType]]:
    """openapi-python-client run on the committed document (offline, failing on any warning), imported.

    Yields ``load(name)``, which imports ``name`` from the generated package (e.g. ``models``,
    ``api.audits.submit_audit``).
    """
    out = tmp_path_factory.mktemp("generated")
    config = out / "config.yaml"
    config.write_text("post_hooks: []\n", encoding="utf-8")  # no formatting: ruff need not be on PATH
    command = [
        str(Path(sys.executable).parent / "openapi-python-client"),
        "generate",
        "--path",
        str(COMMITTED),
        "--output-path",
        str(out / PACKAGE),
        "--meta",
        "none",
        "--config",
        str(config),
        "--fail-on-warning",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"openapi-python-client failed on {OPENAPI_PATH}:\n{done.stdout}\n{done.stderr}"
    assert (out / PACKAGE / "client.py").is_file(), done.stdout
    sys.path.insert(0, str(out))
    try:
        importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(out))  # submodules are found through the package from now on

    def load(name: str) -> ModuleType:
        return importlib.import_module(f"{PACKAGE}.{name}")

    yield load
    for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
        del sys.modules[name]


def test_generator_makes_a_function_per_operation(
    generated: Callable[[str], ModuleType], document: dict[str, Any]
) -> None:
    for _, _, operation in operations(document):
        tag = operation["tags"][0] if operation.get("tags") else "default"
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", operation["operationId"]).lower()
        module = generated(f"api.{tag}.{snake}")
        for function in ("sync", "sync_detailed", "asyncio", "asyncio_detailed"):
            assert callable(getattr(module, function)), f"{module.__name__}.{function}"


@pytest.fixture
def served(app: FastAPI) -> Iterator[FastAPI]:
    """The app, reached through httpx.ASGITransport (which runs no lifespan): its pool is closed afterwards."""
    yield app
    app.state.services.engine.dispose()


def _client(generated: Callable[[str], ModuleType], app: FastAPI, authorization: str | None) -> Any:
    """A generated client whose requests go to ``app`` in-process; unknown statuses raise."""
    client = generated("client")
    transport = httpx.ASGITransport(app=app)
    if authorization is None:
        return client.Client(
            base_url="http://testserver", raise_on_unexpected_status=True, httpx_args={"transport": transport}
        )
    prefix, token = authorization.split(" ", 1)
    return client.AuthenticatedClient(
        base_url="http://testserver",
        token=token,
        prefix=prefix,
        raise_on_unexpected_status=True,
        httpx_args={"transport": transport},
    )


def _seed_school(app: FastAPI, admin: str) -> None:
    """Trust T1 and school 113328, made without the generated client."""
    with TestClient(app) as raw:
        assert raw.put("/v1/trusts/T1", json={"name": "Trust one"}, headers={"Authorization": admin}).status_code == 201
        created = raw.put(
            "/v1/schools/113328", json={"name": "Yealmpstone Farm", "trust_id": "T1"}, headers={"Authorization": admin}
        )
        assert created.status_code == 201, created.text


def test_generated_client_creates_and_updates_a_trust_and_school(
    generated: Callable[[str], ModuleType], served: FastAPI, engine: Engine
) -> None:
    models = generated("models")
    put_trust, put_school = generated("api.schools.put_trust"), generated("api.schools.put_school")
    client = _client(generated, served, make_key(engine, "admin"))

    async def run() -> None:
        async with client:
            created = await put_trust.asyncio_detailed("T1", client=client, body=models.TrustIn(name="Trust one"))
            assert created.status_code == 201
            assert isinstance(created.parsed, models.TrustOut)
            assert (created.parsed.id, created.parsed.name) == ("T1", "Trust one")
            updated = await put_trust.asyncio_detailed("T1", client=client, body=models.TrustIn(name="Trust 1"))
            assert updated.status_code == 200
            assert isinstance(updated.parsed, models.TrustOut)
            assert updated.parsed.name == "Trust 1"
            school = await put_school.asyncio_detailed(
                "113328", client=client, body=models.SchoolIn(name="Yealmpstone Farm", trust_id="T1")
            )
            assert school.status_code == 201
            assert isinstance(school.parsed, models.SchoolOut)
            assert (school.parsed.urn, school.parsed.trust_id, school.parsed.status) == ("113328", "T1", "open")

    asyncio.run(run())


def test_generated_client_submits_an_audit_and_reads_it_back(
    generated: Callable[[str], ModuleType], served: FastAPI, engine: Engine
) -> None:
    admin = make_key(engine, "admin")
    _seed_school(served, admin)
    models = generated("models")
    submit_audit, get_audit = generated("api.audits.submit_audit"), generated("api.audits.get_audit")
    get_report, list_audits = generated("api.audits.get_audit_report"), generated("api.audits.list_audits")
    score_audit, get_school = generated("api.audits.score_audit"), generated("api.schools.get_school")
    client = _client(generated, served, admin)
    audit = models.Audit.from_dict(example_audit())
    assert audit.to_dict() == example_audit(), "the generated Audit model does not round-trip the example audit"

    async def run() -> None:
        async with client:
            school = await get_school.asyncio("113328", client=client)
            assert isinstance(school, models.SchoolOut)
            assert school.name == "Yealmpstone Farm"

            submitted = await submit_audit.asyncio_detailed("113328", client=client, body=audit)
            assert submitted.status_code == 201, submitted.content
            assert isinstance(submitted.parsed, models.AuditSubmitted)
            summary, report = submitted.parsed.audit, submitted.parsed.report
            assert isinstance(summary, models.AuditSummary)
            assert re.fullmatch(r"[0-9a-f]{32}", summary.id)
            assert submitted.headers["location"] == f"/v1/audits/{summary.id}"
            assert (summary.school_urn, summary.audit_date) == ("113328", example_audit()["audit_date"])
            assert isinstance(report, models.GapReportOut)
            assert report.school.urn == "113328"
            assert isinstance(report.score, float)
            assert 0 <= report.score <= 100
            assert report.results
            assert all(isinstance(result, models.ResultOut) for result in report.results)
            assert all(isinstance(result.status, models.ResultOutStatus) for result in report.results)
            assert {result.domain for result in report.results} == {domain.id for domain in report.domains}

            detail = await get_audit.asyncio(summary.id, client=client)
            assert isinstance(detail, models.AuditDetail)
            assert (detail.id, detail.school_urn) == (summary.id, "113328")
            assert detail.audit.to_dict()["school"]["urn"] == "113328"

            stored = await get_report.asyncio(summary.id, client=client)
            assert isinstance(stored, models.GapReportOut)
            assert stored.to_dict() == report.to_dict()

            page = await list_audits.asyncio("113328", client=client, limit=5)
            assert isinstance(page, models.AuditPage)
            assert [item.id for item in page.items] == [summary.id]
            assert page.next_cursor is None

            scored = await score_audit.asyncio(client=client, body=audit)
            assert isinstance(scored, models.GapReportOut)
            assert (scored.score, scored.band) == (report.score, report.band)

    asyncio.run(run())


def test_generated_client_reads_the_standards(
    generated: Callable[[str], ModuleType], served: FastAPI, catalog: Catalog
) -> None:
    models = generated("models")
    list_standards, get_standards = generated("api.standards.list_standards"), generated("api.standards.get_standards")
    diff_standards = generated("api.standards.diff_standards")
    client = _client(generated, served, None)

    async def run() -> None:
        async with client:
            listed = await list_standards.asyncio(client=client)
            assert isinstance(listed, list)
            assert all(isinstance(item, models.StandardsSummary) for item in listed)
            assert {f"{item.set_}@{item.version}" for item in listed} == {s.ref for s in catalog.all()}
            detail = await get_standards.asyncio("national", "2026.1", client=client)
            assert isinstance(detail, models.StandardsDetail)
            assert detail.rules
            assert len(detail.rules) == next(item.rules for item in listed if item.version == "2026.1")
            diff = await diff_standards.asyncio("national", client=client, from_="2025.1", to="2026.1")
            assert isinstance(diff, models.StandardsDiff)
            assert (diff.from_.version, diff.to.version) == ("2025.1", "2026.1")

    asyncio.run(run())


def test_generated_client_reads_problems(
    generated: Callable[[str], ModuleType], served: FastAPI, engine: Engine
) -> None:
    admin = make_key(engine, "admin")
    _seed_school(served, admin)
    models = generated("models")
    get_school, get_audit = generated("api.schools.get_school"), generated("api.audits.get_audit")
    submit_audit, get_standards = generated("api.audits.submit_audit"), generated("api.standards.get_standards")
    anonymous, client = _client(generated, served, None), _client(generated, served, admin)

    async def run() -> None:
        async with anonymous, client:
            problems = {
                "getSchool 401": await get_school.asyncio_detailed("113328", client=anonymous),
                "getStandards 404": await get_standards.asyncio_detailed("national", "1999.1", client=anonymous),
                "getAudit 404": await get_audit.asyncio_detailed("0" * 32, client=client),
                "submitAudit 422": await submit_audit.asyncio_detailed(
                    "113328",
                    client=client,
                    body=models.Audit.from_dict(example_audit(audit_date="2999-01-01")),
                ),
            }
            untyped = {
                key: response.headers.get("content-type")
                for key, response in problems.items()
                if not isinstance(response.parsed, models.Problem)
            }
            assert not untyped, f"error responses the generated client cannot parse as Problem: {untyped}"
            assert problems["getSchool 401"].parsed.code == "not_authenticated"
            assert problems["getStandards 404"].parsed.code == "standards_not_found"
            assert problems["getAudit 404"].parsed.code == "not_found"
            assert problems["submitAudit 422"].parsed.code == "audit_invalid"
            assert [error.field for error in problems["submitAudit 422"].parsed.errors] == ["audit_date"]

    asyncio.run(run())
