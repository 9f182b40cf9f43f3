"""Dated checks may give their interval in months (a termly review is ``months: 4``) as well as in years."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from api.contract.validation import validate_audit
from api.engine.scoring import Scorer
from api.rules.catalog import load_catalog
from api.rules.check_kinds import DatedWithinCheck
from tests.conftest import minimal_audit
from tests.councils import OVERLAY, council_standards

REFUSED = [
    ({"field": "x.y"}, "exactly one"),
    ({"field": "x.y", "years": 1, "months": 4}, "exactly one"),
    ({"field": "x.y", "months": 4, "partially_met_within_months": 3}, "must not be shorter"),
    ({"field": "x.y", "years": 1, "partially_met_within_months": 11}, "must not be shorter"),
    ({"field": "x.y", "months": 4, "partially_met_within_years": 1, "partially_met_within_months": 6}, "not both"),
    ({"field": "x.y", "months": 121}, "less than or equal to 120"),
]


@pytest.mark.parametrize(("written", "words"), REFUSED)
def test_malformed_interval_is_refused(written: dict[str, Any], words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        DatedWithinCheck.model_validate({"kind": "dated_within", **written})


def test_an_interval_in_years_is_twelve_months_each() -> None:
    check = DatedWithinCheck.model_validate({"kind": "dated_within", "field": "x.y", "years": 2})
    assert (check.interval_months, check.partial_months) == (24, None)
    mixed = {"kind": "dated_within", "field": "x.y", "months": 4, "partially_met_within_years": 1}
    assert DatedWithinCheck.model_validate(mixed).partial_months == 12


TERMLY_RULE = """
  - id: governance.termly-send-report
    title: The board hears about SEND every term
    domain: governance
    basis: guidance
    weight: 1
    check: {kind: dated_within, field: governance.send_report_to_board_on, months: 4, partially_met_within_months: 6}
    gap:
      partially_met: The last report to the board was on {date}; the next was due by {due}.
      not_met: The last report to the board was on {date}; the next was due by {due}.
    message: {missing: No termly report., why: Governors oversee SEND provision., how: Report every term.}
    sources: [{source: cop-2015, ref: paragraph 6.3, verify: true}]
    review_by: 2027-08-31
"""


@pytest.mark.parametrize(
    ("reported_on", "status"),
    [
        ("2026-07-02", "met"),  # four months on is 2 November, the day after the audit
        ("2026-07-01", "partially_met"),  # due on 1 November, the audit date itself
        ("2026-05-02", "partially_met"),  # six months on is 2 November
        ("2026-05-01", "not_met"),
    ],
)
def test_a_termly_review_is_due_four_months_on(tmp_path: Path, reported_on: str, status: str) -> None:
    standards = load_catalog(council_standards(tmp_path, rules=TERMLY_RULE)).get(OVERLAY)
    audit = minimal_audit(governance={"send_report_to_board_on": reported_on})
    assert audit["audit_date"] == dt.date(2026, 11, 1).isoformat()
    report = Scorer(standards).score(validate_audit(audit, questions=standards.questions)).to_dict()
    result = next(r for r in report["results"] if r["rule"] == "governance.termly-send-report")
    assert result["status"] == status
    assert result["limits"] == {"kind": "dated_within", "months": 4, "partially_met_within_months": 6}
