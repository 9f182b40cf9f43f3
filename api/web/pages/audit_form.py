"""The self-audit form: answering, saving a draft, submitting, and uploading an audit file."""

from __future__ import annotations

import io
from typing import Any, TypedDict

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from api.contract.files import QuestionsFor, read_csv, read_document
from api.errors import AuditInvalid, FieldProblem, Forbidden, InputFileError
from api.service import drafts, schools
from api.service.access import Principal, Role
from api.web import forms
from api.web.deps import Services, ServicesDep
from api.web.pages.common import PagePrincipal, signed_in_page
from api.web.pages.schools import school_page_with_errors
from api.web.session import check_csrf

router = APIRouter(include_in_schema=False)
UPLOAD_ONE = "The file must hold exactly one audit: one CSV row under a header, or one YAML document"


class ErrorLink(TypedDict):
    """One entry of an error summary: the id of the field it links to, and the message."""

    href: str
    text: str


class FormPage(TypedDict):
    """What form.html shows."""

    title: str
    school: schools.SchoolOut
    sections: list[tuple[str, list[forms.Question]]]
    answers: dict[str, Any]
    nulls: set[str]
    provenance: dict[str, Any]
    origin: str
    errors: list[ErrorLink]
    error_count: int
    field_errors: dict[str, str]


def form_context(
    services: Services,
    principal: Principal,
    urn: str,
    answers: dict[str, Any] | None,
    problems: list[FieldProblem],
) -> FormPage:
    """What form.html shows: the questions by section, the answers (those given, else the draft or last audit) and
    each problem beside its field, listed in page order. Raises NotFound for a school the key cannot see."""
    school = schools.get_school(engine=services.engine, principal=principal, urn=urn)
    start = drafts.start_form(engine=services.engine, principal=principal, urn=urn)
    nested = answers if answers is not None else start.answers
    flat = forms.flat_answers(nested)
    questions = {q.name: q for _, qs in forms.sections() for q in qs}
    position = {name: index for index, name in enumerate(questions)}
    field_errors: dict[str, str] = {}
    errors: list[ErrorLink] = []
    # The error summary lists problems in the order of the fields on the page; each link moves to its field.
    for problem in sorted(problems, key=lambda item: position.get(item.field, -1)):
        question = questions.get(problem.field)
        field_errors.setdefault(problem.field, problem.message)
        label = question.label if question else problem.field
        errors.append({"href": question.anchor if question else "main-content", "text": f"{label}: {problem.message}"})
    return FormPage(
        title="Self-audit",
        school=school,
        sections=forms.sections(),
        answers=flat,
        nulls={path for path, value in flat.items() if value is None},
        provenance=start.provenance,
        origin="form" if answers is not None else start.origin,
        errors=errors,
        error_count=len(errors),
        field_errors=field_errors,
    )


@router.get("/schools/{urn}/audit")
async def audit_form(request: Request, services: ServicesDep, principal: PagePrincipal, urn: str) -> HTMLResponse:
    """The form, prefilled from the school's draft or last audit; governors may not fill it in (403)."""
    if principal.role is Role.governor:
        await services.run(schools.get_school, principal=principal, urn=urn)  # 404 first
        raise Forbidden("governors can read this school's reports but cannot fill in its self-audit")
    context = await services.build(form_context, principal, urn, None, [])
    return signed_in_page(request, "form.html", context, principal)


async def submit_or_redisplay(
    request: Request,
    services: Services,
    principal: Principal,
    urn: str,
    data: Any,
    *,
    source: str,
    discard_draft: bool = False,
) -> Response:
    """Submit an audit from a page: on success, go to its report (303, first discarding the school's draft when
    asked); when it is not valid, the form again (422) with the answers given and every problem beside its field."""
    try:
        submission = await services.submit(principal=principal, urn=urn, data=data, source=source)
    except AuditInvalid as error:
        answers = data if isinstance(data, dict) else None
        context = await services.build(form_context, principal, urn, answers, error.problems)
        return signed_in_page(request, "form.html", context, principal, status=422)
    if discard_draft:
        await services.run(drafts.discard_draft, principal=principal, urn=urn)
    return RedirectResponse(f"/audits/{submission.audit.id}/report", status_code=303)


@router.post("/schools/{urn}/audit")
async def submit_form(request: Request, services: ServicesDep, principal: PagePrincipal, urn: str) -> Response:
    """Save the answers as a draft (action=save), or submit them."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    answers = forms.read_form({key: value for key, value in form.items() if isinstance(value, str)}, urn)
    if form.get("action") == "save":
        await services.run(drafts.save_draft, principal=principal, urn=urn, answers=answers)
        return RedirectResponse(f"/schools/{urn}", status_code=303)
    return await submit_or_redisplay(request, services, principal, urn, answers, source="form", discard_draft=True)


def read_upload(name: str, content: bytes, urn: str, questions: QuestionsFor) -> tuple[Any, str | None]:
    """The one audit in an uploaded file (by its lower-case name, .csv or .yaml/.yml) and None, or None and the
    message to show beside the file field. A mapping without a URN gets the school's; CSV cells are read by
    ``questions`` (given the row's audit date)."""
    if not name:
        return None, "Choose a CSV or YAML file of the audit to upload"
    raw = content.decode("utf-8-sig", errors="replace")
    try:
        if name.endswith(".csv"):
            items = list(read_csv(io.StringIO(raw), name, questions))
        elif name.endswith((".yaml", ".yml")):
            items = list(read_document(raw, "yaml", name))
        else:
            return None, "The file must be a CSV file (.csv) or a YAML file (.yaml or .yml)"
    except InputFileError as error:
        return None, f"The file cannot be read: {error.message}"
    if len(items) != 1 or items[0].error is not None:
        return None, UPLOAD_ONE if len(items) != 1 else f"{UPLOAD_ONE} ({items[0].error})"
    data = items[0].data
    if isinstance(data, dict):
        data.setdefault("school", {}).setdefault("urn", urn)
    return data, None


@router.post("/schools/{urn}/audit/upload")
async def upload_audit(request: Request, services: ServicesDep, principal: PagePrincipal, urn: str) -> Response:
    """Submit an audit from an uploaded CSV or YAML file; a file that cannot be read shows on the school page (400)."""
    async with request.form() as form:  # closes the uploaded file's temporary file, whatever happens
        check_csrf(request, str(form.get("csrf", "")))
        audit_file = form.get("audit_file")
        # No file chosen: browsers send an empty part with no file name (or no part at all).
        if isinstance(audit_file, UploadFile) and audit_file.filename:
            name, content = audit_file.filename.lower(), await audit_file.read()
        else:
            name, content = "", b""
    data, message = read_upload(name, content, urn, services.scoring.questions_for)
    if message is not None:
        return await school_page_with_errors(request, services, principal, urn, {"audit-file": message})
    return await submit_or_redisplay(request, services, principal, urn, data, source="upload")
