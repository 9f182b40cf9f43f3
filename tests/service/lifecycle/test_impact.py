"""Version impact on each database: the trust and school views compare the stored reports of two versions."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from api.contract.validation import validate_audit
from api.engine.scoring import Scorer
from api.rules.catalog import Catalog
from api.service.demo import load_real_schools, realistic_audit
from api.service.lifecycle.rescore import rescore_audits
from api.service.scoring import ScoringService
from tests.builders import RECENT, seed, submit
from tests.conftest import national_questions
from tests.service.expected import latest_audit, stored_report

OLD, NEW = "national@2025.1", "national@2026.1"


def expected_changes(old: dict[str, Any], new: dict[str, Any]) -> Counter[tuple[str, str | None, str | None]]:
    """(rule, old status, new status) for every rule whose status differs, computed from two report bodies."""
    before = {r["rule"]: r["status"] for r in old["results"]}
    after = {r["rule"]: r["status"] for r in new["results"]}
    changes: Counter[tuple[str, str | None, str | None]] = Counter()
    for rule in before.keys() | after.keys():
        was, now = before.get(rule), after.get(rule)
        if was == now or (was is None and now == "not_applicable") or (now is None and was == "not_applicable"):
            continue
        changes[(rule, was, now)] += 1
    return changes


def add_band_changer(client: TestClient, admin: dict[str, str], catalog: Catalog) -> str:
    """A new T1 school with a recent audit whose band differs between the two versions (found with the engine)."""
    school = [s for s in load_real_schools() if s.urn and s.phase == "primary"][6]
    urn = str(school.urn)
    fields = {"name": school.name, "phase": "primary", "trust_id": "T1"}
    assert client.put(f"/v1/schools/{urn}", json=fields, headers=admin).status_code == 201
    old, new = Scorer(catalog.get(OLD)), Scorer(catalog.get(NEW))
    for number in range(500):
        audit = realistic_audit(random.Random(number), school, urn, RECENT)
        valid = validate_audit(audit, questions=national_questions())
        before, after = old.score(valid).band, new.score(valid).band
        if before is not None and after is not None and before.id != after.id:
            submit(client, admin, school, RECENT, seed=number)
            return urn
    raise AssertionError("no audit changes band between the versions")


def test_impact_lists_band_changes_and_changed_findings(client: TestClient, engine: Engine, catalog: Catalog) -> None:
    seeded = seed(client, engine)
    params = {"from": OLD, "to": NEW}
    early = client.get("/v1/trusts/T1/impact", params=params, headers=seeded.trust).json()
    assert early["schools_compared"] == 0, "before rescoring, each audit has only its submission report"
    assert sorted(row["urn"] for row in early["lacking"]) == sorted(set(seeded.t1) - {seeded.no_audit})
    assert "oap rescore --standards national@2026.1 --trust T1" in early["summary"]
    changer = add_band_changer(client, seeded.admin, catalog)
    for ref in (OLD, NEW):
        rescore_audits(engine=engine, scoring=ScoringService(catalog), standards=ref, trust_id="T1")
    response = client.get("/v1/trusts/T1/impact", params=params, headers=seeded.trust)
    assert response.status_code == 200, response.text
    impact = response.json()
    assert impact["lacking"] == []
    expected_schools = {}
    changes: Counter[tuple[str, str | None, str | None]] = Counter()
    for urn in [*seeded.t1, changer]:
        audit = latest_audit(client, seeded.admin, urn)
        if audit is None:
            continue
        old, new = stored_report(engine, audit["id"], OLD), stored_report(engine, audit["id"], NEW)
        assert old is not None
        assert new is not None
        expected_schools[urn] = ((old["score"], old["band"]), (new["score"], new["band"]))
        changes += expected_changes(old, new)
    got = {
        row["urn"]: ((row["from"]["score"], row["from"]["band"]), (row["to"]["score"], row["to"]["band"]))
        for row in impact["schools"]
    }
    assert got == expected_schools
    band_changes = sum(old[1] != new[1] for old, new in expected_schools.values())
    assert impact["band_changes"] == band_changes
    assert band_changes >= 1, "the added school changes band"
    changed = {row["urn"]: row for row in impact["schools"] if row["band_changed"]}
    assert changer in changed
    ranks = {"emerging": 0, "developing": 1, "established": 2, "enhanced": 3}
    for row in changed.values():
        up = ranks[row["to"]["band"]] > ranks[row["from"]["band"]]
        assert row["direction"] == ("up" if up else "down")
    assert (impact["moved_up"], impact["moved_down"]) == (
        sum(row["direction"] == "up" for row in changed.values()),
        sum(row["direction"] == "down" for row in changed.values()),
    )
    assert impact["summary"].startswith(f"Under {NEW}, {band_changes} school")
    assert Counter({(f["rule"], f["from_status"], f["to_status"]): f["schools"] for f in impact["findings"]}) == changes
    assert changes, "2026.1 adds rules, so some findings change"

    urn = seeded.t1[0]
    school = client.get(f"/v1/schools/{urn}/impact", params=params, headers=seeded.trust)
    assert school.status_code == 200, school.text
    audit = latest_audit(client, seeded.admin, urn)
    assert audit is not None
    old, new = stored_report(engine, audit["id"], OLD), stored_report(engine, audit["id"], NEW)
    assert old is not None
    assert new is not None
    body = school.json()
    assert Counter((f["rule"], f["from_status"], f["to_status"]) for f in body["findings"]) == expected_changes(
        old, new
    )
    assert (body["from_report"]["band"], body["to_report"]["band"]) == (old["band"], new["band"])
    assert client.get(f"/v1/schools/{urn}/impact", params=params, headers=seeded.other_trust).status_code == 404
    lacking = client.get(f"/v1/schools/{seeded.t2[0]}/impact", params=params, headers=seeded.other_trust)
    assert lacking.status_code == 404
    assert "oap rescore" in lacking.json()["detail"]
