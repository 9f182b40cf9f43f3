"""Demo data for ``make run``: a trust of real schools (public figures) with illustrative audits over two years."""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine

from api.demo import load_real_schools, realistic_audit
from api.rules.catalog import load_catalog
from api.service.access import Principal, Role, create_key
from api.service.audits import Submission, submit_audit
from api.service.exceptions import record_exception, sign_off_report
from api.service.schools import put_school, put_trust
from api.service.scoring import ScoringService
from api.storage import repository
from api.storage.db import session_scope

DEMO_TRUST = "DEMO"
OTHER_TRUST = "DEMO-NORTH"
AUDIT_DATES = (dt.date(2025, 10, 20), dt.date(2026, 3, 10), dt.date(2026, 11, 2))
MAINSTREAM = ("primary", "secondary", "all_through")


@dataclass
class DemoSummary:
    """What was loaded and the keys made for it."""

    trust_id: str
    schools: int = 0
    audits: int = 0
    keys: list[tuple[str, str, str]] = field(default_factory=list)


def seed_demo(*, engine: Engine, standards_dir: Path | None = None, schools_per_trust: int = 12) -> DemoSummary:
    """Load the demo trusts, schools and audits (once), and create a fresh set of demo keys (every time)."""
    admin = Principal(key_id="demo", role=Role.admin)
    scoring = ScoringService(load_catalog(standards_dir))
    real = [school for school in load_real_schools() if school.urn and school.phase in MAINSTREAM]
    put_trust(
        engine=engine, principal=admin, trust_id=DEMO_TRUST, name="Demo Learning Trust (real schools, made-up answers)"
    )
    put_trust(
        engine=engine, principal=admin, trust_id=OTHER_TRUST, name="Demo North Trust (real schools, made-up answers)"
    )
    summary = DemoSummary(trust_id=DEMO_TRUST)
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
        summary.schools += trust == DEMO_TRUST
        with session_scope(engine) as session:
            existing = repository.count_audits(session=session, urn=school.urn)
        if existing:
            continue
        for audit_date in AUDIT_DATES:
            audit = realistic_audit(rng, school, school.urn, audit_date)
            latest[school.urn] = submit_audit(
                engine=engine, scoring=scoring, principal=admin, urn=school.urn, data=audit, source="demo"
            )
            summary.audits += 1
    first = chosen[0].urn
    if first in latest:
        _agree_and_sign_off(engine=engine, scoring=scoring, principal=admin, submission=latest[first])
    with session_scope(engine) as session:
        for role, trust_id, urn in (
            (Role.admin, None, None),
            (Role.trust, DEMO_TRUST, None),
            (Role.school, None, first),
            (Role.governor, None, first),
        ):
            _, key = create_key(session=session, role=role, trust_id=trust_id, school_urn=urn, label="demo")
            summary.keys.append((role.value, trust_id or urn or "all", key))
    return summary


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
