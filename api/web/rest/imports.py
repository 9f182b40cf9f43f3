"""Imports of public data files (admin): upload, run in the background, and read the job's status.

``POST /v1/imports/{kind}`` takes the CSV file as the raw request body (``Content-Type: text/csv`` or
``application/octet-stream``: ``curl --data-binary @file``), or as a multipart form upload in a field named
``file``. The body is streamed to a temporary file as it arrives (never held in memory); its header row is
checked before the job is queued, so a file missing columns gets 400 at once. The request body limit
(``OAP_MAX_BODY_BYTES``) applies: a whole GIAS extract is about 60 MB.
"""

from __future__ import annotations

import tempfile
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from api.errors import RequestInvalid
from api.service.access import Principal, require_admin
from api.service.imports.jobs import ImportJob, get_import_job, start_import_job
from api.service.imports.plan import ImportSource
from api.service.imports.summary import ImportKind
from api.web.deps import PrincipalDep, ServicesDep
from api.web.params import NO_CONTROL, JobIdPath, problems

router = APIRouter(prefix="/v1", tags=["imports"])
CHUNK = 1 << 20


UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The CSV file, as the raw request body or as a multipart form upload in a field named `file`.",
        "content": {
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
}


async def _admin(principal: PrincipalDep) -> Principal:
    """Only admin keys may import: refused before a byte of the upload is read."""
    require_admin(principal)
    return principal


AdminDep = Annotated[Principal, Depends(_admin)]


async def _receive_file(request: Request) -> tuple[FilePath, str | None]:
    """The uploaded file streamed to a temporary file, and the name it was sent with (multipart only)."""
    handle = tempfile.NamedTemporaryFile(prefix="oap-import-", suffix=".csv", delete=False)  # noqa: SIM115
    path = FilePath(handle.name)
    name: str | None = None
    try:
        with handle:
            if request.headers.get("content-type", "").startswith("multipart/form-data"):
                async with request.form(max_files=1, max_fields=10) as form:
                    upload = form.get("file")
                    if not isinstance(upload, UploadFile):
                        raise RequestInvalid("send the CSV file in a multipart form field named 'file'")
                    name = upload.filename
                    while chunk := await upload.read(CHUNK):
                        handle.write(chunk)
            else:
                async for chunk in request.stream():
                    handle.write(chunk)
            if handle.tell() == 0:
                raise RequestInvalid("the request has no file; send the CSV file as the body (or a form field 'file')")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, name


@router.post(
    "/imports/{kind}",
    operation_id="startImport",
    status_code=202,
    response_model=ImportJob,
    responses=problems(400, 401, 403, 404, 413, 422),
    openapi_extra=UPLOAD_BODY,
)
async def start_import(
    request: Request,
    services: ServicesDep,
    principal: AdminDep,
    kind: Annotated[ImportKind, Path(description="gias, sen or workforce.")],
    filename: Annotated[
        str | None,
        Query(
            max_length=300,
            pattern=NO_CONTROL,
            description="The file's name, recorded in provenance (default: as sent).",
        ),
    ] = None,
    census: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=40,
            pattern=NO_CONTROL,
            description="SEN and workforce: the census, e.g. 'January 2025' (default: from the time_period column).",
        ),
    ] = None,
) -> JSONResponse:
    """Upload a file to import in the background (admin keys only): 202 with the job and its Location."""
    path, sent_name = await _receive_file(request)
    source = ImportSource(kind, path, file_name=filename or sent_name, census_label=census)
    job = await services.run(start_import_job, principal=principal, source=source)
    return JSONResponse(job.model_dump(mode="json"), status_code=202, headers={"Location": f"/v1/imports/{job.id}"})


@router.get(
    "/imports/{job_id}", operation_id="getImport", response_model=ImportJob, responses=problems(401, 403, 404, 422)
)
async def get_import(
    services: ServicesDep,
    principal: AdminDep,
    job_id: JobIdPath,
) -> ImportJob:
    """An import job's status, counts and first rejected rows (admin keys only)."""
    return await services.run(get_import_job, principal=principal, job_id=job_id)
