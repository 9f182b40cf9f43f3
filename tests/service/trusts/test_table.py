"""The trust's schools table over the API, on each database: sorting, paging by cursor, and each row's figures."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.builders import seed
from tests.service.expected import all_pages, latest_reports

SORTS = ("score", "-score", "name", "-name", "audit_date", "-audit_date", "band", "-band")
BAND_ORDER = {"emerging": 0, "developing": 1, "established": 2, "enhanced": 3}


def sort_key(row: dict[str, Any], sort: str) -> tuple[Any, ...]:
    """The expected order, computed independently: missing values last, then the value, then the URN."""
    name = sort.lstrip("-")
    value = BAND_ORDER.get(row["band"]) if name == "band" else row[name]
    return (value is None, value if value is not None else 0, row["urn"])


def test_schools_table_sorts_and_pages(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    for sort in SORTS:
        rows = all_pages(client, seeded.trust, sort, limit=2)
        assert sorted(row["urn"] for row in rows) == sorted(seeded.t1), f"{sort}: every school exactly once"
        present = [row for row in rows if sort_key(row, sort)[0] is False]
        missing = [row for row in rows if sort_key(row, sort)[0] is True]
        assert rows == present + missing, f"{sort}: schools without a value come last"
        keys = [sort_key(row, sort)[1:] for row in present]
        assert keys == sorted(keys, reverse=sort.startswith("-")), sort
        descending = sort.startswith("-")
        assert [row["urn"] for row in missing] == sorted((row["urn"] for row in missing), reverse=descending)
        if sort.lstrip("-") != "name":
            assert [row["urn"] for row in missing] == [seeded.no_audit], sort


def test_schools_table_rows(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    rows = {row["urn"]: row for row in all_pages(client, seeded.trust, "name", limit=50)}
    reports = latest_reports(client, engine, seeded.admin, seeded.t1)
    for urn, (audit, report) in reports.items():
        row = rows[urn]
        assert report is not None
        assert (row["audit_id"], row["audit_date"]) == (audit["id"], audit["audit_date"])
        assert (row["score"], row["band"], row["coverage"]) == (report["score"], report["band"], report["coverage"])
        assert row["capped"] is bool(report["capped_by"])
        statutory = [r for r in report["results"] if r["basis"] == "statutory" and r["status"] == "not_met"]
        assert row["statutory_failures"] == len(statutory)
        assert row["standards"] == f"{report['standards']['set']}@{report['standards']['version']}"
        assert row["signed_off"] is False
    assert rows[seeded.stale]["stale"] is True, "the only audit is more than 12 months old"
    assert rows[seeded.no_audit]["stale"] is True
    assert rows[seeded.no_audit]["score"] is None
    assert rows[seeded.no_audit]["audit_id"] is None
    assert [urn for urn, row in rows.items() if row["stale"]] == [
        urn for urn in rows if urn in (seeded.stale, seeded.no_audit)
    ]


def test_schools_table_refuses_bad_sorts_and_cursors(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    first = client.get("/v1/trusts/T1/schools", params={"sort": "score", "limit": 2}, headers=seeded.trust).json()
    cursor = first["next_cursor"]
    assert cursor
    other = client.get("/v1/trusts/T1/schools", params={"sort": "name", "cursor": cursor}, headers=seeded.trust)
    assert other.status_code == 400
    assert "sort=score" in other.json()["detail"]
    garbage = client.get("/v1/trusts/T1/schools", params={"cursor": "not-a-cursor"}, headers=seeded.trust)
    assert garbage.status_code == 400
    assert client.get("/v1/trusts/T1/schools", params={"sort": "pupils"}, headers=seeded.trust).status_code == 422
