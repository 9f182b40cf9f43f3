"""The self-audit input contract of the current national version's questions: what parses, what is kept, and every
way an audit can be refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.contract.kinds import PHASES, FieldKind
from api.contract.question_model import audit_model
from api.contract.questions import field_specs
from api.contract.validation import flatten, validate_audit
from api.errors import AuditInvalid, FieldProblem
from tests.conftest import TODAY, minimal_audit, national_questions, valid

AUDIT_DATE = dt.date(2026, 11, 1)
DAY = dt.timedelta(days=1)
# The audit contract of the current national version: its fields by path, its model and the model's sections.
FIELDS = field_specs(national_questions())
AUDIT = audit_model(national_questions())
SECTIONS = tuple(name for name in AUDIT.model_fields if name != "audit_date")


def full_audit() -> dict[str, Any]:
    """An audit that answers every field, consistently (no date after the audit date, no sum too big)."""
    return {
        "audit_date": AUDIT_DATE.isoformat(),
        "school": {
            "urn": "113328",
            "name": "Example Primary School",
            "phase": "primary",
            "sites": 2,
            "receives_imf": True,
        },
        "pupils": {"on_roll": 420, "sen_support": 60, "ehcp": 8},
        "senco": {
            "designated": True,
            "qualified_teacher": True,
            "appointed_on": "2023-09-01",
            "prior_senco_months": 0,
            "qualification": "npq_senco",
            "qualification_started_on": "2024-10-01",
            "qualification_completed_on": "2026-06-30",
            "on_slt": True,
            "protected_fte": 0.6,
            "admin_hours_per_week": 4.5,
            "private_workspace": True,
            "secure_storage": False,
        },
        "staffing": {
            "teachers_fte": 18.5,
            "ta_fte": 9.0,
            "ta_deployment_policy": True,
            "ta_liaison_minutes_per_week": 30,
            "ta_structured_intervention_pct": 75.0,
        },
        "training": {
            "teachers_total": 20,
            "teachers_send_cpd_12m": 17,
            "tas_total": 12,
            "tas_send_training_12m": 12,
            "send_cpd_hours_per_teacher": 6.0,
            "areas_of_need_covered": 3,
        },
        "environment": {
            "sensory_spaces": 1,
            "small_group_rooms": 2,
            "accessible_toilet": True,
            "sensory_audit_on": "2026-01-15",
            "inclusion_base": "none",
        },
        "leadership": {"slt_senco_qualified": 1, "inclusion_strategy_reviewed_on": "2026-10-01"},
        "governance": {
            "send_governor": True,
            "sen_information_report_updated_on": "2026-09-20",
            "accessibility_plan_reviewed_on": "2024-07-01",
            "send_governor_trained_on": "2025-03-10",
            "send_report_to_board_on": "2026-07-01",
        },
        "published": {
            "send_policy_reviewed_on": "2025-09-01",
            "local_offer_link": True,
            "sen_report_items_missing": 2,
        },
        "outcomes": {
            "attendance_send_pct": 91.5,
            "attendance_non_send_pct": 95.0,
            "suspension_rate_send": 4.0,
            "suspension_rate_non_send": 1.5,
            "parents_met_three_times_pct": 80.0,
        },
    }


def answered_paths(data: dict[str, Any]) -> set[str]:
    """The dotted paths a nested audit answers."""
    paths = set()
    for key, value in data.items():
        if isinstance(value, dict):
            paths |= {f"{key}.{name}" for name in value}
        else:
            paths.add(key)
    return paths


def subset(data: dict[str, Any], keep: set[str]) -> dict[str, Any]:
    """``data`` keeping only the dotted paths in ``keep`` (plus the required date and URN)."""
    keep = keep | {"audit_date", "school.urn"}
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            section = {name: item for name, item in value.items() if f"{key}.{name}" in keep}
            if section:
                out[key] = section
        elif key in keep:
            out[key] = value
    return out


def problems_of(data: Any, today: dt.date | None = TODAY) -> list[FieldProblem]:
    """The problems validate_audit lists for ``data`` (fails the test if the audit is accepted)."""
    with pytest.raises(AuditInvalid) as caught:
        validate_audit(data, today=today, questions=national_questions())
    return caught.value.problems


def section_field_paths() -> set[str]:
    """Every field of every audit section, read from the models themselves."""
    paths = set()
    for section in SECTIONS:
        model = AUDIT.model_fields[section].annotation
        assert isinstance(model, type)
        paths |= {f"{section}.{name}" for name in model.model_fields}
    return paths


# ---------------------------------------------------------------- valid audits


def test_full_audit_parses_with_every_field_answered() -> None:
    data = full_audit()
    audit = valid(data)
    assert set(audit.values) == answered_paths(data)
    assert set(audit.values) == set(FIELDS)
    assert audit.audit_date == AUDIT_DATE
    assert audit.urn == "113328"
    assert audit.values["senco.appointed_on"] == dt.date(2023, 9, 1)
    assert audit.values["senco.protected_fte"] == pytest.approx(0.6)
    assert audit.values["school.phase"] == "primary"


def test_flatten_keeps_only_answered_fields() -> None:
    data = minimal_audit(pupils={"on_roll": 200}, governance={"send_governor": False})
    flat = flatten(AUDIT.model_validate(data), SECTIONS)
    assert flat == {
        "audit_date": AUDIT_DATE,
        "school.urn": "100000",
        "pupils.on_roll": 200,
        "governance.send_governor": False,
    }
    assert dict(valid(data).values) == flat


def test_null_date_is_kept_as_none_and_absent_date_is_missing() -> None:
    audit = valid(minimal_audit(governance={"accessibility_plan_reviewed_on": None}))
    assert "governance.accessibility_plan_reviewed_on" in audit.values
    assert audit.values["governance.accessibility_plan_reviewed_on"] is None
    assert "governance.sen_information_report_updated_on" not in audit.values
    absent = valid(minimal_audit(governance={"send_governor": True}))
    assert "governance.accessibility_plan_reviewed_on" not in absent.values


@pytest.mark.parametrize("path", sorted(spec.path for spec in FIELDS.values() if spec.nullable))
def test_every_nullable_field_keeps_its_null(path: str) -> None:
    section, name = path.split(".")
    audit = valid(minimal_audit(**{section: {name: None}}))
    assert path in audit.values
    assert audit.values[path] is None


def test_an_int_urn_is_accepted_as_text() -> None:
    audit = valid(minimal_audit(school={"urn": 113328}))
    assert audit.urn == "113328"


def test_dates_may_be_date_objects() -> None:
    audit = valid(minimal_audit(audit_date=AUDIT_DATE, senco={"appointed_on": dt.date(2024, 1, 8)}))
    assert audit.values["senco.appointed_on"] == dt.date(2024, 1, 8)


def test_audit_date_of_today_is_accepted() -> None:
    assert valid(minimal_audit(audit_date=TODAY.isoformat())).audit_date == TODAY


def test_nested_round_trips_a_full_audit() -> None:
    data = full_audit()
    audit = valid(data)
    assert audit.nested() == data
    assert valid(audit.nested()).values == audit.values


@settings(max_examples=60, deadline=None)
@given(keep=st.sets(st.sampled_from(sorted(answered_paths(full_audit())))))
def test_any_answered_subset_round_trips(keep: set[str]) -> None:
    data = subset(full_audit(), keep)
    audit = valid(data)
    assert set(audit.values) == keep | {"audit_date", "school.urn"}
    assert audit.nested() == data
    assert valid(audit.nested()).values == audit.values


# ---------------------------------------------------------------- the fields by path


def test_fields_lists_every_section_field_and_the_audit_date() -> None:
    assert set(FIELDS) == section_field_paths() | {"audit_date"}
    for path, spec in FIELDS.items():
        assert spec.path == path
        assert isinstance(spec.kind, FieldKind)
        assert spec.description


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("audit_date", FieldKind.date),
        ("school.urn", FieldKind.text),
        ("school.receives_imf", FieldKind.flag),
        ("senco.designated", FieldKind.flag),
        ("pupils.on_roll", FieldKind.whole_number),
        ("school.sites", FieldKind.whole_number),
        ("training.areas_of_need_covered", FieldKind.whole_number),
        ("senco.protected_fte", FieldKind.number),
        ("outcomes.attendance_send_pct", FieldKind.number),
        ("governance.accessibility_plan_reviewed_on", FieldKind.date),
        ("senco.appointed_on", FieldKind.date),
        ("school.phase", FieldKind.choice),
        ("senco.qualification", FieldKind.choice),
        ("environment.inclusion_base", FieldKind.choice),
    ],
)
def test_field_kind(path: str, kind: FieldKind) -> None:
    assert FIELDS[path].kind is kind


@pytest.mark.parametrize(
    ("path", "choices"),
    [
        (
            "school.phase",
            {
                "nursery",
                "primary",
                "middle_deemed_primary",
                "middle_deemed_secondary",
                "secondary",
                "all_through",
                "sixteen_plus",
            },
        ),
        ("senco.qualification", {"npq_senco", "nasenco", "none"}),
        ("environment.inclusion_base", {"none", "planned", "support", "specialist"}),
    ],
)
def test_choice_fields_list_their_choices(path: str, choices: set[str]) -> None:
    assert set(FIELDS[path].choices) == choices


@pytest.mark.parametrize(
    ("path", "nullable"),
    [
        ("governance.accessibility_plan_reviewed_on", True),
        ("senco.qualification_completed_on", True),
        ("senco.appointed_on", False),
        ("pupils.on_roll", False),
        ("audit_date", False),
    ],
)
def test_field_nullable(path: str, nullable: bool) -> None:
    assert FIELDS[path].nullable is nullable


def test_only_dated_fields_are_nullable() -> None:
    assert all(spec.kind is FieldKind.date for spec in FIELDS.values() if spec.nullable)


# ---------------------------------------------------------------- invalid audits, one problem each

INVALID: list[tuple[str, Any, str, tuple[str, ...]]] = [
    # (id, audit, the field named, words the message must contain)
    ("unknown-top-level-key", {**minimal_audit(), "senko": {}}, "senko", ("not a field",)),
    ("unknown-section-field", minimal_audit(senco={"designatd": True}), "senco.designatd", ("not a field",)),
    ("section-is-a-list", minimal_audit(senco=[True]), "senco", ("object",)),
    ("section-is-text", minimal_audit(pupils="420"), "pupils", ("object",)),
    ("section-is-null", minimal_audit(staffing=None), "staffing", ("object",)),
    ("flag-as-yes", minimal_audit(senco={"designated": "yes"}), "senco.designated", ("true or false",)),
    ("flag-as-1", minimal_audit(senco={"on_slt": 1}), "senco.on_slt", ("true or false",)),
    ("whole-number-2.5", minimal_audit(pupils={"on_roll": 2.5}), "pupils.on_roll", ("whole number",)),
    ("whole-number-as-text", minimal_audit(pupils={"on_roll": "3"}), "pupils.on_roll", ("whole number",)),
    ("whole-number-as-bool", minimal_audit(pupils={"ehcp": True}), "pupils.ehcp", ("whole number",)),
    ("number-as-text", minimal_audit(senco={"protected_fte": "0.4"}), "senco.protected_fte", ("number",)),
    ("negative-whole-number", minimal_audit(pupils={"on_roll": -1}), "pupils.on_roll", ("0", "or more")),
    (
        "negative-number",
        minimal_audit(senco={"protected_fte": -0.2}),
        "senco.protected_fte",
        ("0", "or more"),
    ),
    ("not-finite", minimal_audit(staffing={"ta_fte": float("inf")}), "staffing.ta_fte", ("finite",)),
    (
        "percent-over-100",
        minimal_audit(outcomes={"attendance_send_pct": 100.5}),
        "outcomes.attendance_send_pct",
        ("100", "or less"),
    ),
    (
        "areas-of-need-over-4",
        minimal_audit(training={"areas_of_need_covered": 5}),
        "training.areas_of_need_covered",
        ("4", "or less"),
    ),
    ("urn-5-digits", minimal_audit(school={"urn": "12345"}), "school.urn", ("6-digit",)),
    ("urn-7-digits", minimal_audit(school={"urn": "1233280"}), "school.urn", ("6-digit",)),
    ("urn-letters", minimal_audit(school={"urn": "11332A"}), "school.urn", ("6-digit",)),
    ("urn-short-int", minimal_audit(school={"urn": 11332}), "school.urn", ("6-digit",)),
    ("urn-bool", minimal_audit(school={"urn": True}), "school.urn", ("6-digit",)),
    (
        "phase-not-listed",
        minimal_audit(school={"urn": "100000", "phase": "college"}),
        "school.phase",
        ("one of", *PHASES),
    ),
    (
        "qualification-not-listed",
        minimal_audit(senco={"qualification": "masters"}),
        "senco.qualification",
        ("one of", "npq_senco", "nasenco", "none"),
    ),
    ("sites-0", minimal_audit(school={"urn": "100000", "sites": 0}), "school.sites", ("1", "or more")),
    ("name-not-text", minimal_audit(school={"urn": "100000", "name": 42}), "school.name", ("text",)),
    (
        "sen-support-and-ehcp-over-roll",
        minimal_audit(pupils={"on_roll": 100, "sen_support": 90, "ehcp": 11}),
        "pupils.sen_support",
        ("90", "11", "100", "more than"),
    ),
    (
        "teachers-trained-over-total",
        minimal_audit(training={"teachers_total": 20, "teachers_send_cpd_12m": 21}),
        "training.teachers_send_cpd_12m",
        ("more than", "20"),
    ),
    (
        "tas-trained-over-total",
        minimal_audit(training={"tas_total": 8, "tas_send_training_12m": 9}),
        "training.tas_send_training_12m",
        ("more than", "8"),
    ),
    (
        "audit-date-in-future",
        minimal_audit(audit_date=(TODAY + DAY).isoformat()),
        "audit_date",
        ("future",),
    ),
    (
        "completed-before-started",
        minimal_audit(senco={"qualification_started_on": "2025-06-01", "qualification_completed_on": "2025-05-31"}),
        "senco.qualification_completed_on",
        ("earlier", "started the qualification"),
    ),
    ("null-on-roll", minimal_audit(pupils={"on_roll": None}), "pupils.on_roll", ("null",)),
    ("null-flag", minimal_audit(senco={"designated": None}), "senco.designated", ("null",)),
    ("null-non-nullable-date", minimal_audit(senco={"appointed_on": None}), "senco.appointed_on", ("null",)),
    ("null-urn", minimal_audit(school={"urn": None}), "school.urn", ("null",)),
    (
        "date-as-number",
        minimal_audit(governance={"accessibility_plan_reviewed_on": 20250101}),
        "governance.accessibility_plan_reviewed_on",
        ("date", "YYYY-MM-DD"),
    ),
    (
        "date-not-a-date",
        minimal_audit(senco={"appointed_on": "1st September"}),
        "senco.appointed_on",
        ("date", "YYYY-MM-DD"),
    ),
    (
        "date-impossible",
        minimal_audit(senco={"appointed_on": "2025-02-30"}),
        "senco.appointed_on",
        ("date", "YYYY-MM-DD"),
    ),
    ("audit-date-null", minimal_audit(audit_date=None), "audit_date", ("date",)),
    ("missing-audit-date", {"school": {"urn": "100000"}}, "audit_date", ("required",)),
    ("missing-school", {"audit_date": "2026-11-01"}, "school", ("required",)),
    ("missing-urn", {"audit_date": "2026-11-01", "school": {"name": "X"}}, "school.urn", ("required",)),
    ("audit-is-a-list", [minimal_audit()], "(audit)", ("object",)),
    ("audit-is-text", "audit", "(audit)", ("object",)),
    ("audit-is-null", None, "(audit)", ("object",)),
]


@pytest.mark.parametrize(("data", "field", "words"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_audit_names_the_field(data: Any, field: str, words: tuple[str, ...]) -> None:
    problems = problems_of(data)
    assert [problem.field for problem in problems] == [field]
    for word in words:
        assert word in problems[0].message


DATE_FIELDS = sorted(spec.path for spec in FIELDS.values() if spec.kind is FieldKind.date and "." in spec.path)


@pytest.mark.parametrize("path", DATE_FIELDS)
def test_a_date_later_than_the_audit_date_is_refused(path: str) -> None:
    section, name = path.split(".")
    problems = problems_of(minimal_audit(**{section: {name: (AUDIT_DATE + DAY).isoformat()}}))
    assert [problem.field for problem in problems] == [path]
    assert "later than the audit date" in problems[0].message
    assert AUDIT_DATE.isoformat() in problems[0].message


@pytest.mark.parametrize("path", DATE_FIELDS)
def test_a_date_on_the_audit_date_is_accepted(path: str) -> None:
    section, name = path.split(".")
    audit = valid(minimal_audit(**{section: {name: AUDIT_DATE.isoformat()}}))
    assert audit.values[path] == AUDIT_DATE


def test_no_today_means_no_future_check() -> None:
    future = (TODAY + 365 * DAY).isoformat()
    audit = validate_audit(minimal_audit(audit_date=future), questions=national_questions())
    assert audit.audit_date == TODAY + 365 * DAY


def test_every_problem_is_listed_at_once() -> None:
    data = {
        **minimal_audit(
            school={"urn": "123"},
            pupils={"on_roll": -5},
            senco={"designated": "yes", "appointed_on": "2027-01-01"},
            training={"tas_total": 2, "tas_send_training_12m": 3},
        ),
        "extra": 1,
    }
    with pytest.raises(AuditInvalid) as caught:
        validate_audit(data, today=TODAY, questions=national_questions())
    fields = [problem.field for problem in caught.value.problems]
    assert sorted(fields) == sorted(
        [
            "school.urn",
            "pupils.on_roll",
            "senco.designated",
            "senco.appointed_on",
            "training.tas_send_training_12m",
            "extra",
        ]
    )
    assert str(caught.value).startswith("6 problems: ")


def test_problem_is_json_ready() -> None:
    problem = problems_of(minimal_audit(pupils={"on_roll": -1}))[0]
    assert problem.as_dict() == {"field": "pupils.on_roll", "message": problem.message}


# ---------------------------------------------------------------- nulls, and dates not written YYYY-MM-DD


def test_every_null_in_a_section_is_listed() -> None:
    problems = problems_of(minimal_audit(pupils={"on_roll": None, "ehcp": None}))
    assert sorted(problem.field for problem in problems) == ["pupils.ehcp", "pupils.on_roll"]


def test_a_null_does_not_hide_other_problems_in_its_section() -> None:
    problems = problems_of(minimal_audit(senco={"designated": None, "on_slt": "yes", "extra": 1}))
    assert sorted(problem.field for problem in problems) == [
        "senco.designated",
        "senco.extra",
        "senco.on_slt",
    ]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param(minimal_audit(audit_date="2026-12-01T00:00:00"), "audit_date", id="future-with-time"),
        pytest.param(minimal_audit(audit_date="2026-12-01 00:00"), "audit_date", id="future-with-short-time"),
        pytest.param(
            minimal_audit(governance={"send_report_to_board_on": "2026-12-01T00:00:00"}),
            "governance.send_report_to_board_on",
            id="later-with-time",
        ),
        pytest.param(minimal_audit(audit_date="1798761600"), "audit_date", id="future-as-timestamp-text"),
        pytest.param(minimal_audit(senco={"appointed_on": "1704067200"}), "senco.appointed_on", id="timestamp-text"),
    ],
)
def test_dates_not_written_yyyy_mm_dd_cannot_slip_past_the_date_checks(data: dict[str, Any], field: str) -> None:
    problems = problems_of(data)
    assert field in [problem.field for problem in problems]


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(minimal_audit(senco={"appointed_on": dt.datetime(2024, 9, 1, 8, 30)}), id="field"),
        pytest.param(minimal_audit(audit_date=dt.datetime(2026, 11, 1, 9, 15)), id="audit-date"),
    ],
)
def test_a_datetime_object_is_refused_not_a_crash(data: dict[str, Any]) -> None:
    problems = problems_of(data)
    assert problems
