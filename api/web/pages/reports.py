"""The gap report page, its CSV and Markdown downloads, and the comparison of two versions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.engine import notes as report_notes
from api.engine import render
from api.engine.report_body import ReportBody
from api.errors import StandardsNotFound
from api.service import audits as audit_service
from api.service import schools
from api.service.access import Principal
from api.service.agreements.adjusted import get_adjusted_report
from api.service.agreements.sign_offs import list_report_sign_offs
from api.web import charts
from api.web.deps import Services, ServicesDep, today
from api.web.pages.common import PagePrincipal, signed_in_page
from api.web.templating import long_date

router = APIRouter(include_in_schema=False)


class ChangedFinding(TypedDict):
    """A rule whose status differs between two versions (None: not a rule of that version)."""

    title: str
    before: str | None
    after: str | None


class ComparePage(TypedDict):
    """What compare.html shows: two reports (JSON form) of one audit, and the findings that change."""

    title: str
    current: ReportBody
    other: ReportBody
    changed: list[ChangedFinding]
    versions: list[str]
    other_ref: str
    base: str


def report_context(services: Services, principal: Principal, audit_id: str, base: str) -> dict[str, Any]:
    """What report.html shows: the report adjusted for agreed exceptions, its sign-offs, what changed since the
    previous audit, findings grouped by domain and two charts. ``base`` prefixes links ("" or a share link's path).
    Raises NotFound for an audit the key cannot see."""
    adjusted = get_adjusted_report(
        engine=services.engine, scoring=services.scoring, principal=principal, audit_id=audit_id, today=today()
    )
    report = adjusted.report
    sign_offs = list_report_sign_offs(engine=services.engine, principal=principal, audit_id=audit_id)
    urn = report["school"]["urn"]
    history = schools.school_history(engine=services.engine, principal=principal, urn=urn)
    ids = [item.audit_id for item in history]
    previous = history[ids.index(audit_id) + 1] if audit_id in ids and ids.index(audit_id) + 1 < len(ids) else None
    if previous is None:
        change = "This is the first audit."
    else:
        before = {r["rule"]: r["status"] for r in previous.report["results"]}
        moved = sum(1 for r in report["results"] if r["rule"] in before and before[r["rule"]] != r["status"])
        delta = (
            None if report["score"] is None or previous.score is None else round(report["score"] - previous.score, 1)
        )
        direction = "no change in score" if not delta else f"score {'up' if delta > 0 else 'down'} {abs(delta)}"
        change = f"Since {long_date(previous.audit_date)}: {direction}; {moved} findings changed status."
    titles = {r["rule"]: r["title"] for r in report["results"]}
    grouped: dict[str, list[dict[str, Any]]] = {}
    domain_titles = {d["id"]: d["title"] for d in report["domains"]}
    for result in report["results"]:
        grouped.setdefault(domain_titles.get(result["domain"], result["domain"]), []).append(result)
    order = [d["title"] for d in report["domains"]]
    current = f"{report['standards']['set']}@{report['standards']['version']}"
    others = [s.ref for s in services.catalog.all() if s.ref != current]
    points = [(long_date(item.audit_date), item.score) for item in reversed(history)]
    labels = _question_labels(services, current)
    unanswered = [labels.get(path, path) for path in report["missing_inputs"]]
    return {
        **reading_aids(services, report, [*unanswered, f"URN {urn}", change]),
        "unanswered": unanswered,
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
        "exceptions": [
            {**item.model_dump(), "title": titles.get(item.rule, item.rule)} for item in adjusted.exceptions
        ],
        "sign_offs": sign_offs,
    }


def reading_aids(services: Services, report: Mapping[str, Any], shown: list[str]) -> dict[str, Any]:
    """What report.html shows to help readers: the known errors of the report's version (heading, intro, and each
    group of errors with the titles of the findings it affects, what they may show wrongly and what is wrong), the
    mark of each affected finding by rule id, whether a source shown has an unconfirmed paragraph number, the
    sentence saying what the standards are, and the glossary terms the page uses (in the report's texts, the errata
    and the page's other ``shown`` texts)."""
    notes = report_notes.notes_for(services.catalog, report)
    groups = report_notes.group_errata(report, notes.errata)
    errata = [
        {"titles": g.titles, "text": report_notes.group_text(g, short=True), "problem": g.problem} for g in groups
    ]
    texts = [
        *report_notes.report_texts(report),
        *shown,
        *(" ".join([*g.titles, report_notes.group_text(g)]) for g in groups),
    ]
    return {
        "errata": {
            "heading": report_notes.errata_heading(report, notes.errata),
            "intro": report_notes.errata_intro(notes.errata),
            "groups": errata,
        }
        if errata
        else None,
        "known_error_marks": report_notes.finding_marks(notes.errata),
        "known_errors_id": report_notes.KNOWN_ERRORS_ID,
        "see_known_errors": report_notes.SEE_KNOWN_ERRORS,
        "unconfirmed": report_notes.UNCONFIRMED if report_notes.any_unconfirmed(report["results"]) else None,
        "baseline": report_notes.BASELINE,
        "glossary": notes.glossary.used_in(texts),
    }


def _question_labels(services: Services, ref: str) -> dict[str, str]:
    """The label of each question the version ``ref`` asks, by field path (none when the version is unknown)."""
    try:
        questions = services.catalog.get(ref).questions.questions
    except StandardsNotFound:
        return {}
    return {question.id: question.label for question in questions}


@router.get("/audits/{audit_id}/report")
async def report_page(request: Request, services: ServicesDep, principal: PagePrincipal, audit_id: str) -> HTMLResponse:
    """An audit's gap report."""
    context = await services.build(report_context, principal, audit_id, "")
    return signed_in_page(request, "report.html", context, principal)


def report_body(services: Services, principal: Principal, audit_id: str, standards: str | None = None) -> ReportBody:
    """An audit's report (JSON form), stored or against ``standards``; raises NotFound as get_audit_report does."""
    return audit_service.get_audit_report(
        engine=services.engine, scoring=services.scoring, principal=principal, audit_id=audit_id, standards=standards
    )


def _csv(report: ReportBody, notes: report_notes.ReportNotes) -> str:
    return render.to_csv([report])


DOWNLOADS = {"csv": ("text/csv", _csv), "md": ("text/markdown", render.to_markdown)}
"""Each download of a report: its file extension, media type and how its text is made (from the report and its
notes: the known errors of its version and the glossary)."""


async def report_download(request: Request, services: Services, principal: Principal, audit_id: str) -> Response:
    """An audit's stored report as a file to download, its kind ("csv" or "md") the extension of the address (UTF-8
    text, named gap-report-URN-DATE.kind). Raises NotFound for an audit the key cannot see."""
    kind = request.url.path.rpartition(".")[2]
    report = await services.build(report_body, principal, audit_id)
    media_type, text = DOWNLOADS[kind]
    name = f"gap-report-{report['school']['urn']}-{report['audit_date']}.{kind}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    notes = report_notes.notes_for(services.catalog, report)
    return Response(text(report, notes), media_type=f"{media_type}; charset=utf-8", headers=headers)


@router.get("/audits/{audit_id}/report.csv")
@router.get("/audits/{audit_id}/report.md")
async def report_file(request: Request, services: ServicesDep, principal: PagePrincipal, audit_id: str) -> Response:
    """The report as CSV (one row per rule) or Markdown."""
    return await report_download(request, services, principal, audit_id)


def compare_context(services: Services, principal: Principal, audit_id: str, other_ref: str, base: str) -> ComparePage:
    """What compare.html shows: the audit's report against its own version and against ``other_ref``, and the
    findings whose status differs. Raises NotFound for an audit the key cannot see or an unknown version."""
    current = report_body(services, principal, audit_id)
    other = report_body(services, principal, audit_id, other_ref)
    before = {r["rule"]: r for r in current["results"]}
    after = {r["rule"]: r for r in other["results"]}
    changed: list[ChangedFinding] = []
    for rule in sorted(before.keys() | after.keys()):
        old, new = before.get(rule), after.get(rule)
        if old is None or new is None or old["status"] != new["status"]:
            title = old["title"] if old is not None else new["title"] if new is not None else rule
            changed.append(ChangedFinding(title=title, before=old and old["status"], after=new and new["status"]))
    return ComparePage(
        title=f"Compare with {other_ref}",
        current=current,
        other=other,
        changed=changed,
        versions=[s.ref for s in services.catalog.all()],
        other_ref=other_ref,
        base=f"{base}/audits/{audit_id}",
    )


@router.get("/audits/{audit_id}/compare")
async def compare_page(
    request: Request, services: ServicesDep, principal: PagePrincipal, audit_id: str, standards: str = "national@2025.1"
) -> HTMLResponse:
    """The report against another standards version, and what would change."""
    services.catalog.get(standards)
    context = await services.build(compare_context, principal, audit_id, standards, "")
    return signed_in_page(request, "compare.html", context, principal)
