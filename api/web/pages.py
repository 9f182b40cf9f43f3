"""Pages for people: sign-in, the self-audit form, the gap report, comparison and governor share links.

Every page calls the same service functions as the JSON API; forms are protected by a CSRF token; pages
work without JavaScript.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api import render
from api.errors import AuditInvalid, Forbidden, InputFileError, NotAuthenticated
from api.inputs import read_csv, read_document
from api.service import audits as audit_service
from api.service import drafts, schools, shares, trusts
from api.service import exceptions as exception_service
from api.service.access import Principal, Role, authenticate, principal_for_key_id
from api.web import charts, forms
from api.web.deps import Services, get_services, today
from api.web.session import check_csrf, csrf_token, end_session, read_session, share_id_from, share_token, start_session

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
router = APIRouter(include_in_schema=False)
ServicesDep = Annotated[Services, Depends(get_services)]


def _long_date(value: Any) -> str:
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return f"{value.day} {value:%B %Y}"


def _measured(result: dict[str, Any]) -> str:
    return render._measured(result)


def _limit_text(result: dict[str, Any]) -> str:
    limits = result["limits"]
    for key, words in (
        ("met_at_most", "at most"),
        ("met_at_least", "at least"),
        ("met_at_least_pct", "at least"),
    ):
        if key in limits:
            unit = "%" if key.endswith("pct") else f" {result['measured']['unit'] or ''}".rstrip()
            return f"met {words} {limits[key]}{unit}"
    if "years" in limits:
        return f"within {limits['years']} year{'s' if limits['years'] != 1 else ''}"
    if "pupils_per_unit" in limits:
        return f"one per site and one per {limits['pupils_per_unit']} pupils"
    return ""


TEMPLATES.env.filters["long_date"] = _long_date
TEMPLATES.env.filters["measured"] = _measured
TEMPLATES.env.filters["limit_text"] = _limit_text
TEMPLATES.env.globals["status_words"] = render.STATUS_WORDS
TEMPLATES.env.globals["basis_words"] = {key: value.capitalize() for key, value in render.BASIS_WORDS.items()}
TEMPLATES.env.globals["choice_words"] = forms.CHOICE_WORDS


def page(request: Request, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """Render a page with what every page needs (sign-in state and the CSRF token for its forms)."""
    pending = Response()  # collects the cookie of a new pre-sign-in CSRF token
    token = csrf_token(request, pending)
    values = {"signed_in": read_session(request) is not None, "csrf": token, **context}
    response = TEMPLATES.TemplateResponse(request, template, values, status_code=status)
    for cookie in pending.headers.getlist("set-cookie"):
        response.headers.append("set-cookie", cookie)
    return response


def _nav(principal: Principal | None, active: str) -> list[dict[str, Any]]:
    if principal is None:
        return []
    items = [{"href": "/schools", "text": "Schools", "active": active == "schools"}]
    if principal.trust_id:
        items.append({"href": f"/trusts/{principal.trust_id}", "text": "Trust overview", "active": active == "trust"})
    if principal.school_urn:
        items = [{"href": f"/schools/{principal.school_urn}", "text": "Your school", "active": active == "school"}]
    return items


def page_principal(request: Request, services: ServicesDep) -> Principal:
    """The signed-in person's principal; NotAuthenticated (a page asking to sign in) otherwise."""
    session = read_session(request)
    if session is None:
        raise NotAuthenticated("sign in with your access key to see this page")
    return principal_for_key_id(engine=services.engine, cache=services.keys, key_id=str(session["k"]))


PagePrincipal = Annotated[Principal, Depends(page_principal)]


# ---------------------------------------------------------------------------------------------- sign-in


@router.get("/")
async def home(request: Request, services: ServicesDep) -> Response:
    """Signed in: your school or your schools; otherwise the sign-in page."""
    session = read_session(request)
    if session is None:
        return RedirectResponse("/sign-in", status_code=303)
    principal = await run_in_threadpool(page_principal, request, services)
    target = f"/schools/{principal.school_urn}" if principal.school_urn else "/schools"
    return RedirectResponse(target, status_code=303)


@router.get("/sign-in")
async def sign_in_page(request: Request) -> HTMLResponse:
    return page(request, "sign_in.html", {"title": "Sign in", "errors": []})


@router.post("/sign-in")
async def sign_in(
    request: Request, services: ServicesDep, api_key: Annotated[str, Form()] = "", csrf: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(request, csrf)
    try:
        principal = await run_in_threadpool(
            authenticate, engine=services.engine, cache=services.keys, header=f"Bearer {api_key.strip()}"
        )
    except NotAuthenticated:
        errors = [{"href": "api-key", "text": "Enter a valid access key; it starts with oap_"}]
        return page(request, "sign_in.html", {"title": "Sign in", "errors": errors, "error_count": 1}, status=400)
    response = RedirectResponse("/", status_code=303)
    start_session(request, response, principal.key_id)
    return response


@router.post("/sign-out")
async def sign_out(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf)
    response = RedirectResponse("/sign-in", status_code=303)
    end_session(response)
    return response


# ---------------------------------------------------------------------------------------------- schools


@router.get("/schools")
async def school_list(request: Request, services: ServicesDep, principal: PagePrincipal) -> HTMLResponse:
    rows = await run_in_threadpool(schools.visible_schools, engine=services.engine, principal=principal)
    return page(request, "schools.html", {"title": "Schools", "schools": rows, "nav": _nav(principal, "schools")})


def _school_context(services: Services, principal: Principal, urn: str, base: str) -> dict[str, Any]:
    school = schools.get_school(engine=services.engine, principal=principal, urn=urn)
    history = schools.school_history(engine=services.engine, principal=principal, urn=urn)
    can_submit = principal.role is not Role.governor
    points = [(_long_date(item["audit_date"]), item["score"]) for item in reversed(history)]
    context: dict[str, Any] = {
        "title": school["name"],
        "school": school,
        "history": history,
        "can_submit": can_submit,
        "report_base": base,
        "trend_chart": charts.line_chart(f"Score across audits of {school['name']}", points, chart_id="trend"),
        "shares": [],
        "has_draft": False,
    }
    if can_submit:
        context["shares"] = shares.list_shares(engine=services.engine, principal=principal, urn=urn)
        context["has_draft"] = drafts.start_form(engine=services.engine, principal=principal, urn=urn).origin == "draft"
    return context


@router.get("/schools/{urn}")
async def school_page(request: Request, services: ServicesDep, principal: PagePrincipal, urn: str) -> HTMLResponse:
    context = await run_in_threadpool(_school_context, services, principal, urn, "")
    return page(request, "school.html", {**context, "nav": _nav(principal, "school")})


# ---------------------------------------------------------------------------------------------- the form


def _form_context(
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
        await run_in_threadpool(schools.get_school, engine=services.engine, principal=principal, urn=urn)  # 404 first
        raise Forbidden("governors can read this school's reports but cannot fill in its self-audit")
    context = await run_in_threadpool(_form_context, services, principal, urn, None, [])
    return page(request, "form.html", {**context, "nav": _nav(principal, "school")})


@router.post("/schools/{urn}/audit")
async def submit_form(request: Request, services: ServicesDep, principal: PagePrincipal, urn: str) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    answers = forms.read_form({key: value for key, value in form.items() if isinstance(value, str)}, urn)
    if form.get("action") == "save":
        await run_in_threadpool(
            drafts.save_draft, engine=services.engine, principal=principal, urn=urn, answers=answers
        )
        return RedirectResponse(f"/schools/{urn}", status_code=303)
    try:
        submission = await run_in_threadpool(
            audit_service.submit_audit,
            engine=services.engine,
            scoring=services.scoring,
            principal=principal,
            urn=urn,
            data=answers,
            source="form",
            today=today(),
        )
    except AuditInvalid as error:
        context = await run_in_threadpool(_form_context, services, principal, urn, answers, error.problems)
        return page(request, "form.html", {**context, "nav": _nav(principal, "school")}, status=422)
    await run_in_threadpool(drafts.discard_draft, engine=services.engine, principal=principal, urn=urn)
    return RedirectResponse(f"/audits/{submission.audit.id}/report", status_code=303)


async def _school_page_with_errors(
    request: Request,
    services: Services,
    principal: Principal,
    urn: str,
    field_errors: dict[str, str],
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    """The school page again (400) with an error summary and the message beside each field (by its id)."""
    context = await run_in_threadpool(_school_context, services, principal, urn, "")
    errors = [{"href": field_id, "text": message} for field_id, message in field_errors.items()]
    return page(
        request,
        "school.html",
        {
            **context,
            "errors": errors,
            "error_count": len(errors),
            "field_errors": field_errors,
            "values": values or {},
            "nav": _nav(principal, "school"),
        },
        status=400,
    )


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
        return await _school_page_with_errors(
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
            return await _school_page_with_errors(request, services, principal, urn, {"audit-file": message})
    except InputFileError as error:
        message = f"The file cannot be read: {error.message}"
        return await _school_page_with_errors(request, services, principal, urn, {"audit-file": message})
    if len(items) != 1 or items[0].error is not None:
        message = UPLOAD_ONE if len(items) != 1 else f"{UPLOAD_ONE} ({items[0].error})"
        return await _school_page_with_errors(request, services, principal, urn, {"audit-file": message})
    data = items[0].data
    if isinstance(data, dict):
        data.setdefault("school", {}).setdefault("urn", urn)
    try:
        submission = await run_in_threadpool(
            audit_service.submit_audit,
            engine=services.engine,
            scoring=services.scoring,
            principal=principal,
            urn=urn,
            data=data,
            source="upload",
            today=today(),
        )
    except AuditInvalid as error:
        answers = data if isinstance(data, dict) else None
        context = await run_in_threadpool(_form_context, services, principal, urn, answers, error.problems)
        return page(request, "form.html", {**context, "nav": _nav(principal, "school")}, status=422)
    return RedirectResponse(f"/audits/{submission.audit.id}/report", status_code=303)


# ---------------------------------------------------------------------------------------------- reports


def _report_context(services: Services, principal: Principal, audit_id: str, base: str) -> dict[str, Any]:
    adjusted = exception_service.get_adjusted_report(
        engine=services.engine, scoring=services.scoring, principal=principal, audit_id=audit_id, today=today()
    )
    report = adjusted["report"]
    sign_offs = exception_service.list_report_sign_offs(engine=services.engine, principal=principal, audit_id=audit_id)
    urn = report["school"]["urn"]
    history = schools.school_history(engine=services.engine, principal=principal, urn=urn)
    ids = [item["audit_id"] for item in history]
    previous = history[ids.index(audit_id) + 1] if audit_id in ids and ids.index(audit_id) + 1 < len(ids) else None
    if previous is None:
        change = "This is the first audit."
    else:
        before = {r["rule"]: r["status"] for r in previous["report"]["results"]}
        moved = sum(1 for r in report["results"] if r["rule"] in before and before[r["rule"]] != r["status"])
        delta = (
            None
            if report["score"] is None or previous["score"] is None
            else round(report["score"] - previous["score"], 1)
        )
        direction = "no change in score" if not delta else f"score {'up' if delta > 0 else 'down'} {abs(delta)}"
        change = f"Since {_long_date(previous['audit_date'])}: {direction}; {moved} findings changed status."
    titles = {r["rule"]: r["title"] for r in report["results"]}
    grouped: dict[str, list[dict[str, Any]]] = {}
    domain_titles = {d["id"]: d["title"] for d in report["domains"]}
    for result in report["results"]:
        grouped.setdefault(domain_titles.get(result["domain"], result["domain"]), []).append(result)
    order = [d["title"] for d in report["domains"]]
    current = f"{report['standards']['set']}@{report['standards']['version']}"
    others = [s.ref for s in services.catalog.all() if s.ref != current]
    points = [(_long_date(item["audit_date"]), item["score"]) for item in reversed(history)]
    return {
        "title": f"Gap report, {report['school'].get('name') or urn}",
        "report": report,
        "urgent": [r for r in report["results"] if r["gap"] is not None][:3],
        "capped_titles": [titles.get(rule, rule) for rule in report["capped_by"]],
        "change_summary": change,
        "grouped": [(title, grouped[title]) for title in order if title in grouped],
        "provisional_count": sum(1 for r in report["results"] if r["provisional"]),
        "domain_chart": charts.bar_chart(
            "Score by domain", [(d["title"], d["score"]) for d in report["domains"]], chart_id="domains"
        ),
        "trend_chart": charts.line_chart("Score across audits", points, chart_id="trend") if len(points) > 1 else "",
        "base": f"{base}/audits/{audit_id}",
        "compare_to": next((ref for ref in others if ref.startswith("national@")), others[0] if others else None),
        "adjusted": adjusted,
        "exceptions": [{**item, "title": titles.get(item["rule"], item["rule"])} for item in adjusted["exceptions"]],
        "sign_offs": sign_offs,
    }


@router.get("/audits/{audit_id}/report")
async def report_page(request: Request, services: ServicesDep, principal: PagePrincipal, audit_id: str) -> HTMLResponse:
    context = await run_in_threadpool(_report_context, services, principal, audit_id, "")
    return page(request, "report.html", {**context, "nav": _nav(principal, "school")})


def _report_body(
    services: Services, principal: Principal, audit_id: str, standards: str | None = None
) -> dict[str, Any]:
    return audit_service.get_audit_report(
        engine=services.engine, scoring=services.scoring, principal=principal, audit_id=audit_id, standards=standards
    )


@router.get("/audits/{audit_id}/report.csv")
async def report_csv(services: ServicesDep, principal: PagePrincipal, audit_id: str) -> Response:
    report = await run_in_threadpool(_report_body, services, principal, audit_id)
    headers = {
        "Content-Disposition": f'attachment; filename="gap-report-{report["school"]["urn"]}-{report["audit_date"]}.csv"'
    }
    return Response(render.to_csv([report]), media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/audits/{audit_id}/report.md")
async def report_markdown(services: ServicesDep, principal: PagePrincipal, audit_id: str) -> Response:
    report = await run_in_threadpool(_report_body, services, principal, audit_id)
    headers = {
        "Content-Disposition": f'attachment; filename="gap-report-{report["school"]["urn"]}-{report["audit_date"]}.md"'
    }
    return Response(render.to_markdown(report), media_type="text/markdown; charset=utf-8", headers=headers)


def _compare_context(
    services: Services, principal: Principal, audit_id: str, other_ref: str, base: str
) -> dict[str, Any]:
    current = _report_body(services, principal, audit_id)
    other = _report_body(services, principal, audit_id, other_ref)
    before = {r["rule"]: r for r in current["results"]}
    after = {r["rule"]: r for r in other["results"]}
    changed = []
    for rule in sorted(before.keys() | after.keys()):
        old, new = before.get(rule), after.get(rule)
        if old is None or new is None or old["status"] != new["status"]:
            changed.append(
                {
                    "title": (old or new or {}).get("title", rule),
                    "before": old and old["status"],
                    "after": new and new["status"],
                }
            )
    return {
        "title": f"Compare with {other_ref}",
        "current": current,
        "other": other,
        "changed": changed,
        "versions": [s.ref for s in services.catalog.all()],
        "other_ref": other_ref,
        "base": f"{base}/audits/{audit_id}",
    }


@router.get("/audits/{audit_id}/compare")
async def compare_page(
    request: Request, services: ServicesDep, principal: PagePrincipal, audit_id: str, standards: str = "national@2025.1"
) -> HTMLResponse:
    services.catalog.get(standards)
    context = await run_in_threadpool(_compare_context, services, principal, audit_id, standards, "")
    return page(request, "compare.html", {**context, "nav": _nav(principal, "school")})


# ---------------------------------------------------------------------------------------------- sharing


@router.post("/schools/{urn}/share")
async def create_share(
    request: Request,
    services: ServicesDep,
    principal: PagePrincipal,
    urn: str,
    csrf: Annotated[str, Form()] = "",
    days: Annotated[str, Form()] = "",
    label: Annotated[str, Form()] = "",
) -> HTMLResponse:
    check_csrf(request, csrf)
    if not re.fullmatch(r"[0-9]{1,3}", days.strip()) or not 1 <= int(days) <= shares.MAX_DAYS:
        return await _school_page_with_errors(
            request,
            services,
            principal,
            urn,
            {"share-days": f"Enter the days the link lasts as a whole number from 1 to {shares.MAX_DAYS}"},
            {"label": label, "days": days},
        )
    row = await run_in_threadpool(
        shares.create_share,
        engine=services.engine,
        principal=principal,
        urn=urn,
        days=int(days),
        label=label.strip() or None,
    )
    context = await run_in_threadpool(_school_context, services, principal, urn, "")
    url = f"{request.base_url}share/{share_token(request, row.id)}"
    return page(
        request,
        "school.html",
        {
            **context,
            "share_url": url,
            "share_expires": _long_date(row.expires_at.date()),
            "nav": _nav(principal, "school"),
        },
    )


@router.post("/schools/{urn}/share/{share_id}/revoke")
async def revoke_share(
    request: Request,
    services: ServicesDep,
    principal: PagePrincipal,
    urn: str,
    share_id: str,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    await run_in_threadpool(
        shares.revoke_share, engine=services.engine, principal=principal, urn=urn, share_id=share_id
    )
    return RedirectResponse(f"/schools/{urn}", status_code=303)


def _share_principal(request: Request, services: Services, token: str) -> Principal:
    return shares.principal_for_share(engine=services.engine, share_id=share_id_from(request, token))


@router.get("/share/{token}")
async def shared_school(request: Request, services: ServicesDep, token: str) -> HTMLResponse:
    principal = await run_in_threadpool(_share_principal, request, services, token)
    assert principal.school_urn is not None
    context = await run_in_threadpool(_school_context, services, principal, principal.school_urn, f"/share/{token}")
    return page(request, "school.html", context)


@router.get("/share/{token}/audits/{audit_id}/report")
async def shared_report(request: Request, services: ServicesDep, token: str, audit_id: str) -> HTMLResponse:
    principal = await run_in_threadpool(_share_principal, request, services, token)
    context = await run_in_threadpool(_report_context, services, principal, audit_id, f"/share/{token}")
    return page(request, "report.html", context)


@router.get("/share/{token}/audits/{audit_id}/report.csv")
async def shared_csv(request: Request, services: ServicesDep, token: str, audit_id: str) -> Response:
    principal = await run_in_threadpool(_share_principal, request, services, token)
    return await report_csv(services, principal, audit_id)


@router.get("/share/{token}/audits/{audit_id}/report.md")
async def shared_markdown(request: Request, services: ServicesDep, token: str, audit_id: str) -> Response:
    principal = await run_in_threadpool(_share_principal, request, services, token)
    return await report_markdown(services, principal, audit_id)


@router.get("/share/{token}/audits/{audit_id}/compare")
async def shared_compare(
    request: Request, services: ServicesDep, token: str, audit_id: str, standards: str = "national@2025.1"
) -> HTMLResponse:
    principal = await run_in_threadpool(_share_principal, request, services, token)
    services.catalog.get(standards)
    context = await run_in_threadpool(_compare_context, services, principal, audit_id, standards, f"/share/{token}")
    return page(request, "compare.html", context)


# ---------------------------------------------------------------------------------------------- trust overview


def _overview(services: Services, principal: Principal, trust_id: str) -> dict[str, Any]:
    return trusts.trust_overview(
        engine=services.engine, catalog=services.catalog, principal=principal, trust_id=trust_id, today=today()
    )


@router.get("/trusts/{trust_id}")
async def trust_page(request: Request, services: ServicesDep, principal: PagePrincipal, trust_id: str) -> HTMLResponse:
    overview = await run_in_threadpool(_overview, services, principal, trust_id)
    title = f"{overview['trust']['name']}: overview"
    return page(request, "trust.html", {"title": title, "overview": overview, "nav": _nav(principal, "trust")})


@router.get("/trusts/{trust_id}/overview.csv")
async def trust_overview_csv(services: ServicesDep, principal: PagePrincipal, trust_id: str) -> Response:
    overview = await run_in_threadpool(_overview, services, principal, trust_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    domains = overview["domains"]
    writer.writerow(
        [
            "urn",
            "school",
            "audit_date",
            "band",
            "score",
            *(f"{title} band" for title in domains.values()),
            *(f"{title} score" for title in domains.values()),
        ]
    )
    for school in overview["schools"]:
        cells = [school["domains"][domain] for domain in domains]
        writer.writerow(
            [school["urn"], school["name"], school["audit_date"] or "", school["band_label"] or "", school["score"]]
            + [cell["label"] if cell else "" for cell in cells]
            + [cell["score"] if cell else "" for cell in cells]
        )
    headers = {"Content-Disposition": f'attachment; filename="trust-{trust_id}-overview.csv"'}
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)
