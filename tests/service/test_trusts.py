"""Trust dashboards over the API, on each database: every figure is checked against an independent computation
from the stored audits and reports (read back through the audit endpoints and the tables), never against the
aggregation queries themselves."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from api.errors import NotFound
from api.service.demo import load_real_schools
from tests.builders import AUTUMN, RECENT, SPRING, SUMMER, TODAY, seed, seeded_schools, submit
from tests.conftest import make_key
from tests.service.expected import audit_list, check_summary, expected_summary, latest_reports

SORTS = ("score", "-score", "name", "-name", "audit_date", "-audit_date", "band", "-band")
BAND_ORDER = {"emerging": 0, "developing": 1, "established": 2, "enhanced": 3}


# ------------------------------------------------------------------------------------------------ the summary


def test_summary_matches_an_independent_computation(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    response = client.get("/v1/trusts/T1/summary", headers=seeded.trust)
    assert response.status_code == 200, response.text
    summary = response.json()
    reports = latest_reports(client, engine, seeded.admin, seeded.t1)
    assert len(reports) == 5  # every T1 school but the one never audited
    check_summary(summary, expected_summary(reports), total=6, reported=5)
    assert summary["trust"] == {"id": "T1", "name": "Trust one"}
    assert summary["standards"] is None
    assert summary["schools"]["without_audit"] == 1
    assert summary["note"] == "1 school has no audit yet; they are left out of the figures below."
    versions = Counter(f"{r['standards']['set']}@{r['standards']['version']}" for _, r in reports.values() if r)
    assert {row["standards"]: row["schools"] for row in summary["standards_used"]} == dict(versions)
    assert set(versions) == {"national@2025.1", "national@2026.1"}


def test_latest_report_follows_corrections_and_the_time_stored(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    rows = {
        row["urn"]: row for row in client.get("/v1/trusts/T1/schools?limit=50", headers=seeded.trust).json()["items"]
    }
    s1, s4 = seeded.t1[1], seeded.t1[4]
    assert rows[s1]["audit_id"] == seeded.audits[s1][-1], "the correction replaces the later-dated audit it corrects"
    assert rows[s1]["audit_date"] == (RECENT - dt.timedelta(days=1)).isoformat()
    assert rows[s4]["audit_id"] == seeded.audits[s4][-1], "of two audits on the same day, the one stored later"
    assert rows[seeded.t1[0]]["audit_date"] == RECENT.isoformat()


def test_summary_filters_by_phase_and_local_authority(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    secondary = seeded.t1[4:6]
    response = client.get("/v1/trusts/T1/summary", params={"phase": "secondary"}, headers=seeded.trust)
    assert response.status_code == 200
    check_summary(
        response.json(), expected_summary(latest_reports(client, engine, seeded.admin, secondary)), total=2, reported=2
    )
    assert response.json()["filters"] == {"phase": "secondary", "local_authority": None}
    devon = seeded.t1[:3]
    response = client.get("/v1/trusts/T1/summary", params={"local_authority": "Devon"}, headers=seeded.trust)
    check_summary(
        response.json(), expected_summary(latest_reports(client, engine, seeded.admin, devon)), total=3, reported=3
    )
    both = client.get(
        "/v1/trusts/T1/summary", params={"local_authority": "Somerset", "phase": "primary"}, headers=seeded.trust
    ).json()
    assert both["schools"] == {"total": 1, "with_report": 0, "without_report": 1, "without_audit": 1}
    assert all(row["schools"] == 0 for row in both["bands"])
    assert both["rules"] == []
    assert client.get("/v1/trusts/T1/summary?phase=castle", headers=seeded.trust).status_code == 422


def test_summary_against_a_version_counts_schools_without_a_report(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    response = client.get("/v1/trusts/T1/summary", params={"standards": "national@2026.1"}, headers=seeded.trust)
    assert response.status_code == 200
    summary = response.json()
    reports = latest_reports(client, engine, seeded.admin, seeded.t1, standards="national@2026.1")
    lacking = sorted(urn for urn, (_, report) in reports.items() if report is None)
    assert lacking == sorted([seeded.t1[2], seeded.t1[5]]), "the schools last audited before 2026.1 took effect"
    check_summary(summary, expected_summary(reports), total=6, reported=3)
    assert summary["standards"] == "national@2026.1"
    assert summary["standards_used"] == [{"standards": "national@2026.1", "schools": 3}]
    assert "2 schools have no report against national@2026.1 yet" in summary["note"]
    assert "oap rescore --standards national@2026.1 --trust T1" in summary["note"]
    unknown = client.get("/v1/trusts/T1/summary", params={"standards": "national@2030.1"}, headers=seeded.trust)
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "standards_not_found"


# ------------------------------------------------------------------------------------------------ the schools table


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


# ------------------------------------------------------------------------------------------------ trend by term


def term_of(day: str) -> str:
    """'autumn 2025/26' from a date: autumn Sep-Dec, spring Jan-Apr, summer May-Aug."""
    date = dt.date.fromisoformat(day)
    start = date.year if date.month >= 9 else date.year - 1
    season = "autumn" if date.month >= 9 else "spring" if date.month <= 4 else "summer"
    return f"{season} {start}/{str(start + 1)[2:]}"


def test_trend_by_school_and_term(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    response = client.get("/v1/trusts/T1/trend", headers=seeded.trust)
    assert response.status_code == 200, response.text
    trend = response.json()
    expected: dict[str, dict[str, tuple[str, float | None]]] = {}
    for urn in seeded.t1:
        items = audit_list(client, seeded.admin, urn)
        replaced = {item["replaces_id"] for item in items if item["replaces_id"]}
        latest_in_term: dict[str, dict[str, Any]] = {}
        for item in sorted(items, key=lambda i: (i["audit_date"], i["created_at"])):
            if item["id"] not in replaced:
                latest_in_term[term_of(item["audit_date"])] = item
        if latest_in_term:
            expected[urn] = {
                term: (
                    item["audit_date"],
                    client.get(f"/v1/audits/{item['id']}/report", headers=seeded.admin).json()["score"],
                )
                for term, item in latest_in_term.items()
            }
    got = {
        school["urn"]: {point["term"]: (point["audit_date"], point["score"]) for point in school["terms"]}
        for school in trend["schools"]
    }
    assert got == expected
    assert set(got[seeded.t1[0]]) == {term_of(d.isoformat()) for d in (AUTUMN, SPRING, SUMMER, RECENT)}
    by_term: dict[str, list[float]] = defaultdict(list)
    for terms in expected.values():
        for term, (_, score) in terms.items():
            if score is not None:
                by_term[term].append(score)
    averages = {row["term"]: row for row in trend["terms"]}
    assert set(averages) == set(by_term)
    for term, scores in by_term.items():
        assert averages[term]["schools"] == len(scores)
        assert averages[term]["average_score"] == pytest.approx(sum(scores) / len(scores), abs=0.051)
    order = [(row["academic_year"], ["autumn", "spring", "summer"].index(row["season"])) for row in trend["terms"]]
    assert order == sorted(order)


# ------------------------------------------------------------------------------------------------ exports


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


# ------------------------------------------------------------------------------------------------ ETags


ETAG_PATHS = (
    "/v1/trusts/T1/summary",
    "/v1/trusts/T1/schools",
    "/v1/trusts/T1/trend",
    "/v1/trusts/T1/exports/schools",
    "/v1/trusts/T1/exports/findings?format=ndjson",
    "/v1/trusts/T1/impact?from=national@2025.1&to=national@2026.1",
)


def test_etag_answers_304_until_something_changes(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    for number, path in enumerate(ETAG_PATHS):
        first = client.get(path, headers=seeded.trust)
        assert first.status_code == 200, path
        etag = first.headers["etag"]
        assert etag.startswith('W/"')
        again = client.get(path, headers={**seeded.trust, "If-None-Match": etag})
        assert again.status_code == 304, path
        assert again.content == b""
        assert again.headers["etag"] == etag
        listed = client.get(path, headers={**seeded.trust, "If-None-Match": f'"other", {etag}'})
        assert listed.status_code == 304, path
        outsider = client.get(path, headers={**seeded.other_trust, "If-None-Match": etag})
        assert outsider.status_code == 404, "a 304 must not tell another trust that this one exists"
        submit(client, seeded.admin, seeded_schools()[0], RECENT, seed=500 + number)
        changed = client.get(path, headers={**seeded.trust, "If-None-Match": etag})
        assert changed.status_code == 200, path
        assert changed.headers["etag"] != etag


def test_etag_depends_on_the_query_and_on_sign_offs_and_exceptions(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    plain = client.get("/v1/trusts/T1/summary", headers=seeded.trust).headers["etag"]
    filtered = client.get("/v1/trusts/T1/summary?phase=primary", headers=seeded.trust).headers["etag"]
    assert plain != filtered
    table = client.get("/v1/trusts/T1/schools", headers=seeded.trust).headers["etag"]
    urn = seeded.t1[0]
    audit_id = seeded.audits[urn][-1]
    governor = {"Authorization": make_key(engine, "governor", school=urn)}
    assert (
        client.post(f"/v1/audits/{audit_id}/sign-off", json={"reviewer_name": "G"}, headers=governor).status_code == 201
    )
    after_sign_off = client.get("/v1/trusts/T1/schools", headers={**seeded.trust, "If-None-Match": table})
    assert after_sign_off.status_code == 200
    exception = {
        "rule": "environment.sensory-space",
        "reason": "A room is being built",
        "approver_name": "A Head",
        "approver_role": "Headteacher",
        "risk": "low",
        "review_on": TODAY.isoformat(),
        "expires_on": (TODAY + dt.timedelta(days=90)).isoformat(),
    }
    assert client.post(f"/v1/schools/{urn}/exceptions", json=exception, headers=seeded.trust).status_code == 201
    etag = after_sign_off.headers["etag"]
    assert client.get("/v1/trusts/T1/schools", headers={**seeded.trust, "If-None-Match": etag}).status_code == 200


# ------------------------------------------------------------------------------------------------ access


TRUST_PATHS = (
    "/v1/trusts/T1/summary",
    "/v1/trusts/T1/schools",
    "/v1/trusts/T1/trend",
    "/v1/trusts/T1/exports/schools",
    "/v1/trusts/T1/exports/findings",
    "/v1/trusts/T1/impact?from=national@2025.1&to=national@2026.1",
)


def test_trust_endpoints_answer_only_their_trust_and_admin(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    urn = seeded.t1[0]
    outsiders = (
        seeded.other_trust,
        {"Authorization": make_key(engine, "school", school=urn)},
        {"Authorization": make_key(engine, "governor", school=urn)},
    )
    for path in TRUST_PATHS:
        assert client.get(path, headers=seeded.trust).status_code == 200, path
        assert client.get(path, headers=seeded.admin).status_code == 200, path
        for headers in outsiders:
            response = client.get(path, headers=headers)
            assert response.status_code == 404, (path, response.text)
            assert response.json()["code"] == "not_found"
            assert "there is no trust T1 that this key can see" in response.json()["detail"]
        assert client.get(path).status_code == 401
        assert client.get(path.replace("/T1/", "/T9/"), headers=seeded.admin).status_code == 404


def test_a_trust_never_sees_another_trusts_schools(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    for headers, own, other in ((seeded.trust, seeded.t1, seeded.t2), (seeded.other_trust, seeded.t2, seeded.t1)):
        trust_id = "T1" if own is seeded.t1 else "T2"
        table = client.get(f"/v1/trusts/{trust_id}/schools?limit=50", headers=headers).json()["items"]
        assert sorted(row["urn"] for row in table) == sorted(own)
        findings = client.get(f"/v1/trusts/{trust_id}/exports/findings?format=ndjson", headers=headers).text
        assert {json.loads(line)["urn"] for line in findings.splitlines()} <= set(own)
        for urn in other:
            assert client.get(f"/v1/schools/{urn}/benchmark", headers=headers).status_code == 404


# ------------------------------------------------------------------------------------------------ benchmarks


def percentile(score: float, scores: list[float]) -> int:
    """Share of the other schools scoring lower, ties counting half (independent of the service)."""
    others = list(scores)
    others.remove(score)
    below = sum(other < score for other in others)
    equal = sum(other == score for other in others)
    value = Decimal(100 * (below + 0.5 * equal) / len(others))
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_benchmark_percentiles_and_the_minimum_group(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    urn = seeded.t2[0]
    scores = {
        u: report["score"]
        for u, (_, report) in latest_reports(client, engine, seeded.admin, seeded.t1 + seeded.t2).items()
        if report is not None and report["standards"]["version"] == "2026.1"
    }
    primary = [u for u in scores if u in seeded.t1[:4] + seeded.t2]
    assert len(primary) == 4, "S0, S1 and the two T2 schools have a national@2026.1 latest report"
    response = client.get(f"/v1/schools/{urn}/benchmark", headers=seeded.other_trust)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["standards"] == "national@2026.1"
    assert body["score"] == scores[urn]
    groups = {group["group"]: group for group in body["groups"]}
    trust = groups["trust"]
    assert trust["available"] is True, "the caller's own trust is shown whatever its size"
    assert trust["schools"] == 2
    assert trust["percentile"] == percentile(scores[urn], [scores[u] for u in seeded.t2])
    phase = groups["phase"]
    assert phase["available"] is False
    assert phase["message"].startswith("not enough schools to compare")
    assert phase["schools"] is None
    assert phase["percentile"] is None
    assert phase["average_score"] is None

    as_admin = {
        g["group"]: g for g in client.get(f"/v1/schools/{urn}/benchmark", headers=seeded.admin).json()["groups"]
    }
    assert as_admin["phase"]["available"] is True
    assert as_admin["phase"]["schools"] == 4
    assert as_admin["phase"]["percentile"] == percentile(scores[urn], [scores[u] for u in primary])

    newcomer = next(
        s for s in load_real_schools() if s.urn and s.phase == "primary" and s.urn not in seeded.t1 + seeded.t2
    )
    fields = {"name": newcomer.name, "phase": "primary"}
    new_urn = str(newcomer.urn)
    assert client.put(f"/v1/schools/{new_urn}", json=fields, headers=seeded.admin).status_code == 201
    submit(client, seeded.admin, newcomer, RECENT, seed=700)
    newcomer_report = latest_reports(client, engine, seeded.admin, [new_urn])[new_urn][1]
    assert newcomer_report is not None
    scores[new_urn] = newcomer_report["score"]
    body = client.get(f"/v1/schools/{urn}/benchmark", headers=seeded.other_trust).json()
    phase = {group["group"]: group for group in body["groups"]}["phase"]
    assert phase["available"] is True, "five schools are enough"
    assert phase["schools"] == 5
    assert phase["percentile"] == percentile(scores[urn], [scores[u] for u in [*primary, new_urn]])
    expected_average = sum(scores[u] for u in [*primary, new_urn]) / 5
    assert phase["average_score"] == pytest.approx(expected_average, abs=0.051)


def test_benchmark_for_school_keys_and_schools_without_audits(client: TestClient, engine: Engine) -> None:
    seeded = seed(client, engine)
    urn = seeded.t1[0]
    governor = {"Authorization": make_key(engine, "governor", school=urn)}
    body = client.get(f"/v1/schools/{urn}/benchmark", headers=governor).json()
    groups = {group["group"]: group for group in body["groups"]}
    assert groups["trust"]["available"] is True
    assert groups["phase"]["available"] is False, "four primary schools, two of them outside the school's trust"
    assert client.get(f"/v1/schools/{seeded.t1[1]}/benchmark", headers=governor).status_code == 404
    missing = client.get(f"/v1/schools/{seeded.no_audit}/benchmark", headers=seeded.admin)
    assert missing.status_code == 404
    assert "no audit" in missing.json()["detail"]


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
