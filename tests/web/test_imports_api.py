"""Imports over the API, on each database: upload (raw body or multipart) → 202 → poll the job → done."""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from api.config import Environment, Settings
from api.service.imports import jobs
from api.web.app import create_app
from tests.conftest import make_key

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"
JOB_ID = r"[0-9a-f]{32}"


@pytest.fixture(autouse=True)
def uploads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder of this test's own for the uploaded files (so the test can see each one is removed)."""
    folder = tmp_path / "uploads"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def admin(engine: Engine) -> dict[str, str]:
    """The headers of an admin key."""
    return {"Authorization": make_key(engine, "admin")}


def wait_for(client: TestClient, location: str, headers: dict[str, str], timeout: float = 60) -> dict[str, Any]:
    """The job once it has finished (done or failed), polling its status."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(location, headers=headers)
        assert response.status_code == 200, response.text
        job: dict[str, Any] = response.json()
        assert job["status"] in ("queued", "running", "done", "failed"), job
        if job["status"] in ("done", "failed"):
            return job
        assert time.monotonic() < deadline, f"the import did not finish in {timeout} s: {job}"
        time.sleep(0.05)


def upload_raw(
    client: TestClient, kind: str, name: str, headers: dict[str, str], **query: str
) -> tuple[int, dict[str, Any], str | None]:
    """POST a fixture as the raw body; the status, body and Location."""
    response = client.post(
        f"/v1/imports/{kind}",
        content=(FIXTURES / name).read_bytes(),
        params={"filename": name, **query},
        headers={**headers, "Content-Type": "text/csv"},
    )
    return response.status_code, response.json(), response.headers.get("location")


def import_and_wait(client: TestClient, kind: str, name: str, headers: dict[str, str], **query: str) -> dict[str, Any]:
    """Upload a fixture, check the 202, and wait for the job to finish."""
    status, body, location = upload_raw(client, kind, name, headers, **query)
    assert status == 202, body
    assert location == f"/v1/imports/{body['id']}"
    return wait_for(client, location, headers)


def counts(job: dict[str, Any]) -> tuple[int, ...]:
    """(rows, created, updated, unchanged, rejected, skipped) of a job."""
    return tuple(job[name] for name in ("rows", "created", "updated", "unchanged", "rejected", "skipped"))


def table_size(engine: Engine, table: str) -> int:
    """How many rows ``table`` holds."""
    with engine.connect() as connection:
        return int(connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


# ---------------------------------------------------------------------------------------------- uploads that work


def test_gias_upload_is_accepted_then_done_with_its_counts(
    client: TestClient, engine: Engine, admin: dict[str, str], uploads: Path
) -> None:
    status, body, location = upload_raw(client, "gias", "gias-2025-01.csv", admin)
    assert status == 202, body
    assert body["status"] in ("queued", "running", "done")
    assert (body["kind"], body["filename"]) == ("gias", "gias-2025-01.csv")
    assert location == f"/v1/imports/{body['id']}"
    job = wait_for(client, location, admin)
    assert job["status"] == "done", job
    assert counts(job) == (11, 11, 0, 0, 0, 0)
    assert (job["problems"], job["message"]) == ([], "trusts: 2 created, 0 updated")
    assert job["finished_at"] is not None
    assert table_size(engine, "schools") == 11
    assert list(uploads.iterdir()) == [], "the uploaded file must be removed when the job ends"
    again = import_and_wait(client, "gias", "gias-2025-01.csv", admin)
    assert counts(again) == (11, 0, 0, 11, 0, 0)
    assert again["id"] != job["id"]


def test_sen_as_a_multipart_upload_prefills_drafts(client: TestClient, engine: Engine, admin: dict[str, str]) -> None:
    import_and_wait(client, "gias", "gias-2025-01.csv", admin)
    response = client.post(
        "/v1/imports/sen",
        files={"file": ("sen-2025.csv", (FIXTURES / "sen-2025.csv").read_bytes(), "text/csv")},
        headers=admin,
    )
    assert response.status_code == 202, response.text
    job = wait_for(client, response.headers["location"], admin)
    assert (job["status"], job["filename"]) == ("done", "sen-2025.csv")
    assert counts(job) == (6, 5, 0, 0, 0, 1)
    assert job["message"] == "census January 2025 (time_period 202425); 1 row skipped (other years, or not a school)"
    with engine.connect() as connection:
        notes = connection.execute(sa.text("SELECT provenance FROM drafts WHERE school_urn = '113328'")).scalar_one()
    if isinstance(notes, str):  # SQLite returns JSON text to a plain text query
        notes = json.loads(notes)
    assert notes["pupils.on_roll"] == {"source": "sen", "file": "sen-2025.csv", "census": "January 2025"}


def test_workforce_census_can_be_named_in_the_query(client: TestClient, engine: Engine, admin: dict[str, str]) -> None:
    import_and_wait(client, "gias", "gias-2025-01.csv", admin)
    status, body, _ = upload_raw(client, "workforce", "workforce-legacy.csv", admin)
    assert status == 400
    assert body["code"] == "input_invalid"
    assert "has no time_period column" in body["detail"]
    job = import_and_wait(client, "workforce", "workforce-legacy.csv", admin, census="November 2024")
    assert (job["status"], counts(job)) == ("done", (1, 1, 0, 0, 0, 0))
    assert job["message"] == "census November 2024"


def test_bad_rows_are_listed_on_the_job_with_their_lines(client: TestClient, admin: dict[str, str]) -> None:
    job = import_and_wait(client, "gias", "gias-bad-rows.csv", admin)
    assert job["status"] == "done"
    assert counts(job) == (10, 3, 0, 0, 7, 0)
    assert [problem["line"] for problem in job["problems"]] == [3, 4, 5, 6, 7, 8, 11]
    assert job["problems"][0] == {
        "line": 3,
        "message": "URN is '10001X'; it must be the school's 6-digit unique reference number",
    }


# ---------------------------------------------------------------------------------------------- refused


@pytest.mark.parametrize(
    ("content", "content_type", "status", "code", "detail"),
    [
        (b"", "text/csv", 400, "request_invalid", "the request has no file"),
        (b"URN,EstablishmentName\r\n100000,A school\r\n", "text/csv", 400, "input_invalid", "has no columns"),
        (b"--x\r\n", "multipart/form-data; boundary=x", 400, "request_invalid", "form field named 'file'"),
    ],
    ids=["empty", "missing-columns", "multipart-without-file"],
)
def test_unusable_uploads_are_refused_at_once_and_no_job_is_made(
    client: TestClient,
    engine: Engine,
    admin: dict[str, str],
    uploads: Path,
    content: bytes,
    content_type: str,
    status: int,
    code: str,
    detail: str,
) -> None:
    response = client.post("/v1/imports/gias", content=content, headers={**admin, "Content-Type": content_type})
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert (response.json()["code"], detail in response.json()["detail"]) == (code, True)
    assert table_size(engine, "import_jobs") == 0
    assert table_size(engine, "schools") == 0
    assert list(uploads.iterdir()) == []


@pytest.mark.parametrize("role", ["trust", "school", "governor"])
def test_only_admin_keys_may_import_or_read_jobs(
    client: TestClient, engine: Engine, admin: dict[str, str], role: str
) -> None:
    job = import_and_wait(client, "gias", "gias-2025-01.csv", admin)
    scope = {"trust": "4001"} if role == "trust" else {"school": "113328"}
    other = {"Authorization": make_key(engine, role, **scope)}
    status, body, _ = upload_raw(client, "gias", "gias-2025-07.csv", other)
    assert (status, body["code"]) == (403, "forbidden")
    response = client.get(f"/v1/imports/{job['id']}", headers=other)
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    assert table_size(engine, "import_jobs") == 1


def test_without_a_key_it_is_401(client: TestClient) -> None:
    assert client.post("/v1/imports/gias", content=b"URN\r\n").status_code == 401
    assert client.get(f"/v1/imports/{'0' * 32}").status_code == 401


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("get", f"/v1/imports/{'0' * 32}", 404, "not_found"),
        ("get", "/v1/imports/gias", 422, "request_invalid"),
        ("get", "/v1/imports/%00", 422, "request_invalid"),
        ("post", "/v1/imports/census", 422, "request_invalid"),
        ("post", "/v1/imports/sen?census=", 422, "request_invalid"),
    ],
)
def test_unknown_jobs_and_kinds(
    client: TestClient, admin: dict[str, str], method: str, path: str, status: int, code: str
) -> None:
    response = client.request(method, path, content=b"URN\r\n", headers=admin)
    assert (response.status_code, response.json()["code"]) == (status, code)


def test_a_body_over_the_limit_gets_413(engine: Engine, database_url: str, admin: dict[str, str]) -> None:
    settings = Settings(
        database_url=database_url,
        environment=Environment.test,
        log_level="WARNING",
        max_body_bytes=1_048_576,
        max_import_bytes=2048,  # uploads of public data files have a limit of their own
    )
    with TestClient(create_app(settings, key_cache_seconds=0), raise_server_exceptions=False) as small:
        status, body, _ = upload_raw(small, "gias", "gias-2025-01.csv", admin)
        assert (status, body["code"]) == (413, "payload_too_large")
        chunks: Iterator[bytes] = iter([(FIXTURES / "gias-2025-01.csv").read_bytes()])  # no Content-Length
        streamed = small.post("/v1/imports/gias", content=chunks, headers={**admin, "Content-Type": "text/csv"})
        assert (streamed.status_code, streamed.json()["code"]) == (413, "payload_too_large")
    assert table_size(engine, "import_jobs") == 0


def test_a_job_that_breaks_is_marked_failed_and_its_file_removed(
    client: TestClient, admin: dict[str, str], uploads: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**_: Any) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(jobs, "run_import", broken)
    job = import_and_wait(client, "gias", "gias-2025-01.csv", admin)
    assert job["status"] == "failed"
    assert job["message"].startswith(f"the import stopped on an unexpected error (logged under job {job['id']})")
    assert "importing the file again is safe" in job["message"]
    assert "disk on fire" not in job["message"]
    assert job["finished_at"] is not None
    assert list(uploads.iterdir()) == []
