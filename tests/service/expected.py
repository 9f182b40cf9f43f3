"""The trust figures computed independently, in Python, from the stored audits and reports (read back through the
audit endpoints and the tables), for the dashboard and lifecycle tests to compare with; and the whole schools table
read back page by page.

Each school counts by its latest audit whose report (against the version asked for) is not incomplete; an audit
with no report against that version is not skipped (the school then lacks a report). The newest audit, when it is
not the counted one, is the newer incomplete audit the dashboards flag.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

SHORT = ("not_met", "partially_met")


def audit_list(client: TestClient, headers: dict[str, str], urn: str) -> list[dict[str, Any]]:
    """Every audit of a school, through the audits endpoint."""
    response = client.get(f"/v1/schools/{urn}/audits", params={"limit": 200}, headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def audits_newest_first(client: TestClient, headers: dict[str, str], urn: str) -> list[dict[str, Any]]:
    """The school's audits, newest first by audit date then time stored, leaving out audits a correction replaced."""
    items = audit_list(client, headers, urn)
    replaced = {item["replaces_id"] for item in items if item["replaces_id"]}
    candidates = [item for item in items if item["id"] not in replaced]
    return sorted(candidates, key=lambda item: (item["audit_date"], item["created_at"], item["id"]), reverse=True)


def latest_audit(client: TestClient, headers: dict[str, str], urn: str) -> dict[str, Any] | None:
    """The school's latest audit by audit date then time stored, leaving out audits a correction replaced."""
    return next(iter(audits_newest_first(client, headers, urn)), None)


def stored_report(engine: Engine, audit_id: str, standards: str) -> dict[str, Any] | None:
    """The stored report body of an audit against a version, straight from the reports table."""
    name, version = standards.split("@")
    query = sa.text(
        "SELECT body FROM reports WHERE audit_id = :audit AND standards_set = :set AND standards_version = :version"
    )
    with engine.connect() as connection:
        body = connection.execute(query, {"audit": audit_id, "set": name, "version": version}).scalar_one_or_none()
    if body is None:
        return None
    return json.loads(body) if isinstance(body, str) else dict(body)


def chosen_report(
    client: TestClient, engine: Engine, headers: dict[str, str], audit_id: str, standards: str | None
) -> dict[str, Any] | None:
    """An audit's submission report (through the API), or its stored report against ``standards`` (or None)."""
    if standards is None:
        response = client.get(f"/v1/audits/{audit_id}/report", headers=headers)
        assert response.status_code == 200
        body: dict[str, Any] = response.json()
        return body
    return stored_report(engine, audit_id, standards)


def counted_audits(
    client: TestClient, engine: Engine, headers: dict[str, str], urn: str, standards: str | None = None
) -> tuple[dict[str, Any] | None, dict[str, Any] | None, dict[str, Any] | None]:
    """(counted audit, its report, newer incomplete audit) of a school: the latest audit whose report is not
    incomplete, and the newest audit when that is not the counted one (each None when there is none)."""
    newer = None
    for audit in audits_newest_first(client, headers, urn):
        report = chosen_report(client, engine, headers, audit["id"], standards)
        if report is not None and report["complete"] is False:
            newer = newer or audit
            continue
        return audit, report, newer
    return None, None, newer


def latest_reports(
    client: TestClient, engine: Engine, headers: dict[str, str], urns: list[str], standards: str | None = None
) -> dict[str, tuple[dict[str, Any], dict[str, Any] | None]]:
    """For each school with a counted audit: (its latest audit whose report is not incomplete, that submission
    report or stored report against ``standards``)."""
    found: dict[str, tuple[dict[str, Any], dict[str, Any] | None]] = {}
    for urn in urns:
        audit, report, _ = counted_audits(client, engine, headers, urn, standards)
        if audit is not None:
            found[urn] = (audit, report)
    return found


def newer_incomplete_audits(
    client: TestClient, engine: Engine, headers: dict[str, str], urns: list[str], standards: str | None = None
) -> dict[str, dict[str, Any]]:
    """For each school whose newest audit is incomplete (and so not counted): that audit."""
    found: dict[str, dict[str, Any]] = {}
    for urn in urns:
        _, _, newer = counted_audits(client, engine, headers, urn, standards)
        if newer is not None:
            found[urn] = newer
    return found


def expected_summary(reports: dict[str, tuple[dict[str, Any], dict[str, Any] | None]]) -> dict[str, Any]:
    """Bands, domain averages and rule shortfalls computed in Python from the report bodies."""
    bodies = [report for _, report in reports.values() if report is not None]
    bands = Counter(body["band"] for body in bodies)
    capped = Counter(body["band"] for body in bodies if body["capped_by"])
    domain_scores: dict[str, list[float]] = defaultdict(list)
    for body in bodies:
        for domain in body["domains"]:
            if domain["score"] is not None:
                domain_scores[domain["id"]].append(domain["score"])
    rules: dict[str, dict[str, Any]] = {}
    for body in bodies:
        for result in body["results"]:
            row = rules.setdefault(result["rule"], {"short": 0, "gap": 0.0, "unit": None, "statuses": Counter()})
            row["statuses"][result["status"]] += 1
            if result["status"] in SHORT:
                row["short"] += 1
                if result["gap"] is not None and result["gap"]["amount"] is not None:
                    row["gap"] += result["gap"]["amount"]
                    row["unit"] = result["gap"]["unit"]
    return {
        "bands": bands,
        "capped": capped,
        "domains": {domain: sum(scores) / len(scores) for domain, scores in domain_scores.items()},
        "domain_counts": {domain: len(scores) for domain, scores in domain_scores.items()},
        "rules": rules,
    }


def check_summary(summary: dict[str, Any], expected: dict[str, Any], total: int, reported: int) -> None:
    """Compare a summary response with the independent computation."""
    assert summary["schools"]["total"] == total
    assert summary["schools"]["with_report"] == reported
    assert summary["schools"]["without_report"] == total - reported
    got_bands = {row["band"]: row["schools"] for row in summary["bands"] if row["schools"]}
    assert got_bands == dict(expected["bands"])
    assert {row["band"]: row["capped"] for row in summary["bands"] if row["capped"]} == dict(expected["capped"])
    assert sum(row["schools"] for row in summary["bands"]) == reported
    got_domains = {row["domain"]: row for row in summary["domains"]}
    assert set(got_domains) == set(expected["domains"])
    for domain, average in expected["domains"].items():
        assert got_domains[domain]["average_score"] == pytest.approx(average, abs=0.051)
        assert got_domains[domain]["schools"] == expected["domain_counts"][domain]
    got_rules = {row["rule"]: row for row in summary["rules"]}
    assert set(got_rules) == set(expected["rules"])
    for rule, wanted in expected["rules"].items():
        row = got_rules[rule]
        assert row["schools_short"] == wanted["short"], rule
        for status in ("met", "not_met", "partially_met", "not_assessed", "not_applicable"):
            assert row[status] == wanted["statuses"][status], (rule, status)
        if wanted["unit"] is None:
            assert row["gap_total"] is None, rule
        else:
            assert row["gap_total"] == pytest.approx(wanted["gap"], abs=0.006), rule
            assert row["gap_unit"] == wanted["unit"]
            amount = round(wanted["gap"], 2)
            shown = str(int(amount)) if amount.is_integer() else str(amount)
            plural = "s" if wanted["short"] != 1 else ""
            assert row["text"] == f"{shown} {wanted['unit']} across {wanted['short']} school{plural}"
    shorts = [row["schools_short"] for row in summary["rules"]]
    assert shorts == sorted(shorts, reverse=True), "rules are listed with the most schools short first"


def all_pages(client: TestClient, headers: dict[str, str], sort: str, limit: int) -> list[dict[str, Any]]:
    """Every row of the schools table, following next_cursor."""
    rows: list[dict[str, Any]] = []
    cursor = None
    for _ in range(20):
        params: dict[str, Any] = {"sort": sort, "limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = client.get("/v1/trusts/T1/schools", params=params, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= limit
        assert page["total"] == 6
        rows += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return rows
    raise AssertionError("pagination did not end")
