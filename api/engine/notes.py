"""What readers of a gap report need besides its findings: the known errors of the standards version it was scored
against, the glossary of the acronyms it uses, the footnote on unconfirmed paragraph numbers, and the sentence
saying what these standards are.

Pure: the caller passes the errata and the glossary in (:func:`notes_for` takes them from a loaded catalogue), and
the renderers (:mod:`api.engine.render`, the HTML report page) place them. A stored report is never changed: the
notes are worked out again each time it is shown, so a report scored before an error was found shows it too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from api.errors import StandardsNotFound
from api.rules.catalog import Catalog
from api.rules.errata import KnownError, Severity
from api.rules.glossary import EMPTY_GLOSSARY, Glossary

BASELINE = (
    "These standards are a baseline built from current law, guidance and the Education Committee's proposals, "
    "not the Department for Education's National Inclusion Standards (promised for 2028)."
)
"""What the standards are, said once in every report (the Department's standards are promised for 2028 in the
Schools White Paper, ``white-paper-2026`` in the standards files)."""
UNCONFIRMED = "Paragraph numbers marked * are to be confirmed against the primary text."
"""The footnote of a report that shows a citation with ``verify: true`` (its reference is marked *)."""
MAY_BE_WRONG = "This finding may be wrong"
"""The mark on a finding of a rule with a known error that may change its status, score or gap."""
WORDS_WRONG = "The words or sources of this finding have a known error"
"""The mark on a finding of a rule whose known errors are only in its words or citations."""
SEE_KNOWN_ERRORS = "see known errors"
"""What follows a mark (a link to the notice on the HTML page): "This finding may be wrong: see known errors"."""
KNOWN_ERRORS_ID = "known-errors"
"""The anchor of the known-errors notice on the HTML page."""


@dataclass(frozen=True, slots=True)
class ReportNotes:
    """The known errors of a report's standards version and the glossary, as the caller found them."""

    errata: tuple[KnownError, ...] = ()
    glossary: Glossary = EMPTY_GLOSSARY


NO_NOTES = ReportNotes()
"""Notes with no known errors and an empty glossary (the three fixed sentences are always shown)."""


def notes_for(catalog: Catalog, report: Mapping[str, Any]) -> ReportNotes:
    """The notes of ``report`` (JSON form): the known errors of the version it names (none when that version is no
    longer in ``catalog``) and the catalogue's glossary."""
    ref = f"{report['standards']['set']}@{report['standards']['version']}"
    try:
        errata = catalog.get(ref).errata
    except StandardsNotFound:
        errata = ()
    return ReportNotes(errata=errata, glossary=catalog.glossary)


@dataclass(frozen=True, slots=True)
class ErrataGroup:
    """Known errors with the same words, shown once with the findings they affect: the rule ids and titles, and
    the version the errata file names when it is not the report's own (an overlay inherits its base's)."""

    severity: Severity
    problem: str
    effect: str
    rules: tuple[str, ...]
    titles: tuple[str, ...]
    inherited_from: str | None


def standards_ref(report: Mapping[str, Any]) -> str:
    """'set@version' of the standards a report was scored against."""
    return f"{report['standards']['set']}@{report['standards']['version']}"


def errata_heading(report: Mapping[str, Any], errata: Sequence[KnownError]) -> str:
    """'Known errors in national@2026.1', with ', corrected in national@2026.2' when they name one version that
    corrects them all."""
    corrected = {error.corrected_by for error in errata}
    fixed = next(iter(corrected)) if len(corrected) == 1 else None
    return f"Known errors in {standards_ref(report)}" + (f", corrected in {fixed}" if fixed else "")


def errata_intro(errata: Sequence[KnownError]) -> str:
    """The sentence under the heading: where a correction stands, and how affected findings are marked."""
    corrected = sorted({error.corrected_by for error in errata if error.corrected_by})
    if not corrected:
        where = "No corrected version is published yet."
    elif len(corrected) == 1 and all(error.corrected_by for error in errata):
        where = f"Score the audit against {corrected[0]} for a corrected report."
    else:
        where = "Some are corrected in " + " and ".join(corrected) + "."
    return f"These standards have errors found since they were published. {where} The findings they affect are marked."


def group_errata(report: Mapping[str, Any], errata: Iterable[KnownError]) -> list[ErrataGroup]:
    """The known errors grouped by their words (severity, problem, effect), gravest first (then in the order of
    their files), each with the rules it affects and their titles in this report (the rule id when it lacks it)."""
    titles = {result["rule"]: result["title"] for result in report["results"]}
    own = standards_ref(report)
    grouped: dict[tuple[Severity, str, str, str], list[str]] = {}
    for error in errata:
        rules = grouped.setdefault((error.severity, error.problem, error.effect, error.recorded_for), [])
        if error.rule not in rules:
            rules.append(error.rule)
    severities = list(Severity)
    groups = [
        ErrataGroup(
            severity=severity,
            problem=problem,
            effect=effect,
            rules=tuple(rules),
            titles=tuple(titles.get(rule, rule) for rule in rules),
            inherited_from=None if recorded_for == own else recorded_for,
        )
        for (severity, problem, effect, recorded_for), rules in grouped.items()
    ]
    return sorted(groups, key=lambda group: severities.index(group.severity))


def group_text(group: ErrataGroup, *, short: bool = False) -> str:
    """One group as plain sentences: the severity, the problem (unless ``short``), the effect, and the base version
    it came from."""
    text = (
        f"{group.severity.words} {group.effect}" if short else f"{group.severity.words} {group.problem} {group.effect}"
    )
    if group.inherited_from:
        text += f" (An error of {group.inherited_from}, which these standards build on.)"
    return text


def finding_marks(errata: Iterable[KnownError]) -> dict[str, str]:
    """The mark of each affected rule's finding: :data:`MAY_BE_WRONG` when an error may change its status, score or
    gap, else :data:`WORDS_WRONG`."""
    marks: dict[str, str] = {}
    for error in errata:
        if error.severity.finding_may_be_wrong or marks.get(error.rule) == MAY_BE_WRONG:
            marks[error.rule] = MAY_BE_WRONG
        else:
            marks[error.rule] = WORDS_WRONG
    return marks


def citation_ref(source: Mapping[str, Any]) -> str:
    """A citation's reference, marked * when its paragraph number is still to be confirmed (see
    :data:`UNCONFIRMED`)."""
    return f"{source['ref']}*" if source.get("verify") else str(source["ref"])


def any_unconfirmed(results: Iterable[Mapping[str, Any]]) -> bool:
    """Whether any of these findings cites a paragraph number still to be confirmed."""
    return any(source.get("verify") for result in results for source in result["sources"])


def report_texts(report: Mapping[str, Any]) -> Iterator[str]:
    """Every text of a report that the HTML page shows: band, reasons, findings' titles, measured units, gap texts,
    messages, notes and sources (for finding the glossary terms it uses)."""
    yield str(report.get("band_label") or "")
    yield from report.get("incomplete_reasons", ())
    for domain in report["domains"]:
        yield domain["title"]
    for result in report["results"]:
        yield result["title"]
        yield str(result["measured"]["unit"] or "")
        if result["gap"] is not None:
            yield result["gap"]["text"]
            yield from (result["message"]["missing"], result["message"]["why"], result["message"]["how"])
        yield str(result.get("overlay_note") or "")
        for source in result["sources"]:
            yield f"{source['title']}, {source['ref']}"
