"""Gap reports as text for people: plain text, Markdown and CSV, from the JSON form of a report.

Working from the JSON form (:meth:`api.engine.report.GapReport.to_dict`) means a stored report renders
exactly as a freshly scored one. The text and Markdown forms also say what the standards are, list the known
errors of their version and mark the findings they affect, and footnote unconfirmed paragraph numbers; the Markdown
form ends with a glossary of the acronyms it uses. The caller passes the errata and the glossary in
(:class:`api.engine.notes.ReportNotes`): rendering reads nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping
from typing import Any

from api.engine.notes import (
    BASELINE,
    NO_NOTES,
    SEE_KNOWN_ERRORS,
    UNCONFIRMED,
    ReportNotes,
    any_unconfirmed,
    citation_ref,
    errata_heading,
    errata_intro,
    finding_marks,
    group_errata,
    group_text,
)

STATUS_WORDS = {
    "met": "Met",
    "partially_met": "Partially met",
    "not_met": "Not met",
    "not_applicable": "Not applicable",
    "not_assessed": "Not assessed",
}
BASIS_WORDS = {
    "statutory": "statutory duty",
    "statutory_guidance": "statutory guidance",
    "condition_of_grant": "condition of grant",
    "guidance": "guidance",
    "proposal": "proposal",
    "provisional": "provisional",
}
CSV_COLUMNS = (
    "urn",
    "school",
    "audit_date",
    "standards",
    "rule",
    "title",
    "domain",
    "basis",
    "provisional",
    "status",
    "measured_value",
    "measured_unit",
    "gap_amount",
    "gap_unit",
    "gap_field",
    "gap_text",
)


def long_date(text: str) -> str:
    """'2026-11-02' → '2 November 2026'."""
    day = dt.date.fromisoformat(text)
    return f"{day.day} {day:%B %Y}"


def _citation(source: Mapping[str, Any]) -> str:
    return f"{source['title']}, {citation_ref(source)}"


RATING_WORDS = {
    "in_place": "in place",
    "partly_in_place": "partly in place",
    "not_in_place": "not in place",
    "not_applicable": "not applicable",
}
"""A practice statement's rating as a report says it."""


def measured_words(result: Mapping[str, Any]) -> str:
    """What a finding measured, as people read it: "yes"/"no", a long date, "12.5%", "0.6 FTE", a statement's
    rating in words ("partly in place"), or "none"."""
    value, unit = result["measured"]["value"], result["measured"]["unit"]
    if value is None:
        return "none"
    if isinstance(value, str) and value in RATING_WORDS:
        return RATING_WORDS[value]
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        return long_date(value)
    if unit == "%":
        return f"{value}%"
    return f"{value} {unit}" if unit else str(value)


def reference_words(reference: Mapping[str, Any]) -> str:
    """A provisional limit's reference point as a report says it: its text, then where it comes from."""
    where = reference["title"] + (f", {reference['ref']}" if reference.get("ref") else "")
    return f"{reference['text']} ({where})"


def headline(report: Mapping[str, Any]) -> list[str]:
    """The summary lines every format starts with."""
    school = report["school"]
    standards = report["standards"]
    name = school.get("name") or "School"
    phase = f", {school['phase'].replace('_', ' ')}" if school.get("phase") else ""
    lines = [
        f"{name} (URN {school['urn']}){phase}",
        f"Audit of {long_date(report['audit_date'])} against {standards['set']}@{standards['version']} "
        f"(sha256 {standards['sha256'][:12]})",
    ]
    band = report["band_label"] or report["band"]
    if report["score"] is None:
        lines.append(f"Score: none, because no rule could be assessed from the answers given; band: {band}")
    else:
        lines.append(f"Score {report['score']} out of 100; band: {band}")
    if not report.get("complete", True):
        reasons = " ".join(report["incomplete_reasons"])
        lines.append(f"The band is the lowest because the audit is incomplete: {reasons}")
    if report["capped_by"]:
        lines.append(
            "The band is capped at the lowest because a statutory duty is not met: " + ", ".join(report["capped_by"])
        )
    counts = report["counts"]
    lines.append(" · ".join(f"{STATUS_WORDS[key]} {counts[key]}" for key in STATUS_WORDS))
    if report["missing_inputs"]:
        lines.append("Answer these to assess every rule: " + ", ".join(report["missing_inputs"]))
    return lines


def _errata_lines(report: Mapping[str, Any], notes: ReportNotes, bullet: str) -> list[str]:
    """The known-errors section's lines after its heading: the intro, then one item per group of errors (what it
    may show wrongly; the report page and the API also say what is wrong)."""
    if not notes.errata:
        return []
    lines = [errata_intro(notes.errata), ""]
    for group in group_errata(report, notes.errata):
        lines.append(f"{bullet}{'; '.join(group.titles)}: {group_text(group, short=True)}")
    return lines


def to_text(report: Mapping[str, Any], notes: ReportNotes = NO_NOTES) -> str:
    """A plain-text report for a terminal or an email: the headline, what the standards are, the known errors of
    their version (``notes``), each finding (marked where a known error affects it), and the footnote on
    unconfirmed paragraph numbers when a source shown has one."""
    lines = [*headline(report), BASELINE, ""]
    if notes.errata:
        heading = errata_heading(report, notes.errata)
        lines += [heading, "=" * len(heading), *_errata_lines(report, notes, "- "), ""]
    marks = finding_marks(notes.errata)
    shown_sources = []
    for result in report["results"]:
        status = STATUS_WORDS[result["status"]].upper()
        provisional = ", provisional limits" if result["provisional"] else ""
        lines.append(f"{status}: {result['title']} [{result['rule']}; {BASIS_WORDS[result['basis']]}{provisional}]")
        if result["rule"] in marks:
            lines.append(f"  Known error: {marks[result['rule']]}: {SEE_KNOWN_ERRORS} above.")
        if result["status"] not in ("not_applicable", "not_assessed"):
            lines.append(f"  Measured: {measured_words(result)}")
        if result.get("reference"):
            lines.append(f"  Reference point: {reference_words(result['reference'])}")
        if result["gap"] is not None:
            lines.append(f"  To close the gap: {result['gap']['text']}")
            lines.append(f"  Why it matters: {result['message']['why']}")
        if result["status"] == "not_assessed":
            lines.append("  Not answered: " + ", ".join(result["missing_inputs"]))
        if result["status"] in ("not_met", "partially_met"):
            lines.append("  Source: " + "; ".join(_citation(s) for s in result["sources"]))
            shown_sources.append(result)
    if any_unconfirmed(shown_sources):
        lines += ["", UNCONFIRMED]
    return "\n".join(lines) + "\n"


def to_markdown(report: Mapping[str, Any], notes: ReportNotes = NO_NOTES) -> str:
    """A Markdown report: the headline, what the standards are, the known errors of their version (``notes``), a
    summary table, a section per finding that falls short (marked where a known error affects it), the footnote
    on unconfirmed paragraph numbers when a source shown has one, and a glossary of the acronyms it uses."""
    head = headline(report)
    out = [f"# Gap report: {head[0]}", "", *(f"{line}  " for line in head[1:]), "", BASELINE, ""]
    if notes.errata:
        out += [f"## {errata_heading(report, notes.errata)}", "", *_errata_lines(report, notes, "- "), ""]
    marks = finding_marks(notes.errata)
    out += ["| Rule | Status | Measured | Gap |", "| --- | --- | --- | --- |"]
    for result in report["results"]:
        gap = result["gap"]["text"] if result["gap"] else ""
        title = result["title"] + (" (provisional)" if result["provisional"] else "")
        title += " (known error)" if result["rule"] in marks else ""
        out.append(f"| {title} | {STATUS_WORDS[result['status']]} | {measured_words(result)} | {gap} |")
    shortfalls = [result for result in report["results"] if result["gap"] is not None]
    for result in shortfalls:
        out += ["", f"## {STATUS_WORDS[result['status']]}: {result['title']}", ""]
        if result["rule"] in marks:
            out.append(f"- **Known error:** {marks[result['rule']]}: {SEE_KNOWN_ERRORS} above.")
        out += [
            f"- **What is missing:** {result['message']['missing']}",
            f"- **Why it matters:** {result['message']['why']}",
            f"- **How to close it:** {result['gap']['text']} {result['message']['how']}",
            "- **Source:** " + "; ".join(_citation(s) for s in result["sources"]),
        ]
        if result.get("reference"):
            out.append(f"- **Reference point:** {reference_words(result['reference'])}")
    if any_unconfirmed(shortfalls):
        out += ["", UNCONFIRMED]
    used = notes.glossary.used_in(out)
    if used:
        out += ["", "## Words and abbreviations", ""]
        out += [f"- **{term.term}**: {term.words}" for term in used]
    return "\n".join(out) + "\n"


def csv_rows(report: Mapping[str, Any]) -> Iterable[list[Any]]:
    """One row per finding, in CSV_COLUMNS order."""
    standards = f"{report['standards']['set']}@{report['standards']['version']}"
    for result in report["results"]:
        gap = result["gap"] or {}
        yield [
            report["school"]["urn"],
            report["school"].get("name") or "",
            report["audit_date"],
            standards,
            result["rule"],
            result["title"],
            result["domain"],
            result["basis"],
            "yes" if result["provisional"] else "no",
            result["status"],
            "" if result["measured"]["value"] is None else result["measured"]["value"],
            result["measured"]["unit"] or "",
            "" if gap.get("amount") is None else gap["amount"],
            gap.get("unit") or "",
            gap.get("field") or "",
            gap.get("text") or "",
        ]


def to_csv(reports: Iterable[Mapping[str, Any]], *, header: bool = True) -> str:
    """Findings of one or more reports as CSV text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if header:
        writer.writerow(CSV_COLUMNS)
    for report in reports:
        writer.writerows(csv_rows(report))
    return buffer.getvalue()
