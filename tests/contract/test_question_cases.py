"""Question cases: every YAML file under tests/questions/ is discovered and run; none is listed by hand.

A case file is named after the question kind or constraint kind it tests (``date.yaml``, or ``date.<more>.yaml``
when a kind needs a second question set), declares a small question set of its own, and lists answers that are
valid (with the values they give) or invalid (with every problem's field and words in its message). Each case is
validated exactly as the service validates an audit: :func:`api.contract.validation.validate_audit` by the file's
questions. See tests/questions/README.md.
"""

from __future__ import annotations

import datetime as dt
import json
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from api.contract.questions import Constraint, QuestionKind, QuestionSet
from api.contract.validation import validate_audit
from api.errors import AuditInvalid
from api.rules.question_files import check_question_file
from tests.conftest import minimal_audit

CASES_DIR = Path(__file__).parents[1] / "questions"
FILE_KEYS = {"questions", "cases"}
CASE_KEYS = {"note", "answers", "today", "want"}
WANT_KEYS = {"valid", "absent", "problems"}
QUESTION_KINDS: tuple[str, ...] = typing.get_args(QuestionKind)
CONSTRAINT_MODELS = typing.get_args(typing.get_args(Constraint)[0])
CONSTRAINT_KINDS: tuple[str, ...] = tuple(
    typing.get_args(model.model_fields["kind"].annotation)[0] for model in CONSTRAINT_MODELS
)


class CaseLoader(yaml.SafeLoader):
    """The safe YAML loader, plus ``!repeat [text, times]`` for long answers (``text`` written ``times`` over)."""


def _repeat(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> str:
    text, times = loader.construct_sequence(node)
    assert isinstance(text, str), "!repeat takes [text, times]"
    assert isinstance(times, int), "!repeat takes [text, times]"
    return text * times


CaseLoader.add_constructor("!repeat", _repeat)


@dataclass(frozen=True)
class QuestionCase:
    """One case of a file: the answers laid over a minimal audit, today (if any), and what validation gives."""

    file: str
    index: int
    note: str
    questions: QuestionSet
    answers: Mapping[str, Any]
    today: dt.date | None
    want: Mapping[str, Any]

    @property
    def id(self) -> str:
        return f"{self.file}#{self.index}"


def kind_of(path: Path) -> str:
    """The kind a case file tests: its name up to the first dot."""
    return path.name.split(".", 1)[0]


def read(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=CaseLoader)  # a SafeLoader
    assert isinstance(data, dict), f"{path.name}: must be a mapping"
    assert set(data) == FILE_KEYS, f"{path.name}: the keys are {sorted(FILE_KEYS)}"
    return data


def discover() -> list[QuestionCase]:
    """Every case of every file, each file's questions read once (validation keeps its model per question set)."""
    found: list[QuestionCase] = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        data = read(path)
        questions = QuestionSet.model_validate(data["questions"])
        for index, case in enumerate(data["cases"]):
            assert set(case) <= CASE_KEYS, f"{path.name} case {index}: unknown keys {set(case) - CASE_KEYS}"
            assert {"note", "answers", "want"} <= set(case), f"{path.name} case {index}: needs note, answers, want"
            want = case["want"]
            assert set(want) <= WANT_KEYS, f"{path.name} case {index}: unknown want keys {set(want) - WANT_KEYS}"
            assert ("valid" in want) != ("problems" in want), f"{path.name} case {index}: want valid or problems"
            found.append(
                QuestionCase(path.name, index, case["note"], questions, case["answers"], case.get("today"), want)
            )
    return found


ALL_CASES = discover()


def as_json(data: Mapping[str, Any]) -> Any:
    """The audit as a JSON body carries it: dates as text, infinities as JSON's ``Infinity``."""
    return json.loads(json.dumps(data, default=str))


@pytest.mark.parametrize("case", ALL_CASES, ids=[case.id for case in ALL_CASES])
def test_question_case(case: QuestionCase) -> None:
    data = as_json(minimal_audit(**case.answers))
    want = case.want
    if "problems" in want:
        with pytest.raises(AuditInvalid) as raised:
            validate_audit(data, questions=case.questions, today=case.today)
        got = [(problem.field, problem.message) for problem in raised.value.problems]
        assert [field for field, _ in got] == sorted(p["field"] for p in want["problems"]), f"{case.note}: {got}"
        says = {p["field"]: p["says"] if isinstance(p["says"], list) else [p["says"]] for p in want["problems"]}
        for field, message in got:
            missing = [words for words in says[field] if words not in message]
            assert not missing, f"{case.note}: {field}: {message!r} does not say {missing}"
        return
    try:
        audit = validate_audit(data, questions=case.questions, today=case.today)
    except AuditInvalid as error:
        pytest.fail(f"{case.note}: refused: {[problem.as_dict() for problem in error.problems]}")
    for path, value in want["valid"].items():
        assert path in audit.values, f"{case.note}: {path} is not among the answers"
        assert audit.values[path] == value, f"{case.note}: {path}"
    for path in want.get("absent", []):
        assert path not in audit.values, f"{case.note}: {path} should be left out, not {audit.values[path]!r}"


def test_every_kind_has_a_file_of_cases_that_accept_and_refuse() -> None:
    outcomes: dict[str, set[str]] = {}
    for case in ALL_CASES:
        outcome = "problems" if "problems" in case.want else "valid"
        outcomes.setdefault(kind_of(CASES_DIR / case.file), set()).add(outcome)
    lacking = [
        f"{kind}: has {sorted(outcomes.get(kind, set())) or 'no cases'}"
        for kind in (*QUESTION_KINDS, *CONSTRAINT_KINDS)
        if outcomes.get(kind) != {"valid", "problems"}
    ]
    assert not lacking, "kinds without a valid and an invalid case:\n" + "\n".join(lacking)


@pytest.mark.parametrize("path", sorted(CASES_DIR.glob("*.yaml")), ids=lambda path: path.name)
def test_a_case_file_tests_its_kind_on_a_sound_question_set(path: Path) -> None:
    kind = kind_of(path)
    assert kind in (*QUESTION_KINDS, *CONSTRAINT_KINDS), f"{path.name}: '{kind}' is not a question or constraint kind"
    questions = QuestionSet.model_validate(read(path)["questions"])
    assert check_question_file(questions, {}, path.name) == []
    used = {question.kind for question in questions.questions} | {rule.kind for rule in questions.constraints}
    assert kind in used, f"{path.name}: its questions have no {kind}"
