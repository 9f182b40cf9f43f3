"""Demo data: realistic audits built from real school figures, and the demo trusts that ``make run`` loads.

``api/examples/real_schools.csv`` holds public figures for 79 real schools in England (pupils on roll, SEN
support, EHC plans and, for some, teacher and TA FTE), each row citing its source. The answers no one
publishes (SENCO time, training, spaces, governance dates) are drawn at random around plausible values:
they are illustrative, never a statement about the real school. :func:`generate_audits` and
:func:`realistic_audit` feed the benchmarks and tests; :func:`seed_demo` loads a trust of these schools with
audits over two years.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy.engine import Engine

from api.contract.constraints import more_with_sen_than_on_roll
from api.rules.catalog import load_catalog
from api.service.access import Principal, Role, create_key
from api.service.agreements.exceptions import record_exception
from api.service.agreements.sign_offs import sign_off_report
from api.service.audits import Submission, submit_audit
from api.service.schools import put_school, put_trust
from api.service.scoring import ScoringService
from api.storage import repository
from api.storage.db import session_scope

REAL_SCHOOLS = Path(__file__).parents[1] / "examples" / "real_schools.csv"

_PHASES = {
    "Primary": "primary",
    "Secondary": "secondary",
    "All-through": "all_through",
    "Nursery": "nursery",
    "16 plus": "sixteen_plus",
}


@dataclass(frozen=True, slots=True)
class RealSchool:
    """One row of the real figures: identity and the public numbers."""

    urn: str | None
    name: str
    local_authority: str
    phase: str | None
    trust: str | None
    on_roll: int
    sen_support: int
    ehcp: int
    teachers_fte: float | None
    ta_fte: float | None


def load_real_schools(path: Path = REAL_SCHOOLS) -> list[RealSchool]:
    """The real schools with usable pupil figures (special schools, where every pupil has a plan, left out)."""
    schools = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            on_roll, sen_support, ehcp = int(row["pupils"]), int(row["sen_support"]), int(row["ehcp"])
            if (
                on_roll == 0
                or more_with_sen_than_on_roll(on_roll=on_roll, sen_support=sen_support, ehcp=ehcp)
                or ehcp * 2 > on_roll
            ):
                continue
            schools.append(
                RealSchool(
                    urn=row["urn"] or None,
                    name=row["name"],
                    local_authority=row["la"],
                    phase=_PHASES.get(row["phase"]),
                    trust=row["trust"] or None,
                    on_roll=on_roll,
                    sen_support=sen_support,
                    ehcp=ehcp,
                    teachers_fte=float(row["teachers_fte"]) if row["teachers_fte"] else None,
                    ta_fte=float(row["ta_fte"]) if row["ta_fte"] else None,
                )
            )
    return schools


def _date_before(rng: random.Random, audit_date: dt.date, max_days: int) -> str:
    return (audit_date - dt.timedelta(days=rng.randint(0, max_days))).isoformat()


def realistic_audit(rng: random.Random, school: RealSchool, urn: str, audit_date: dt.date) -> dict[str, Any]:
    """One plausible self-audit for ``school`` (its public figures varied a little, the rest drawn at random)."""
    scale = rng.uniform(0.9, 1.1)
    on_roll = max(1, round(school.on_roll * scale))
    sen_support = min(on_roll, round(school.sen_support * scale))
    ehcp = min(on_roll - sen_support, round(school.ehcp * scale))
    teachers = school.teachers_fte or round(on_roll / rng.uniform(16, 22), 2)
    tas = school.ta_fte if school.ta_fte is not None else round(on_roll / rng.uniform(18, 35), 2)
    teachers_total = max(1, round(teachers * rng.uniform(1.0, 1.2)))
    tas_total = max(0, round(tas * rng.uniform(1.1, 1.5)))
    appointed = audit_date - dt.timedelta(days=rng.randint(30, 365 * 12))
    qualification = rng.choices(["npq_senco", "nasenco", "none"], weights=[3, 5, 2])[0]
    started = completed = None
    if qualification == "nasenco":
        started = min(appointed + dt.timedelta(days=rng.randint(0, 300)), dt.date(2024, 8, 1))
        completed = started + dt.timedelta(days=rng.randint(300, 700))
        completed = completed if completed <= audit_date else None
    elif qualification == "npq_senco":
        started = max(appointed, dt.date(2024, 11, 1)) + dt.timedelta(days=rng.randint(0, 200))
        if started > audit_date:
            started = None
        elif rng.random() < 0.4:
            finished = started + dt.timedelta(days=rng.randint(540, 660))
            completed = finished if finished <= audit_date else None
    audit: dict[str, Any] = {
        "audit_date": audit_date.isoformat(),
        "school": {"urn": urn, "name": school.name, "sites": 1 if rng.random() < 0.9 else 2},
        "pupils": {"on_roll": on_roll, "sen_support": sen_support, "ehcp": ehcp},
        "senco": {
            "designated": rng.random() < 0.98,
            "qualified_teacher": rng.random() < 0.97,
            "appointed_on": appointed.isoformat(),
            "prior_senco_months": rng.choice([0, 0, 0, 6, 18, 40]),
            "qualification": qualification,
            "qualification_started_on": started.isoformat() if started else None,
            "qualification_completed_on": completed.isoformat() if completed else None,
            "on_slt": rng.random() < 0.55,
            "protected_fte": round(rng.uniform(0.1, 0.5) * max(1.0, on_roll / 400), 2),
            "admin_hours_per_week": rng.choice([0, 1, 2, 3, 5, 8]),
            "private_workspace": rng.random() < 0.7,
            "secure_storage": rng.random() < 0.85,
        },
        "staffing": {
            "teachers_fte": teachers,
            "ta_fte": tas,
            "ta_deployment_policy": rng.random() < 0.6,
            "ta_liaison_minutes_per_week": rng.choice([0, 10, 15, 30, 45, 60]),
            "ta_structured_intervention_pct": rng.choice([30, 50, 65, 80, 90]),
        },
        "training": {
            "teachers_total": teachers_total,
            "teachers_send_cpd_12m": round(teachers_total * rng.uniform(0.3, 1.0)),
            "tas_total": tas_total,
            "tas_send_training_12m": round(tas_total * rng.uniform(0.4, 1.0)),
            "send_cpd_hours_per_teacher": rng.choice([1.5, 3, 4.5, 6, 7.5]),
            "areas_of_need_covered": rng.randint(1, 4),
        },
        "environment": {
            "sensory_spaces": rng.choice([0, 1, 1, 2, 3]),
            "small_group_rooms": rng.choice([0, 1, 2, 3]),
            "accessible_toilet": rng.random() < 0.92,
            "sensory_audit_on": _date_before(rng, audit_date, 900) if rng.random() < 0.6 else None,
        },
        "leadership": {
            "slt_senco_qualified": rng.choice([0, 1, 1, 2]),
            "inclusion_strategy_reviewed_on": _date_before(rng, audit_date, 500) if rng.random() < 0.7 else None,
        },
        "governance": {
            "send_governor": rng.random() < 0.9,
            "sen_information_report_updated_on": _date_before(rng, audit_date, 600),
            "accessibility_plan_reviewed_on": _date_before(rng, audit_date, 1500),
            "send_governor_trained_on": _date_before(rng, audit_date, 1200) if rng.random() < 0.7 else None,
            "send_report_to_board_on": _date_before(rng, audit_date, 500),
        },
        "published": {
            "send_policy_reviewed_on": _date_before(rng, audit_date, 1400),
            "local_offer_link": rng.random() < 0.8,
            "sen_report_items_missing": rng.choice([0, 0, 1, 2, 4]),
        },
        "outcomes": {
            "attendance_send_pct": round(rng.uniform(86, 95), 1),
            "attendance_non_send_pct": round(rng.uniform(93, 97), 1),
            "suspension_rate_send": round(rng.uniform(0, 6), 1),
            "suspension_rate_non_send": round(rng.uniform(0.2, 2), 1),
            "parents_met_three_times_pct": rng.choice([40, 60, 75, 90, 100]),
        },
    }
    if school.phase:
        audit["school"]["phase"] = school.phase
    audit["school"]["receives_imf"] = rng.random() < 0.8
    return audit


def generate_audits(
    count: int, *, seed: int = 2026, audit_date: dt.date = dt.date(2026, 11, 1)
) -> Iterator[dict[str, Any]]:
    """``count`` realistic audits, reproducible from ``seed``, cycling over the real schools with made-up URNs."""
    rng = random.Random(seed)
    schools = load_real_schools()
    for index in range(count):
        school = schools[index % len(schools)]
        yield realistic_audit(rng, school, f"{200000 + index % 800000:06d}", audit_date)


DEMO_TRUST = "DEMO"
OTHER_TRUST = "DEMO-NORTH"
AUDIT_DATES = (dt.date(2025, 10, 20), dt.date(2026, 3, 10), dt.date(2026, 11, 2))
MAINSTREAM = ("primary", "secondary", "all_through")


class DemoKey(NamedTuple):
    """A demo API key: its role, what it may see (a trust id, a URN or ``all``) and the key itself (shown once).

    A named tuple, so ``role, scope, key = demo_key`` reads it too.
    """

    role: str
    scope: str
    key: str


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What was loaded (the demo trust, its schools and the audits added this run) and the keys made for it."""

    trust_id: str
    schools: int
    audits: int
    keys: tuple[DemoKey, ...]


def seed_demo(*, engine: Engine, standards_dir: Path | None = None, schools_per_trust: int = 12) -> DemoSummary:
    """Load the demo trusts, schools and audits (once), and create a fresh set of demo keys (every time).

    Returns what was loaded and the new keys. Raises StandardsError when the standards files are broken,
    DatabaseUnavailable when the database cannot be reached.
    """
    admin = Principal(key_id="demo", role=Role.admin)
    scoring = ScoringService(load_catalog(standards_dir))
    real = [school for school in load_real_schools() if school.urn and school.phase in MAINSTREAM]
    put_trust(
        engine=engine, principal=admin, trust_id=DEMO_TRUST, name="Demo Learning Trust (real schools, made-up answers)"
    )
    put_trust(
        engine=engine, principal=admin, trust_id=OTHER_TRUST, name="Demo North Trust (real schools, made-up answers)"
    )
    schools = audits = 0
    rng = random.Random(2026)
    chosen = real[: schools_per_trust + 3]
    latest: dict[str, Submission] = {}
    for index, school in enumerate(chosen):
        assert school.urn is not None
        trust = DEMO_TRUST if index < schools_per_trust else OTHER_TRUST
        fields = {
            "name": school.name,
            "phase": school.phase,
            "local_authority": school.local_authority,
            "trust_id": trust,
            "status": "open",
        }
        put_school(engine=engine, principal=admin, urn=school.urn, fields=fields)
        schools += trust == DEMO_TRUST
        with session_scope(engine) as session:
            existing = repository.count_audits(session=session, urn=school.urn)
        if existing:
            continue
        for audit_date in AUDIT_DATES:
            audit = realistic_audit(rng, school, school.urn, audit_date)
            latest[school.urn] = submit_audit(
                engine=engine, scoring=scoring, principal=admin, urn=school.urn, data=audit, source="demo"
            )
            audits += 1
    first = chosen[0].urn
    if first in latest:
        _agree_and_sign_off(engine=engine, scoring=scoring, principal=admin, submission=latest[first])
    keys: list[DemoKey] = []
    with session_scope(engine) as session:
        for role, trust_id, urn in (
            (Role.admin, None, None),
            (Role.trust, DEMO_TRUST, None),
            (Role.school, None, first),
            (Role.governor, None, first),
        ):
            _, key = create_key(session=session, role=role, trust_id=trust_id, school_urn=urn, label="demo")
            keys.append(DemoKey(role.value, trust_id or urn or "all", key))
    return DemoSummary(trust_id=DEMO_TRUST, schools=schools, audits=audits, keys=tuple(keys))


def _agree_and_sign_off(
    *, engine: Engine, scoring: ScoringService, principal: Principal, submission: Submission
) -> None:
    """On the first school's latest report: an agreed exception to its first shortfall that is not a statutory duty,
    and a governor's sign-off, so that the demo shows both (made up, like the answers)."""
    report = json.loads(submission.report_json)
    short = [r for r in report["results"] if r["status"] in ("not_met", "partially_met") and r["basis"] != "statutory"]
    today = dt.date.today()
    if short:
        fields = {
            "rule": short[0]["rule"],
            "reason": "Demo: made up to show an agreed exception; the work to close this gap is planned for next term.",
            "approver_name": "Demo Chair of Governors",
            "approver_role": "Chair of the local governing board",
            "risk": "low",
            "review_on": today + dt.timedelta(days=90),
            "expires_on": today + dt.timedelta(days=180),
        }
        record_exception(
            engine=engine,
            catalog=scoring.catalog,
            principal=principal,
            urn=submission.audit.school_urn,
            fields=fields,
            today=today,
        )
    sign_off_report(
        engine=engine, principal=principal, audit_id=submission.audit.id, reviewer_name="Demo SEND Governor"
    )
