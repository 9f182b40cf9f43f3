"""Properties of scoring over generated valid audits (hypothesis, bounded)."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.contract.questions import field_specs
from api.contract.validation import validate_audit
from api.engine.scoring import Scorer
from api.rules.catalog import Catalog, load_catalog
from tests.conftest import TODAY, national_questions
from tests.engine.expectations import (
    expected_band,
    expected_capped_by,
    expected_complete,
    expected_score,
    yaml_file,
)

BOUNDED = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CATALOG: Catalog = load_catalog()
SCORERS = {standards.ref: Scorer(standards) for standards in CATALOG.all()}
FIELDS = field_specs(national_questions())  # the choices audits are drawn from
CURRENT = "national@2026.1"
STATUS_ORDER = {"not_met": 0, "partially_met": 1, "met": 2}
EARLIEST_AUDIT = dt.date(2025, 10, 1)  # national@2025.1 takes effect
EARLIEST_DATE = dt.date(2015, 1, 1)

ABSENT = object()


# ---------------------------------------------------------------------------------------------- strategies


def two_decimals(top: float) -> st.SearchStrategy[float]:
    """Figures as people type them (0.45 FTE)."""
    return st.integers(0, int(top * 100)).map(lambda n: n / 100)


def number(top: float) -> st.SearchStrategy[float]:
    return st.one_of(two_decimals(top), st.floats(0, top, allow_nan=False, allow_infinity=False))


def flag() -> st.SearchStrategy[bool]:
    return st.booleans()


@st.composite
def audits(draw: st.DrawFn, required: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A valid audit: every section, each field answered or (about one time in eight) left out."""
    audit_date = draw(st.dates(EARLIEST_AUDIT, TODAY))
    answered: dict[str, Any] = {}

    def put(path: str, strategy: st.SearchStrategy[Any]) -> Any:
        if path not in required and draw(st.integers(0, 7)) == 0:
            return ABSENT
        value = draw(strategy)
        answered[path] = value
        return value

    def day(nullable: bool, earliest: dt.date = EARLIEST_DATE) -> st.SearchStrategy[Any]:
        days = st.dates(earliest, audit_date).map(dt.date.isoformat)
        return st.one_of(st.none(), days) if nullable else days

    put("school.name", st.text("abcdefghij ", min_size=1, max_size=20))
    put("school.phase", st.sampled_from(FIELDS["school.phase"].choices))
    put("school.sites", st.integers(1, 4))
    put("school.receives_imf", flag())

    on_roll = put("pupils.on_roll", st.integers(0, 2000))
    roll_left = 600 if on_roll is ABSENT else on_roll
    sen_support = put("pupils.sen_support", st.integers(0, roll_left))
    if sen_support is not ABSENT and on_roll is not ABSENT:
        roll_left -= sen_support
    put("pupils.ehcp", st.integers(0, min(roll_left, 200)))

    put("senco.designated", flag())
    put("senco.qualified_teacher", flag())
    put("senco.appointed_on", day(False))
    put("senco.prior_senco_months", st.integers(0, 60))
    put("senco.qualification", st.sampled_from(FIELDS["senco.qualification"].choices))
    started = put("senco.qualification_started_on", day(True))
    completed_from = EARLIEST_DATE if started in (None, ABSENT) else dt.date.fromisoformat(started)
    put("senco.qualification_completed_on", day(True, completed_from))
    put("senco.on_slt", flag())
    put("senco.protected_fte", number(3))
    put("senco.admin_hours_per_week", number(20))
    put("senco.private_workspace", flag())
    put("senco.secure_storage", flag())

    put("staffing.teachers_fte", number(80))
    put("staffing.ta_fte", number(40))
    put("staffing.ta_deployment_policy", flag())
    put("staffing.ta_liaison_minutes_per_week", st.integers(0, 120))
    put("staffing.ta_structured_intervention_pct", number(100))

    teachers = put("training.teachers_total", st.integers(0, 100))
    put("training.teachers_send_cpd_12m", st.integers(0, 100 if teachers is ABSENT else teachers))
    tas = put("training.tas_total", st.integers(0, 60))
    put("training.tas_send_training_12m", st.integers(0, 60 if tas is ABSENT else tas))
    put("training.send_cpd_hours_per_teacher", number(20))
    put("training.areas_of_need_covered", st.integers(0, 4))

    put("environment.sensory_spaces", st.integers(0, 8))
    put("environment.small_group_rooms", st.integers(0, 8))
    put("environment.accessible_toilet", flag())
    put("environment.sensory_audit_on", day(True))
    put("environment.inclusion_base", st.sampled_from(FIELDS["environment.inclusion_base"].choices))

    put("leadership.slt_senco_qualified", st.integers(0, 3))
    put("leadership.inclusion_strategy_reviewed_on", day(True))

    put("governance.send_governor", flag())
    for name in (
        "sen_information_report_updated_on",
        "accessibility_plan_reviewed_on",
        "send_governor_trained_on",
        "send_report_to_board_on",
    ):
        put(f"governance.{name}", day(True))

    put("published.send_policy_reviewed_on", day(True))
    put("published.local_offer_link", flag())
    put("published.sen_report_items_missing", st.integers(0, 14))

    put("outcomes.attendance_send_pct", number(100))
    put("outcomes.attendance_non_send_pct", number(100))
    put("outcomes.suspension_rate_send", number(30))
    put("outcomes.suspension_rate_non_send", number(30))
    put("outcomes.parents_met_three_times_pct", number(100))

    urn = draw(st.integers(100000, 999999).map(str))
    audit: dict[str, Any] = {"audit_date": audit_date.isoformat(), "school": {"urn": urn}}
    for path, value in answered.items():
        section, name = path.split(".")
        audit.setdefault(section, {})[name] = value
    return audit


def scored(ref: str, audit: dict[str, Any]) -> dict[str, Any]:
    valid = validate_audit(audit, today=TODAY, questions=national_questions())
    report = cast(dict[str, Any], SCORERS[ref].score(valid).to_dict())
    return report


def result_of(report: dict[str, Any], rule: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [r for r in report["results"] if r["rule"] == rule]
    assert len(found) == 1, rule
    return found[0]


def get(audit: dict[str, Any], path: str) -> Any:
    section, name = path.split(".")
    return audit[section][name]


def replaced(audit: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(audit)
    section, name = path.split(".")
    out[section][name] = value
    return out


# ---------------------------------------------------------------------------------------------- general properties


@BOUNDED
@given(audit=audits())
def test_generated_audits_are_valid(audit: dict[str, Any]) -> None:
    # validate_audit raises AuditInvalid on an invalid audit: the strategy stays within the contract.
    valid = validate_audit(audit, today=TODAY, questions=national_questions())
    assert valid.urn == audit["school"]["urn"]
    assert valid.audit_date.isoformat() == audit["audit_date"]


@BOUNDED
@given(audit=audits(), ref=st.sampled_from(sorted(SCORERS)))
def test_score_is_none_or_0_to_100_with_one_decimal(audit: dict[str, Any], ref: str) -> None:
    report = scored(ref, audit)
    value = report["score"]
    if value is None:
        assert report["band"] == "emerging"  # nothing assessed: incomplete, so the lowest band
        assert not report["complete"]
        assert all(r["status"] not in STATUS_ORDER for r in report["results"])
        return
    assert 0 <= value <= 100
    exponent = Decimal(repr(value)).as_tuple().exponent
    assert isinstance(exponent, int)
    assert exponent >= -1, value


@BOUNDED
@given(audit=audits(), ref=st.sampled_from(sorted(SCORERS)))
def test_coverage_is_within_0_and_1(audit: dict[str, Any], ref: str) -> None:
    report = scored(ref, audit)
    coverage = report["coverage"]
    applicable = [r for r in report["results"] if r["status"] != "not_applicable"]
    if not applicable:
        assert coverage is None
    else:
        assert 0 <= coverage <= 1
        assessed = sum(1 for r in applicable if r["status"] in STATUS_ORDER)
        assert coverage == pytest.approx(assessed / len(applicable), abs=0.0005)


@BOUNDED
@given(audit=audits(), ref=st.sampled_from(["national@2025.1", "national@2026.1"]))
def test_score_band_and_cap_follow_the_contract(audit: dict[str, Any], ref: str) -> None:
    report = scored(ref, audit)
    assert report["score"] == expected_score(report["results"])
    assert report["capped_by"] == expected_capped_by(report["results"])
    assert report["complete"] == expected_complete(report["results"])
    assert report["band"] == expected_band(report, yaml_file(ref)["bands"])


@BOUNDED
@given(audit=audits(), ref=st.sampled_from(sorted(SCORERS)))
def test_scoring_is_deterministic(audit: dict[str, Any], ref: str) -> None:
    first = scored(ref, audit)
    second = scored(ref, copy.deepcopy(audit))
    fresh = Scorer(CATALOG.get(ref)).score(validate_audit(audit, today=TODAY, questions=national_questions())).to_dict()
    assert first == second == fresh


@BOUNDED
@given(audit=audits(), ref=st.sampled_from(sorted(SCORERS)))
def test_gap_is_present_exactly_for_shortfalls(audit: dict[str, Any], ref: str) -> None:
    for result in scored(ref, audit)["results"]:
        is_gap = result["status"] in ("not_met", "partially_met")
        assert (result["gap"] is not None) == is_gap, result["rule"]


# ---------------------------------------------------------------------------------------------- monotonicity

Bump = Callable[[dict[str, Any], Any], Any]

# (rule, field raised, the field that caps it, the increase)
MONOTONE = [
    pytest.param("senco.time", "senco.protected_fte", None, number(3), id="senco.time"),
    pytest.param("ta.sen-ratio", "staffing.ta_fte", None, number(20), id="ta.sen-ratio"),
    pytest.param("environment.sensory-space", "environment.sensory_spaces", None, st.integers(0, 5), id="sensory"),
    pytest.param(
        "training.teachers-send-cpd",
        "training.teachers_send_cpd_12m",
        "training.teachers_total",
        st.integers(0, 100),
        id="teachers-cpd",
    ),
    pytest.param(
        "training.tas-send", "training.tas_send_training_12m", "training.tas_total", st.integers(0, 60), id="tas"
    ),
]


@pytest.mark.parametrize(("rule", "path", "cap", "increase"), MONOTONE)
@BOUNDED
@given(data=st.data())
def test_raising_the_field_never_makes_the_rule_worse(
    rule: str, path: str, cap: str | None, increase: st.SearchStrategy[Any], data: st.DataObject
) -> None:
    required = frozenset({path} | ({cap} if cap else set()))
    audit = data.draw(audits(required=required), label="audit")
    step = data.draw(increase, label="increase")
    raised_value = get(audit, path) + step
    if cap is not None:
        raised_value = min(raised_value, get(audit, cap))
    raised = replaced(audit, path, raised_value)
    before = result_of(scored(CURRENT, audit), rule)["status"]
    after = result_of(scored(CURRENT, raised), rule)["status"]
    if before in STATUS_ORDER and after in STATUS_ORDER:
        assert STATUS_ORDER[after] >= STATUS_ORDER[before], f"{path} {get(audit, path)} -> {raised_value}"


GAP_RULES = [
    pytest.param("senco.time", "senco.protected_fte", id="senco.time"),
    pytest.param("ta.sen-ratio", "staffing.ta_fte", id="ta.sen-ratio"),
    pytest.param("environment.sensory-space", "environment.sensory_spaces", id="sensory"),
    pytest.param("training.teachers-send-cpd", "training.teachers_send_cpd_12m", id="teachers-cpd"),
    pytest.param("training.tas-send", "training.tas_send_training_12m", id="tas"),
]


@pytest.mark.parametrize(("rule", "path"), GAP_RULES)
@BOUNDED
@given(data=st.data())
def test_adding_the_gap_amount_closes_the_gap(rule: str, path: str, data: st.DataObject) -> None:
    audit = data.draw(audits(required=frozenset({path})), label="audit")
    result = result_of(scored(CURRENT, audit), rule)
    gap = result["gap"]
    if gap is None or gap["amount"] is None:
        return
    assert gap["field"] == path
    raised = replaced(audit, path, get(audit, path) + gap["amount"])
    after = result_of(scored(CURRENT, raised), rule)
    assert after["status"] == "met", (
        f"{path} {get(audit, path)} + gap {gap['amount']} gives {after['status']} "
        f"(measured {after['measured']['value']})"
    )
