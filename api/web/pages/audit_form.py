"""The self-audit form: answering, saving a draft, submitting, and uploading an audit file."""

from __future__ import annotations

import io
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.contract.files import read_csv, read_document
from api.errors import AuditInvalid, Forbidden, InputFileError
from api.service import audits as audit_service
from api.service import drafts, schools
from api.service.access import Principal, Role
from api.web import forms
from api.web.deps import Services, ServicesDep, today
from api.web.pages.common import PagePrincipal, nav
from api.web.pages.schools import school_page_with_errors
from api.web.session import check_csrf
from api.web.templating import page

router = APIRouter(include_in_schema=False)


def form_context(
    services: Services, principal: Principal, urn: str, answers: dict[str, Any] | None, problems: list[Any]
) -> dict[str, Any]:
    school = schools.get_school(engine=services.engine, principal=principal, urn=urn)
    start = drafts.start_form(engine=services.engine, principal=principal, urn=urn)
    nested = answers if answers is not None else start.answers
    flat = forms.flat_answers(nested)
    questions = {q.name: q for _, qs in forms.sections() for q in qs}
    position = {name: index for index, name in enumerate(questions)}
    field_errors: dict[str, str] = {}
    errors = []
    # The error summary lists problems in the order of the fields on the page; each link moves to its field.
    for problem in sorted(problems, key=lambda item: position.get(item.field, -1)):
        question = questions.get(problem.field)
        field_errors.setdefault(problem.field, problem.message)
        label = question.label if question else problem.field
        errors.append({"href": question.anchor if question else "main-content", "text": f"{label}: {problem.message}"})
    return {
        "title": "Self-audit",
        "school": school,
        "sections": forms.sections(),
        "answers": flat,
        "nulls": {path for path, value in flat.items() if value is None},
        "provenance": start.provenance,
        "origin": "form" if answers is not None else start.origin,
        "errors": errors,
        "error_count": len(errors),
        "field_errors": field_errors,
    }


@router.get("/schools/{urn}/audit")
async def audit_form(request: Request, services: ServicesDep, principal: PagePrincipal, urn: str) -> HTMLResponse:
    if principal.role is Role.governor:
        await services.run(schools.get_school, principal=principal, urn=urn)  # 404 first
        raise Forbidden("governors can read this school's reports but cannot fill in its self-audit")
    context = await run_in_threadpool(form_context, services, principal, urn, None, [])
    return page(request, "form.html", {**context, "nav": nav(principal, "school")})


@router.post("/schools/{urn}/audit")
async def submit_form(request: Request, services: ServicesDep, principal: PagePrincipal, urn: str) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    answers = forms.read_form({key: value for key, value in form.items() if isinstance(value, str)}, urn)
    if form.get("action") == "save":
        await services.run(drafts.save_draft, principal=principal, urn=urn, answers=answers)
        return RedirectResponse(f"/schools/{urn}", status_code=303)
    try:
        submission = await services.run(
            audit_service.submit_audit,
            scoring=services.scoring,
            principal=principal,
            urn=urn,
            data=answers,
            source="form",
            today=today(),
        )
    except AuditInvalid as error:
        context = await run_in_threadpool(form_context, services, principal, urn, answers, error.problems)
        return page(request, "form.html", {**context, "nav": nav(principal, "school")}, status=422)
    await services.run(drafts.discard_draft, principal=principal, urn=urn)
    return RedirectResponse(f"/audits/{submission.audit.id}/report", status_code=303)


UPLOAD_ONE = "The file must hold exactly one audit: one CSV row under a header, or one YAML document"


@router.post("/schools/{urn}/audit/upload")
async def upload_audit(
    request: Request,
    services: ServicesDep,
    principal: PagePrincipal,
    urn: str,
) -> Response:
    async with request.form() as form:  # closes the uploaded file's temporary file, whatever happens
        check_csrf(request, str(form.get("csrf", "")))
        audit_file = form.get("audit_file")
        # No file chosen: browsers send an empty part with no file name (or no part at all).
        if isinstance(audit_file, UploadFile) and audit_file.filename:
            name, content = audit_file.filename.lower(), await audit_file.read()
        else:
            name, content = "", b""
    if not name:
        return await school_page_with_errors(
            request, services, principal, urn, {"audit-file": "Choose a CSV or YAML file of the audit to upload"}
        )
    raw = content.decode("utf-8-sig", errors="replace")
    try:
        if name.endswith(".csv"):
            items = list(read_csv(io.StringIO(raw), name))
        elif name.endswith((".yaml", ".yml")):
            items = list(read_document(raw, "yaml", name))
        else:
            message = "The file must be a CSV file (.csv) or a YAML file (.yaml or .yml)"
            return await school_page_with_errors(request, services, principal, urn, {"audit-file": message})
    except InputFileError as error:
        message = f"The file cannot be read: {error.message}"
        return await school_page_with_errors(request, services, principal, urn, {"audit-file": message})
    if len(items) != 1 or items[0].error is not None:
        message = UPLOAD_ONE if len(items) != 1 else f"{UPLOAD_ONE} ({items[0].error})"
        return await school_page_with_errors(request, services, principal, urn, {"audit-file": message})
    data = items[0].data
    if isinstance(data, dict):
        data.setdefault("school", {}).setdefault("urn", urn)
    try:
        submission = await services.run(
            audit_service.submit_audit,
            scoring=services.scoring,
            principal=principal,
            urn=urn,
            data=data,
            source="upload",
            today=today(),
        )
    except AuditInvalid as error:
        answers = data if isinstance(data, dict) else None
        context = await run_in_threadpool(form_context, services, principal, urn, answers, error.problems)
        return page(request, "form.html", {**context, "nav": nav(principal, "school")}, status=422)
    return RedirectResponse(f"/audits/{submission.audit.id}/report", status_code=303)
