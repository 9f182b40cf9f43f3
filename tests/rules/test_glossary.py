"""The glossary: read strictly from standards/glossary.yaml, and matched as whole words in a report's texts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from api.errors import StandardsError
from api.rules.catalog import load_catalog
from api.rules.glossary import GLOSSARY_FILE, Glossary, GlossaryTerm, load_glossary

ROOT = Path(__file__).resolve().parents[2] / "standards"
ACRONYMS = ("SEND", "SEN", "SENCO", "EHC plan", "TA", "IMF", "NPQ", "FTE", "EEF", "SLT", "CPD")


def test_the_real_glossary_spells_out_every_acronym_the_brief_names() -> None:
    glossary = load_catalog(ROOT).glossary
    terms = {term.term: term.words for term in glossary.terms}
    assert set(ACRONYMS) <= set(terms)
    assert terms["SENCO"].startswith("Special educational needs co-ordinator")


def test_terms_match_whole_words_with_or_without_a_plural() -> None:
    glossary = Glossary.of(
        [
            GlossaryTerm(term="SEN", words="Special educational needs."),
            GlossaryTerm(term="SENCO", words="Co-ordinator."),
            GlossaryTerm(term="TA", words="Teaching assistant."),
            GlossaryTerm(term="EHC plan", also=("EHCP",), words="Education, health and care plan."),
        ]
    )
    assert glossary.used_in(["TASK and SENDing", "a sentence"]) == []
    assert [t.term for t in glossary.used_in(["Two TAs and the SENCOs"])] == ["SENCO", "TA"]
    assert [t.term for t in glossary.used_in(["SEN support", "two EHCPs"])] == ["SEN", "EHC plan"]
    assert [t.term for t in glossary.used_in(["EHC plans"])] == ["EHC plan"]


def copy_with_glossary(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "standards"
    shutil.copytree(ROOT, root)
    (root / GLOSSARY_FILE).write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("text", "line", "term", "words"),
    [
        ("terms:\n  - term: TA\n    words: Teaching assistant.\n    colour: red\n", 4, "TA", "unknown key 'colour'"),
        (
            "terms:\n  - term: TA\n    words: A.\n  - term: SLT\n    also: [TA]\n    words: B.\n",
            4,
            "SLT",
            "'TA' is listed twice",
        ),
        ("terms:\n  - term: teaching\n    words: A.\n", 2, "teaching", "term: String should match"),
        ("terms:\n  - term: TA\n", 2, "TA", "'words' is required"),
        ("words: []\n", 1, None, "unknown key 'words'"),
    ],
    ids=["unknown-key", "spelling-twice", "not-an-acronym", "no-words", "not-terms"],
)
def test_a_broken_glossary_stops_the_load_with_line_and_term(
    tmp_path: Path, text: str, line: int, term: str | None, words: str
) -> None:
    root = copy_with_glossary(tmp_path, text)
    with pytest.raises(StandardsError) as raised:
        load_catalog(root, verify_lock=False)
    problems = [p for p in raised.value.problems if words in p.message]
    assert problems, raised.value.problems
    assert (problems[0].file, problems[0].line, problems[0].rule) == (GLOSSARY_FILE, line, term)


def test_no_glossary_file_is_an_empty_glossary(tmp_path: Path) -> None:
    assert load_glossary(tmp_path) == (Glossary(), [])
