"""A hand-written scorer for the twelve core rules that does the same work per audit as the engine.

Like ``oap score --format ndjson`` it validates each audit against the input contract and writes a full
gap report (status, measured value, limits, gap amount and text, three-part message, sources, score, band,
coverage, missing inputs). The rule logic and limits are written straight into the code; the rules' fixed
words are read once at start-up, as a hand-written program would hold them as constants. Comparing it
with the engine isolates what the rule engine itself costs. Run as
``python -m tests.benchmarks.baseline_full FILE``; it is for the benchmark only.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
from typing import Any

from api.contract.validation import validate_audit
from api.rules.catalog import load_catalog

STANDARDS = "national@2026.1"
CORE = (
    "senco.designated",
    "senco.qualified-teacher",
    "senco.qualification",
    "senco.slt",
    "senco.time",
    "ta.sen-ratio",
    "environment.sensory-space",
    "training.teachers-send-cpd",
    "training.tas-send",
    "governance.send-governor",
    "governance.sen-information-report",
    "governance.accessibility-plan",
)


QUESTIONS = load_catalog().get(STANDARDS).questions


def _constants() -> dict[str, dict[str, Any]]:
    standards = load_catalog().get(STANDARDS)
    out = {}
    for rule_id in CORE:
        rule = standards.rule(rule_id)
        assert rule is not None
        out[rule_id] = {
            "title": rule.title,
            "domain": rule.domain,
            "basis": rule.basis.value,
            "weight": rule.weight,
            "provisional": rule.is_provisional,
            "message": rule.message.model_dump(),
            "sources": [
                {"source": c.source, "title": standards.sources[c.source].title, "ref": c.ref, "verify": c.verify}
                for c in rule.sources
            ],
            "review_by": rule.review_by.isoformat(),
        }
    return out


RULES = _constants()
STATUTORY = {r for r in CORE if RULES[r]["basis"] == "statutory"}


def anniversary(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def ceil2(value: float) -> float:
    return math.ceil(value * 100 - 1e-9) / 100


def score(values: dict[str, Any]) -> dict[str, Any]:
    date: dt.date = values["audit_date"]
    get = values.get
    found: dict[str, tuple[str, Any, Any, str | None, dict[str, Any], list[str]]] = {}

    def flag(rule: str, path: str, text: str, condition: bool | None = None) -> None:
        if condition is False:
            found[rule] = ("not_applicable", None, None, None, {}, [])
        elif path not in values:
            found[rule] = (
                "not_assessed",
                None,
                None,
                None,
                {},
                [p for p in ("senco.designated", path) if p not in values],
            )
        elif values[path]:
            found[rule] = ("met", True, None, None, {"kind": "flag"}, [])
        else:
            found[rule] = ("not_met", False, None, text, {"kind": "flag"}, [])

    designated = get("senco.designated")
    flag("senco.designated", "senco.designated", "Designate a qualified teacher as the school's SENCO.", True)
    flag("senco.qualified-teacher", "senco.qualified_teacher", "Designate a qualified teacher as SENCO.", designated)
    flag("senco.slt", "senco.on_slt", "Make the SENCO a member of the senior leadership team.", designated)
    flag("governance.send-governor", "governance.send_governor", "Name a SEND governor.", True)

    held = get("senco.qualification")
    if designated is False:
        found["senco.qualification"] = ("not_applicable", None, None, None, {}, [])
    elif held is None:
        found["senco.qualification"] = ("not_assessed", None, None, None, {}, ["senco.qualification"])
    else:
        started, completed = get("senco.qualification_started_on"), get("senco.qualification_completed_on")
        if (held == "npq_senco" and completed) or (
            held == "nasenco"
            and started
            and completed
            and started < dt.date(2024, 9, 1)
            and completed < dt.date(2027, 9, 1)
        ):
            found["senco.qualification"] = ("met", held, None, None, {}, [])
        elif get("senco.prior_senco_months", 0) > 12:
            found["senco.qualification"] = ("not_applicable", held, None, None, {}, [])
        else:
            deadline = anniversary(values["senco.appointed_on"], 3)
            status = "partially_met" if date < deadline else "not_met"
            found["senco.qualification"] = (
                status,
                held,
                None,
                f"Hold the NPQ for SENCOs by {long_date(deadline)}.",
                {},
                [],
            )

    for rule, top, bottom_path, limit, partial, unit in (
        ("senco.time", get("pupils.sen_support", 0) + 2 * get("pupils.ehcp", 0), "senco.protected_fte", 80, 120, "FTE"),
        ("ta.sen-ratio", get("pupils.sen_support", 0) + get("pupils.ehcp", 0), "staffing.ta_fte", 8, 12, "FTE"),
    ):
        bottom = get(bottom_path, 0)
        limits = {"kind": "ratio_at_most", "met_at_most": limit, "partially_met_at_most": partial}
        if top == 0:
            found[rule] = ("not_applicable", 0, None, None, limits, [])
            continue
        ratio = top / bottom if bottom > 0 else None
        if ratio is not None and ratio <= limit + 1e-9:
            found[rule] = ("met", round(ratio, 2), None, None, limits, [])
            continue
        status = "partially_met" if ratio is not None and ratio <= partial + 1e-9 else "not_met"
        amount = ceil2(top / limit - bottom)
        found[rule] = (status, ratio and round(ratio, 2), amount, f"Add {amount:.2f} {unit}.", limits, [])

    spaces, roll = get("environment.sensory_spaces"), get("pupils.on_roll")
    if spaces is None or roll is None:
        found["environment.sensory-space"] = ("not_assessed", None, None, None, {}, ["environment.sensory_spaces"])
    else:
        required = max(get("school.sites", 1), math.ceil(roll / 400))
        status = "met" if spaces >= required else "partially_met" if spaces >= 1 else "not_met"
        text = None if status == "met" else f"Add {required - spaces} space(s): {spaces} of {required}."
        gap = None if status == "met" else required - spaces
        found["environment.sensory-space"] = (status, spaces, gap, text, {"pupils_per_unit": 400}, [])

    for rule, part_path, whole_path in (
        ("training.teachers-send-cpd", "training.teachers_send_cpd_12m", "training.teachers_total"),
        ("training.tas-send", "training.tas_send_training_12m", "training.tas_total"),
    ):
        part, whole = get(part_path), get(whole_path)
        limits = {"met_at_least_pct": 90, "partially_met_at_least_pct": 60}
        if part is None or whole is None:
            found[rule] = ("not_assessed", None, None, None, limits, [part_path, whole_path])
        elif whole == 0:
            found[rule] = ("not_applicable", None, None, None, limits, [])
        else:
            share = part * 100 / whole
            status = "met" if share >= 90 else "partially_met" if share >= 60 else "not_met"
            people = None if status == "met" else max(0, math.ceil(0.9 * whole - part - 1e-9))
            text = None if people is None else f"Train {people} more: {share:.1f}% against 90%."
            found[rule] = (status, round(share, 1), people, text, limits, [])

    for rule, path, years in (
        ("governance.sen-information-report", "governance.sen_information_report_updated_on", 1),
        ("governance.accessibility-plan", "governance.accessibility_plan_reviewed_on", 3),
    ):
        if path not in values:
            found[rule] = ("not_assessed", None, None, None, {"years": years}, [path])
            continue
        day = values[path]
        if day is not None and date < anniversary(day, years):
            found[rule] = ("met", day.isoformat(), None, None, {"years": years}, [])
        else:
            text = "Publish it." if day is None else f"It was due by {long_date(anniversary(day, years))}."
            found[rule] = ("not_met", day and day.isoformat(), None, text, {"years": years}, [])

    results = []
    weights = halves = 0
    counts = dict.fromkeys(("met", "partially_met", "not_met", "not_applicable", "not_assessed"), 0)
    capped, missing = [], set()
    for rule, (status, measured, amount, text, limits, lacking) in found.items():
        fixed = RULES[rule]
        counts[status] += 1
        if status in ("met", "partially_met", "not_met"):
            weights += fixed["weight"]
            halves += fixed["weight"] * {"met": 2, "partially_met": 1, "not_met": 0}[status]
            if status == "not_met" and rule in STATUTORY:
                capped.append(rule)
        missing.update(lacking)
        results.append(
            {
                "rule": rule,
                **fixed,
                "status": status,
                "measured": {"value": measured, "unit": None},
                "limits": limits,
                "gap": None if text is None else {"amount": amount, "unit": None, "field": None, "text": text},
                "missing_inputs": lacking,
                "overlay_note": None,
            }
        )
    result_score = round(100 * halves / (2 * weights), 1) if weights else None
    band = None
    if result_score is not None:
        band = (
            "emerging"
            if capped or result_score < 50
            else "developing"
            if result_score < 75
            else "established"
            if result_score < 90
            else "enhanced"
        )
    applicable = len(found) - counts["not_applicable"]
    coverage = round((applicable - counts["not_assessed"]) / applicable, 3) if applicable else None
    unassessed_duty = any(r["status"] == "not_assessed" and r["rule"] in STATUTORY for r in results)
    complete = coverage is not None and coverage >= 0.8 and not unassessed_duty  # the national completeness rule
    if not complete:
        band = "emerging"
    return {
        "standards": {"set": "national", "version": "2026.1"},
        "school": {"urn": values["school.urn"], "name": get("school.name"), "phase": get("school.phase")},
        "audit_date": date.isoformat(),
        "score": result_score,
        "band": band,
        "capped_by": sorted(capped),
        "coverage": coverage,
        "complete": complete,
        "incomplete_reasons": [] if complete else ["Too few rules could be checked."],
        "missing_inputs": sorted(missing),
        "counts": counts,
        "results": results,
    }


def main(path: str) -> None:
    write = sys.stdout.write
    with open(path, "rb") as handle:
        for line in handle:
            audit = validate_audit(json.loads(line), questions=QUESTIONS)
            write(json.dumps(score(dict(audit.values)), ensure_ascii=False, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
