"""Reading audits from CSV by a version's questions: each cell converted by the kind of its question, a statement
question's answer from its two columns (``<id>.rating`` and ``<id>.evidence``), and every column that is not a
question named, by validation or by the reader."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from api.contract.files import RawAudit, read_audits, read_csv
from api.contract.questions import QuestionSet
from api.errors import AuditInvalid
from api.rules.catalog import load_catalog
from api.service.scoring import ScoringService
from tests.conftest import TODAY, national_questions, valid
from tests.councils import OVERLAY, STATEMENT_QUESTIONS, STATEMENT_RULE, council_standards

STATEMENT = "classroom.visual_timetables"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> ScoringService:
    folder = tmp_path_factory.mktemp("council")
    return ScoringService(load_catalog(council_standards(folder, rules=STATEMENT_RULE, questions=STATEMENT_QUESTIONS)))


def csv_text(header: list[str], *rows: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def read(text: str, questions: Any) -> list[RawAudit]:
    return list(read_csv(io.StringIO(text), "audits.csv", questions))


def one(text: str, questions: Any) -> Any:
    [raw] = read(text, questions)
    assert raw.error is None, raw.error
    return raw.data


def problems(service: ScoringService, data: Any, ref: str | None = OVERLAY) -> list[tuple[str, str]]:
    with pytest.raises(AuditInvalid) as raised:
        service.validate(data, ref, today=TODAY)
    return [(problem.field, problem.message) for problem in raised.value.problems]


def test_cells_are_converted_by_the_kind_of_their_question() -> None:
    header = ["audit_date", "school.urn", "school.phase", "senco.designated", "pupils.on_roll", "senco.protected_fte"]
    header += ["governance.accessibility_plan_reviewed_on", "senco.appointed_on"]
    data = one(
        csv_text(header, ["2026-11-01", "100001", "primary", "Yes", "210", "0.4", "null", ""]), national_questions()
    )
    assert data == {
        "audit_date": "2026-11-01",
        "school": {"urn": "100001", "phase": "primary"},
        "senco": {"designated": True, "protected_fte": 0.4},
        "pupils": {"on_roll": 210},
        "governance": {"accessibility_plan_reviewed_on": None},
    }
    assert valid(data).values["senco.designated"] is True


def test_a_percent_reads_as_a_number_and_unreadable_text_is_left_for_validation() -> None:
    header = ["audit_date", "school.urn", "outcomes.attendance_send_pct", "pupils.on_roll", "senco.designated"]
    data = one(csv_text(header, ["2026-11-01", "100001", "93.5", "many", "perhaps"]), national_questions())
    assert data["outcomes"] == {"attendance_send_pct": 93.5}
    assert (data["pupils"], data["senco"]) == ({"on_roll": "many"}, {"designated": "perhaps"})


@pytest.mark.parametrize(
    ("rating", "evidence", "outcome"),
    [
        ("in_place", "Learning walk, October", None),
        ("not_applicable", "", None),  # the question allows it; no evidence is not answered
        ("sometimes", "Learning walk", (f"{STATEMENT}.rating", "must be one of:")),
        ("in_place", "x" * 501, (f"{STATEMENT}.evidence", "is too long")),
        ("", "Evidence without a rating", (f"{STATEMENT}.rating", "is required")),
    ],
)
def test_a_statement_is_read_from_its_two_columns(
    service: ScoringService, rating: str, evidence: str, outcome: tuple[str, str] | None
) -> None:
    header = ["audit_date", "school.urn", f"{STATEMENT}.rating", f"{STATEMENT}.evidence"]
    text = csv_text(header, ["2026-11-01", "100001", rating, evidence])
    data = one(text, lambda audit_date: service.questions_for(audit_date, OVERLAY))
    answer = {key: value for key, value in (("rating", rating), ("evidence", evidence)) if value}
    assert data["classroom"] == {"visual_timetables": answer}
    if outcome is None:
        audit, standards = service.validate(data, OVERLAY, today=TODAY)
        assert (standards.ref, audit.values[STATEMENT]) == (OVERLAY, answer)
        return
    [(field, message)] = problems(service, data)
    assert field == outcome[0]
    assert message.startswith(outcome[1])


def test_a_version_without_the_statement_names_its_columns(service: ScoringService) -> None:
    header = ["audit_date", "school.urn", f"{STATEMENT}.rating"]
    data = one(csv_text(header, ["2026-11-01", "100001", "in_place"]), national_questions())
    assert problems(service, data, None) == [
        ("classroom", "is not a field of the self-audit; check the spelling against the audit fields")
    ]


@pytest.mark.parametrize(
    "column", ["senco.protected_ftee", "senco.designated.rating", f"{STATEMENT}.note", "sencoo.designated", "notes"]
)
def test_a_column_that_is_not_a_question_is_named(service: ScoringService, column: str) -> None:
    header = ["audit_date", "school.urn", column]
    data = one(csv_text(header, ["2026-11-01", "100001", "yes"]), service.catalog.get(OVERLAY).questions)
    field, message = problems(service, data)[0]
    assert column.startswith(field)  # an unknown section is named by the section
    assert message == "is not a field of the self-audit; check the spelling against the audit fields"
    if "." in column and not column.startswith("sencoo"):
        assert field == column


def test_a_statement_s_own_column_is_an_error_naming_the_two_columns(service: ScoringService) -> None:
    header = ["audit_date", "school.urn", STATEMENT]
    [raw] = read(csv_text(header, ["2026-11-01", "100001", "in_place"]), service.catalog.get(OVERLAY).questions)
    assert raw.error == (
        f"column '{STATEMENT}' is a statement question: give its answer in the columns "
        f"'{STATEMENT}.rating' and '{STATEMENT}.evidence'"
    )


def test_each_row_is_read_by_the_questions_its_audit_date_chooses() -> None:
    asked: list[str | None] = []

    def questions(audit_date: str | None) -> QuestionSet:
        asked.append(audit_date)
        return national_questions()

    header = ["audit_date", "school.urn", "pupils.on_roll"]
    raws = read(csv_text(header, ["2026-11-01", "100001", "3"], ["", "100002", "4"]), questions)
    assert asked == ["2026-11-01", None]
    assert [raw.data["pupils"] for raw in raws] == [{"on_roll": 3}, {"on_roll": 4}]


def test_read_audits_passes_the_questions_to_a_csv_file(tmp_path: Path) -> None:
    path = tmp_path / "audits.csv"
    path.write_text(csv_text(["audit_date", "school.urn", "senco.designated"], ["2026-11-01", "100001", "no"]))
    [raw] = read_audits(path, questions=national_questions())
    assert raw.data["senco"] == {"designated": False}
