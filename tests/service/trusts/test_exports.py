"""Trust exports, on each database: the schools table and every finding, as CSV and NDJSON, streamed in batches."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from api.errors import NotFound
from tests.builders import TODAY, seed
from tests.service.expected import all_pages, latest_reports


def test_schools_exports_parse_and_match_the_table(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    table = sorted(all_pages(client, seeded.trust, "name", limit=50), key=lambda row: row["urn"])
    csv_response = client.get("/v1/trusts/T1/exports/schools", params={"format": "csv"}, headers=seeded.trust)
    assert csv_response.status_code == 200
    assert csv_response.headers["content-type"].startswith("text/csv")
    assert 'filename="T1-schools.csv"' in csv_response.headers["content-disposition"]
    parsed = list(csv.DictReader(io.StringIO(csv_response.text)))
    assert [row["urn"] for row in parsed] == [row["urn"] for row in table]
    for got, want in zip(parsed, table, strict=True):
        for column, value in got.items():
            expected = "" if want[column] is None else str(want[column])
            assert value == expected, (want["urn"], column)
    ndjson = client.get("/v1/trusts/T1/exports/schools", params={"format": "ndjson"}, headers=seeded.trust)
    assert ndjson.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in ndjson.text.splitlines()]
    assert lines == [{key: row[key] for key in lines[0]} for row in table]
    assert set(lines[0]) == set(parsed[0])


def test_findings_exports_list_every_finding_of_the_latest_reports(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    reports = latest_reports(client, engine, seeded.admin, seeded.t1)
    expected = sorted(
        (urn, result["rule"], result["status"], None if result["gap"] is None else result["gap"]["amount"])
        for urn, (_, report) in reports.items()
        if report is not None
        for result in report["results"]
    )
    ndjson = client.get("/v1/trusts/T1/exports/findings", params={"format": "ndjson"}, headers=seeded.trust)
    assert ndjson.status_code == 200
    lines = [json.loads(line) for line in ndjson.text.splitlines()]
    assert [(row["urn"], row["rule"], row["status"], row["gap_amount"]) for row in lines] == expected
    assert {row["audit_id"] for row in lines} == {audit["id"] for audit, _ in reports.values()}
    as_csv = client.get("/v1/trusts/T1/exports/findings", headers=seeded.trust)
    assert as_csv.headers["content-type"].startswith("text/csv")
    parsed = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [(row["urn"], row["rule"], row["status"]) for row in parsed] == [e[:3] for e in expected]
    assert [row["gap_amount"] for row in parsed] == ["" if e[3] is None else str(float(e[3])) for e in expected]


def test_exports_stream_a_batch_at_a_time(client: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from api.rules.catalog import load_catalog
    from api.service.access import Principal, Role
    from api.service.trusts import exports

    seeded = seed(client, engine)
    monkeypatch.setattr(exports, "EXPORT_BATCH", 2)
    chunks = exports.open_export(
        engine=engine,
        catalog=load_catalog(),
        principal=Principal(key_id="test", role=Role.trust, trust_id="T1"),
        trust_id="T1",
        table="schools",
        fmt="ndjson",
        today=TODAY,
    )
    first = next(chunks)
    assert len(first.decode().splitlines()) == 2, "the first chunk is one batch, read before the rest exists"
    rest = list(chunks)
    assert [len(chunk.decode().splitlines()) for chunk in rest] == [2, 2]
    assert sorted(json.loads(line)["urn"] for chunk in [first, *rest] for line in chunk.decode().splitlines()) == (
        sorted(seeded.t1)
    )
    with pytest.raises(NotFound, match="there is no trust T1 that this key can see"):
        exports.open_export(
            engine=engine,
            catalog=load_catalog(),
            principal=Principal(key_id="test", role=Role.trust, trust_id="T2"),
            trust_id="T1",
            table="schools",
            fmt="csv",
            today=TODAY,
        )


def test_csv_export_defuses_spreadsheet_formulas(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    fields = {"name": '=HYPERLINK("http://x")', "trust_id": "T1"}
    assert client.put(f"/v1/schools/{seeded.no_audit}", json=fields, headers=seeded.admin).status_code == 200
    rows = list(csv.DictReader(io.StringIO(client.get("/v1/trusts/T1/exports/schools", headers=seeded.trust).text)))
    assert next(row for row in rows if row["urn"] == seeded.no_audit)["name"] == '\'=HYPERLINK("http://x")'
    ndjson = client.get("/v1/trusts/T1/exports/schools?format=ndjson", headers=seeded.trust).text
    names = {json.loads(line)["urn"]: json.loads(line)["name"] for line in ndjson.splitlines()}
    assert names[seeded.no_audit] == '=HYPERLINK("http://x")', "NDJSON carries the name as it is"
