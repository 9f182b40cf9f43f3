"""A plain hand-written scorer for the twelve core rules of national@2026.1: the engine's yardstick.

It reads NDJSON audits and writes one NDJSON report per line, like ``oap score --format ndjson``, with
every limit written straight into the code, no rule files, no validation library. Run as
``python -m tests.benchmarks.baseline FILE``. It is for the benchmark only; the engine is the product.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
from typing import Any

MESSAGES = {
    "senco.designated": "Designate a qualified teacher as the school's SENCO.",
    "senco.qualified-teacher": "Designate a SENCO who is a qualified teacher working at the school.",
    "senco.qualification": "The SENCO must hold the NPQ for SENCOs by the deadline.",
    "senco.slt": "Make the SENCO a member of the senior leadership team.",
    "senco.time": "Add protected SENCO time.",
    "ta.sen-ratio": "Add teaching assistant time.",
    "environment.sensory-space": "Add calm or sensory spaces.",
    "training.teachers-send-cpd": "Train more teachers in SEND.",
    "training.tas-send": "Train more teaching assistants in SEND.",
    "governance.send-governor": "Name a SEND governor.",
    "governance.sen-information-report": "Update the SEN information report.",
    "governance.accessibility-plan": "Review the accessibility plan.",
}
WEIGHTS = {
    "senco.designated": 5,
    "senco.qualified-teacher": 4,
    "senco.qualification": 4,
    "senco.slt": 3,
    "senco.time": 4,
    "ta.sen-ratio": 3,
    "environment.sensory-space": 3,
    "training.teachers-send-cpd": 3,
    "training.tas-send": 3,
    "governance.send-governor": 3,
    "governance.sen-information-report": 3,
    "governance.accessibility-plan": 3,
}
STATUTORY = {"senco.designated", "senco.qualified-teacher", "senco.qualification"}
STATUTORY |= {"governance.sen-information-report", "governance.accessibility-plan"}


def anniversary(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def flag(value: Any) -> str:
    if value is None:
        return "not_assessed"
    return "met" if value else "not_met"


def score_audit(audit: dict[str, Any]) -> dict[str, Any]:
    date = dt.date.fromisoformat(audit["audit_date"])
    pupils, senco = audit.get("pupils", {}), audit.get("senco", {})
    staffing, training = audit.get("staffing", {}), audit.get("training", {})
    environment, governance = audit.get("environment", {}), audit.get("governance", {})
    results: dict[str, tuple[str, Any, Any]] = {}
    designated = senco.get("designated")
    results["senco.designated"] = (flag(designated), designated, None)
    for rule, key in (("senco.qualified-teacher", "qualified_teacher"), ("senco.slt", "on_slt")):
        value = senco.get(key)
        results[rule] = ("not_applicable" if designated is False else flag(value), value, None)
    qualification = senco.get("qualification")
    status = "not_assessed"
    if designated is False:
        status = "not_applicable"
    elif qualification is not None:
        started, completed = senco.get("qualification_started_on"), senco.get("qualification_completed_on")
        if (qualification == "npq_senco" and completed) or (
            qualification == "nasenco" and started and completed and started < "2024-09-01" and completed < "2027-09-01"
        ):
            status = "met"
        elif senco.get("prior_senco_months", 0) > 12:
            status = "not_applicable"
        elif senco.get("appointed_on"):
            deadline = anniversary(dt.date.fromisoformat(senco["appointed_on"]), 3)
            status = "partially_met" if date < deadline else "not_met"
    results["senco.qualification"] = (status, qualification, None)
    sen_support, ehcp = pupils.get("sen_support", 0), pupils.get("ehcp", 0)
    caseload, fte = sen_support + 2 * ehcp, senco.get("protected_fte", 0)
    if caseload == 0:
        results["senco.time"] = ("not_applicable", 0, None)
    else:
        ratio = caseload / fte if fte > 0 else None
        status = (
            "met"
            if ratio is not None and ratio <= 80
            else "partially_met"
            if ratio is not None and ratio <= 120
            else "not_met"
        )
        gap = None if status == "met" else round(caseload / 80 - fte, 2)
        results["senco.time"] = (status, ratio, gap)
    sen_pupils, ta = sen_support + ehcp, staffing.get("ta_fte", 0)
    if sen_pupils == 0:
        results["ta.sen-ratio"] = ("not_applicable", 0, None)
    else:
        ratio = sen_pupils / ta if ta > 0 else None
        status = (
            "met"
            if ratio is not None and ratio <= 8
            else "partially_met"
            if ratio is not None and ratio <= 12
            else "not_met"
        )
        results["ta.sen-ratio"] = (status, ratio, None if status == "met" else round(sen_pupils / 8 - ta, 2))
    required = max(audit["school"].get("sites", 1), math.ceil(pupils.get("on_roll", 0) / 400))
    spaces = environment.get("sensory_spaces", 0)
    status = "met" if spaces >= required else "partially_met" if spaces >= 1 else "not_met"
    results["environment.sensory-space"] = (status, spaces, None if status == "met" else required - spaces)
    for rule, trained_key, total_key in (
        ("training.teachers-send-cpd", "teachers_send_cpd_12m", "teachers_total"),
        ("training.tas-send", "tas_send_training_12m", "tas_total"),
    ):
        trained, total = training.get(trained_key, 0), training.get(total_key, 0)
        if total == 0:
            results[rule] = ("not_applicable", None, None)
            continue
        share = trained * 100 / total
        status = "met" if share >= 90 else "partially_met" if share >= 60 else "not_met"
        results[rule] = (
            status,
            round(share, 1),
            None if status == "met" else math.ceil(0.9 * total - trained),
        )
    results["governance.send-governor"] = (
        flag(governance.get("send_governor")),
        governance.get("send_governor"),
        None,
    )
    for rule, key, years in (
        ("governance.sen-information-report", "sen_information_report_updated_on", 1),
        ("governance.accessibility-plan", "accessibility_plan_reviewed_on", 3),
    ):
        value = governance.get(key)
        met = value is not None and date < anniversary(dt.date.fromisoformat(value), years)
        results[rule] = ("met" if met else "not_met", value, None)
    weights = credit = 0.0
    capped = []
    out = []
    for rule, (status, measured, gap) in results.items():
        if status in ("met", "partially_met", "not_met"):
            weights += WEIGHTS[rule]
            credit += WEIGHTS[rule] * (1 if status == "met" else 0.5 if status == "partially_met" else 0)
        if status == "not_met" and rule in STATUTORY:
            capped.append(rule)
        out.append(
            {
                "rule": rule,
                "status": status,
                "measured": measured,
                "gap": None if gap is None else {"amount": gap, "text": MESSAGES[rule]},
            }
        )
    score = round(100 * credit / weights, 1) if weights else None
    band = None
    if score is not None:
        band = (
            "emerging"
            if capped or score < 50
            else "developing"
            if score < 75
            else "established"
            if score < 90
            else "enhanced"
        )
    return {
        "school": audit["school"]["urn"],
        "score": score,
        "band": band,
        "capped_by": capped,
        "results": out,
    }


def main(path: str) -> None:
    write = sys.stdout.write
    with open(path, "rb") as handle:
        for line in handle:
            write(json.dumps(score_audit(json.loads(line)), separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
