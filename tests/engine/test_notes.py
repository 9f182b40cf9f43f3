"""The text and Markdown reports' notes: the known errors of their version with the findings they affect marked,
the footnote on unconfirmed paragraph numbers (once), the sentence saying what the standards are (once) and the
Markdown glossary of the acronyms used (each once)."""

from __future__ import annotations

import copy
import dataclasses
import re
from typing import Any

from api.engine import render
from api.engine.notes import (
    BASELINE,
    MAY_BE_WRONG,
    NO_NOTES,
    UNCONFIRMED,
    WORDS_WRONG,
    ReportNotes,
    errata_heading,
    errata_intro,
    finding_marks,
    notes_for,
)
from api.rules.catalog import Catalog
from tests.conftest import example_audit, score

OLD_REPORT = "paragraph number to be confirmed"


def report_of(catalog: Catalog, ref: str = "national@2026.1") -> dict[str, Any]:
    return score(catalog, ref, example_audit())


def test_text_lists_the_known_errors_and_marks_each_affected_finding(catalog: Catalog) -> None:
    report = report_of(catalog)
    notes = notes_for(catalog, report)
    assert notes.errata == catalog.get("national@2026.1").errata
    text = render.to_text(report, notes)
    assert text.count(errata_heading(report, notes.errata) + "\n") == 1
    assert errata_heading(report, notes.errata).startswith("Known errors in national@2026.1")
    assert errata_intro(notes.errata) in text
    for error in notes.errata:
        assert error.effect in text
    marks = finding_marks(notes.errata)
    assert marks["senco.qualification"] == MAY_BE_WRONG  # E1 outweighs E5
    assert marks["senco.slt"] == WORDS_WRONG  # E6
    for result in report["results"]:
        first = text.split(f"[{result['rule']};", 1)[1].split("\n")[1]  # the line after the finding's status
        if result["rule"] in marks:
            assert first == f"  Known error: {marks[result['rule']]}: see known errors above.", result["rule"]
        else:
            assert not first.startswith("  Known error"), result["rule"]
    assert text.count("Known error: ") == len(marks)


def test_markdown_has_a_known_errors_section_and_marks_findings(catalog: Catalog) -> None:
    report = report_of(catalog)
    notes = notes_for(catalog, report)
    markdown = render.to_markdown(report, notes)
    assert markdown.count(f"## {errata_heading(report, notes.errata)}\n") == 1
    section = markdown.split("## Known errors", 1)[1].split("| Rule |", 1)[0]
    assert "The SENCO is a qualified teacher: It may wrongly find that a legal duty is not met." in section  # E2
    assert "The SENCO has enough protected time for the SEND caseload; " in section, "E9 shown once for its rules"
    statutory = next(r for r in report["results"] if r["rule"] == "governance.sen-information-report")
    assert f"| {statutory['title']} (known error) |" in markdown
    finding = markdown.split(f"## Not met: {statutory['title']}\n", 1)[1]
    assert finding.lstrip().startswith(f"- **Known error:** {MAY_BE_WRONG}: see known errors above.")


def test_a_corrected_version_is_named_in_the_heading(catalog: Catalog) -> None:
    report = {"standards": {"set": "national", "version": "2026.1"}, "results": []}
    errata = catalog.get("national@2026.1").errata
    corrected = tuple(dataclasses.replace(error, corrected_by="national@2026.2") for error in errata)
    assert errata_heading(report, corrected) == "Known errors in national@2026.1, corrected in national@2026.2"
    assert "Score the audit against national@2026.2 for a corrected report." in errata_intro(corrected)
    draft = tuple(dataclasses.replace(error, corrected_by=None) for error in errata)
    assert errata_heading(report, draft) == "Known errors in national@2026.1"
    assert "No corrected version is published yet." in errata_intro(draft)


def test_national_2025_1_shows_its_own_errata(catalog: Catalog) -> None:
    report = report_of(catalog, "national@2025.1")
    text = render.to_text(report, notes_for(catalog, report))
    assert "Known errors in national@2025.1" in text
    assert "Almost every mainstream secondary school is shown as not meeting this rule" in text  # E8


def test_an_overlay_shows_the_errors_it_inherits_and_its_own(catalog: Catalog) -> None:
    report = report_of(catalog, "somerset-example@2026.1")
    markdown = render.to_markdown(report, notes_for(catalog, report))
    assert "## Known errors in somerset-example@2026.1" in markdown
    assert "A missing Local Offer link lowers the score twice." in markdown  # E7
    assert "(An error of national@2026.1, which these standards build on.)" in markdown


def test_unconfirmed_paragraph_numbers_are_starred_and_footnoted_once(catalog: Catalog) -> None:
    report = report_of(catalog)
    for text in (render.to_text(report), render.to_markdown(report)):
        assert OLD_REPORT not in text
        assert text.count(UNCONFIRMED) == 1
        assert re.search(r"paragraph 6\.8[57]\*", text)
        assert text.rstrip().endswith(UNCONFIRMED) or "## Words and abbreviations" in text
    confirmed = copy.deepcopy(report)
    for result in confirmed["results"]:
        for source in result["sources"]:
            source["verify"] = False
    assert UNCONFIRMED not in render.to_text(confirmed)
    assert UNCONFIRMED not in render.to_markdown(confirmed)


def test_every_report_says_once_what_the_standards_are(catalog: Catalog) -> None:
    report = report_of(catalog)
    for notes in (NO_NOTES, notes_for(catalog, report)):
        for text in (render.to_text(report, notes), render.to_markdown(report, notes)):
            assert text.count(BASELINE) == 1
    assert "not the Department for Education's National Inclusion Standards (promised for 2028)" in BASELINE


def test_without_errata_there_is_no_notice_and_no_mark(catalog: Catalog) -> None:
    report = report_of(catalog)
    for text in (render.to_text(report), render.to_markdown(report, ReportNotes(glossary=catalog.glossary))):
        assert "Known error" not in text


def test_the_markdown_glossary_lists_each_acronym_used_once_and_no_other(catalog: Catalog) -> None:
    report = report_of(catalog)
    markdown = render.to_markdown(report, notes_for(catalog, report))
    assert markdown.count("## Words and abbreviations") == 1
    body, glossary = markdown.split("## Words and abbreviations", 1)
    listed = re.findall(r"^- \*\*(.+?)\*\*: ", glossary, re.M)
    assert len(listed) == len(set(listed))
    assert {"SEND", "SENCO", "TA", "FTE", "EHC plan"} <= set(listed)
    assert [term.term for term in catalog.glossary.used_in([body])] == listed
    assert "IMF" not in listed, "not used in this report"
    assert "## Words and abbreviations" not in render.to_text(report, notes_for(catalog, report))
