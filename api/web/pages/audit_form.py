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
from api.web.deps import Services, ServicesDep, today
from api.web.pages.common import PagePrincipal, signed_in_page
from api.web.pages.schools import school_page_with_errors
from api.web.session import check_csrf

router = APIRouter(include_in_schema=False)
UPLOAD_ONE = "The file must hold exactly one audit: one CSV row under a header, or one YAML document"


class FormPage(TypedDict):
    """What form.html shows: the school, the form of a standards version (``version``, and ``standards``: the
    version asked for, posted back in a hidden field, or "" to follow the audit date), the text of each field by
    its name, the dates answered "there is none", where prefilled values came from, and the problems."""

    title: str
    school: schools.SchoolOut
    version: str
    version_title: str
    standards: str
    sections: tuple[forms.FormSection, ...]
    values: dict[str, str]
    nulls: set[str]
    provenance: dict[str, Any]
    origin: str
    errors: list[forms.ErrorLink]
    error_count: int
    field_errors: dict[str, str]


def form_context(
    services: Services,
    principal: Principal,
    urn: str,
    answers: dict[str, Any] | None,
    problems: list[FieldProblem],
    standards: str | None = None,
) -> FormPage:
    """What form.html shows: the questions of the version the audit will be scored against (``standards``, else
    the one the draft asked for, else the national version in effect on the audit date), by section; the answers
    to them (those given, else the draft's or the last audit's) and each problem beside its field, listed in page
    order. Raises NotFound for a school the key cannot see, StandardsNotFound for an unknown ``standards``."""
    school = schools.get_school(engine=services.engine, principal=principal, urn=urn)
    start = drafts.start_form(engine=services.engine, principal=principal, urn=urn)
    if answers is None:
        standards = standards or start.standards
    nested = answers if answers is not None else start.answers
    version = drafts.form_version(services.catalog, standards=standards, answers=nested, today=today())
    start = drafts.for_questions(start, version.questions)
    form = forms.sections(version.questions)
    values, nulls = forms.form_values(nested, form)
    field_errors, errors = forms.place_problems(problems, form)
    return FormPage(
        title="Self-audit",
        school=school,
        version=version.ref,
        version_title=version.title,
        standards=standards or "",
        sections=form,
        values=values,
        nulls=nulls,
        provenance=start.provenance,
        origin="form" if answers is not None else start.origin,
        errors=errors,
        error_count=len(errors),
        field_errors=field_errors,
    )


@router.get("/schools/{urn}/audit")
async def audit_form(
    request: Request, services: ServicesDep, principal: PagePrincipal, urn: str, standards: str | None = None
) -> HTMLResponse:
    """The form, prefilled from the school's draft or last audit, with the questions of ``standards`` (SET@VERSION)
    when asked, else of the version the draft asked for, else of the national version in effect on the audit date.
    Governors may not fill it in (403); an unknown version is not found (404)."""
    if principal.role is Role.governor:
        await services.run(schools.get_school, principal=principal, urn=urn)  # 404 first
        raise Forbidden("governors can read this school's reports but cannot fill in its self-audit")
    context = await services.build(form_context, principal, urn, None, [], standards or None)
    return signed_in_page(request, "form.html", context, principal)


async def submit_or_redisplay(
    request: Request,
    services: Services,
    principal: Principal,
    urn: str,
    data: Any,
    *,
    source: str,
    standards: str | None = None,
    discard_draft: bool = False,
) -> Response:
    """Submit an audit from a page, scored against ``standards`` (None: the national version in effect on its
    date): on success, go to its report (303, first discarding the school's draft when asked); when it is not
    valid, the form again (422) with the answers given and every problem beside its field."""
    try:
        submission = await services.submit(principal=principal, urn=urn, data=data, source=source, standards=standards)
    except AuditInvalid as error:
        answers = data if isinstance(data, dict) else None
        context = await services.build(form_context, principal, urn, answers, error.problems, standards)
        return signed_in_page(request, "form.html", context, principal, status=422)
    if discard_draft:
        await services.run(drafts.discard_draft, principal=principal, urn=urn)
    return RedirectResponse(f"/audits/{submission.audit.id}/report", status_code=303)


@router.post("/schools/{urn}/audit")
async def submit_form(request: Request, services: ServicesDep, principal: PagePrincipal, urn: str) -> Response:
    """Save the answers as a draft (action=save), or submit them: the answers to the questions of the version the
    form followed (its hidden ``standards`` field, else the national version in effect on the posted audit date),
    scored against it. An unknown ``standards`` is not found (404)."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    posted = {key: value for key, value in form.items() if isinstance(value, str)}
    standards = posted.get("standards", "").strip() or None
    version = drafts.form_version(services.catalog, standards=standards, answers=posted, today=today())
    answers = forms.read_form(posted, urn, forms.sections(version.questions))
    if form.get("action") == "save":
        await services.run(drafts.save_draft, principal=principal, urn=urn, answers=answers, standards=standards)
        return RedirectResponse(f"/schools/{urn}", status_code=303)
    return await submit_or_redisplay(
        request, services, principal, urn, answers, source="form", standards=standards, discard_draft=True
    )


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
