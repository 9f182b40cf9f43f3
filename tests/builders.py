"""Builders of test data shared by test modules: the seeded trusts of the dashboard tests, audits, exceptions."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from api.service.demo import load_real_schools, realistic_audit
from tests.conftest import make_key

TODAY = dt.date.today()
RECENT = TODAY - dt.timedelta(days=3)  # scored against national@2026.1 (in effect from 2026-09-01)
OLD = dt.date(2025, 10, 2)  # more than 12 months ago: stale
AUTUMN, SPRING, SUMMER = dt.date(2025, 10, 15), dt.date(2026, 2, 10), dt.date(2026, 6, 15)


@dataclass
class Seeded:
    """The seeded trusts: headers of the keys made, and each school's URN."""

    admin: dict[str, str]
    trust: dict[str, str]
    other_trust: dict[str, str]
    t1: list[str]
    t2: list[str]
    audits: dict[str, list[str]] = field(default_factory=dict)

    @property
    def no_audit(self) -> str:
        """The T1 school that has no audit."""
        return self.t1[3]

    @property
    def stale(self) -> str:
        """The T1 school whose only audit is more than a year old."""
        return self.t1[2]


def seeded_schools() -> list[Any]:
    """The eight real schools of the seeded trusts: six of T1 (four primary, two secondary), then two of T2."""
    real = [school for school in load_real_schools() if school.urn]
    primary = [school for school in real if school.phase == "primary"]
    secondary = [school for school in real if school.phase == "secondary"]
    return [*primary[:4], *secondary[:2], *primary[4:6]]


def submit(client: TestClient, headers: dict[str, str], school: Any, day: dt.date, seed: int, **query: str) -> str:
    """Submit a realistic audit of ``school`` dated ``day``; returns its id."""
    audit = realistic_audit(random.Random(seed), school, school.urn, day)
    response = client.post(f"/v1/schools/{school.urn}/audits", json=audit, headers=headers, params=query)
    assert response.status_code == 201, response.text
    audit_id: str = response.json()["audit"]["id"]
    return audit_id


def sparse_audit(urn: str, day: dt.date) -> dict[str, Any]:
    """A near-empty audit of four answers: it scores 100.0 but its report is incomplete (band Emerging)."""
    return {
        "audit_date": day.isoformat(),
        "school": {"urn": urn},
        "senco": {"designated": True, "qualified_teacher": True},
        "governance": {"send_governor": True},
        "published": {"local_offer_link": True},
    }


def submit_sparse(client: TestClient, headers: dict[str, str], urn: str, day: dt.date) -> str:
    """Submit a near-empty audit of ``urn`` dated ``day`` and check that its report is incomplete; returns its id."""
    response = client.post(f"/v1/schools/{urn}/audits", json=sparse_audit(urn, day), headers=headers)
    assert response.status_code == 201, response.text
    report = response.json()["report"]
    assert (report["score"], report["band"], report["complete"]) == (100.0, "emerging", False)
    assert report["incomplete_reasons"]
    audit_id: str = response.json()["audit"]["id"]
    return audit_id


def seed(client: TestClient, engine: Engine) -> Seeded:
    """Trust T1 of six schools and T2 of two, with audits chosen to exercise every rule of "latest report".

    T1: S0 audited each term and recently; S1 recently, then corrected by an audit dated a day earlier (the
    correction counts, the replaced audit does not); S2 only more than a year ago (stale, national@2025.1); S3
    never; S4 twice on the same recent day (the later stored counts); S5 in autumn and summer. T2: two schools.
    """
    admin = {"Authorization": make_key(engine, "admin")}
    for trust_id, name in (("T1", "Trust one"), ("T2", "Trust two")):
        assert client.put(f"/v1/trusts/{trust_id}", json={"name": name}, headers=admin).status_code == 201
    schools = seeded_schools()
    for index, school in enumerate(schools):
        fields = {
            "name": school.name,
            "phase": school.phase,
            "local_authority": "Devon" if index < 3 else "Somerset",
            "trust_id": "T1" if index < 6 else "T2",
        }
        assert client.put(f"/v1/schools/{school.urn}", json=fields, headers=admin).status_code == 201
    s0, s1, s2, _, s4, s5, s6, s7 = schools
    plan = [
        (s0, AUTUMN),
        (s0, SPRING),
        (s0, SUMMER),
        (s0, RECENT),
        (s1, AUTUMN),
        (s1, RECENT),
        (s2, OLD),
        (s4, SPRING),
        (s4, RECENT),
        (s4, RECENT),
        (s5, AUTUMN),
        (s5, SUMMER),
        (s6, RECENT),
        (s7, RECENT),
    ]
    audits: dict[str, list[str]] = defaultdict(list)
    for number, (school, day) in enumerate(plan):
        audits[school.urn].append(submit(client, admin, school, day, seed=number))
    correction = submit(client, admin, s1, RECENT - dt.timedelta(days=1), seed=99, replaces=audits[s1.urn][-1])
    audits[s1.urn].append(correction)
    urns = [school.urn for school in schools]
    return Seeded(
        admin=admin,
        trust={"Authorization": make_key(engine, "trust", trust="T1")},
        other_trust={"Authorization": make_key(engine, "trust", trust="T2")},
        t1=urns[:6],
        t2=urns[6:],
        audits=dict(audits),
    )


def exception_body(rule: str, **changes: Any) -> dict[str, Any]:
    """A valid exception to ``rule``."""
    body = {
        "rule": rule,
        "reason": "The sensory room is being built this term; the school uses the library meanwhile.",
        "approver_name": "Pat Chair",
        "approver_role": "Chair of the local governing board",
        "risk": "medium",
        "review_on": (TODAY + dt.timedelta(days=30)).isoformat(),
        "expires_on": (TODAY + dt.timedelta(days=120)).isoformat(),
    }
    body.update(changes)
    return body


def key_id(headers: dict[str, str]) -> str:
    """The public id of the key in an Authorization header ('Bearer oap_<id>_<secret>')."""
    return headers["Authorization"].split(" ", 1)[1].split("_")[1]
