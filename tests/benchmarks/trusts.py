"""Trust dashboard benchmark: a trust of 100 schools against one of 1,000, and ``oap rescore`` memory.

* Scale: one database (a SQLite file, and a fresh schema of PostgreSQL at ``OAP_BENCH_POSTGRES_URL``, default
  ``postgresql+psycopg://postgres@127.0.0.1:5432/test``, dropped afterwards) holding trust B100 (100 schools) and
  trust B1000 (1,000 schools), six audits per school from October 2025 to November 2026, each with its report,
  one findings row per rule and one domain-score row per domain, a sign-off on every tenth school's latest report
  and an exception at every twentieth school. Rows go in with executemany in bulk: 120 distinct realistic audits
  (20 per audit date, from :mod:`api.service.demo`) are scored by the real engine against the version in effect on their
  date, and their report, findings and domain rows are reused under new ids. Every tenth school (from the fifth)
  also has a seventh, near-empty audit a week after the sixth, whose report is incomplete: dashboards count that
  school by its sixth audit and flag the seventh. Then, through the app in-process (an
  admin key, JSON responses), ``GET /v1/trusts/{id}/summary`` and ``GET /v1/trusts/{id}/schools?sort=-score&limit=50``
  are timed for each trust: one warm-up, then the median of 9 interleaved calls. Goal: the 1,000-school call takes
  at most 4× the 100-school call. The cheap ETag revalidation (304) of the 1,000-school summary is timed too.
* Rescore memory: ``python -m api rescore --standards national@2026.1 --all`` as a whole process on a SQLite file
  of 2,500 and of 25,000 stored audits (no reports yet), its wall time and peak resident memory from ``os.wait4``.
  Goal: constant memory (25,000 audits within 1.25× the peak of 2,500).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from api.contract.validation import validate_audit
from api.rules.catalog import load_catalog
from api.service.audits import report_rows
from api.service.demo import generate_audits, load_real_schools, realistic_audit
from api.service.scoring import ScoringService
from tests import databases

POSTGRES_URL = os.environ.get("OAP_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TRUSTS = {"B100": 100, "B1000": 1000}
AUDIT_DATES = (
    dt.date(2025, 10, 15),
    dt.date(2025, 12, 1),
    dt.date(2026, 2, 10),
    dt.date(2026, 5, 12),
    dt.date(2026, 9, 21),
    dt.date(2026, 11, 9),
)
TEMPLATES_PER_DATE = 20
SPARSE_DATE = dt.date(2026, 11, 16)
CALLS = 9
RESCORE_AUDITS = (2_500, 25_000)
RESCORE_STANDARDS = "national@2026.1"
SCALE_GOAL = 4.0
MEMORY_GOAL = 1.25
INSERT_BATCH = 2_000


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A fresh schema on the benchmark's PostgreSQL server (as a URL that uses it), dropped afterwards."""
    with databases.postgres_schema(POSTGRES_URL, "bench_trusts") as url:
        yield url


NATIONAL = load_catalog().get("national@2026.1")
Template = tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]


def templates() -> list[list[Template]]:
    """For each audit date, distinct (audit body, report row, findings rows, domain rows) scored by the real
    engine."""
    scoring = ScoringService(load_catalog())
    schools = [school for school in load_real_schools() if school.urn and school.phase in ("primary", "secondary")]
    rng = random.Random(2026)
    made = []
    for day in AUDIT_DATES:
        per_date = []
        for index in range(TEMPLATES_PER_DATE):
            school = schools[index % len(schools)]
            assert school.urn is not None
            valid = validate_audit(realistic_audit(rng, school, school.urn, day), questions=NATIONAL.questions)
            stored = report_rows(scoring.score(valid), audit_id="-", urn=school.urn)
            per_date.append((valid.nested(), stored.report.model_dump(), stored.findings, stored.domains))
        made.append(per_date)
    return made


def sparse_template() -> Template:
    """A near-empty audit (four answers) scored by the real engine: its report is incomplete."""
    scoring = ScoringService(load_catalog())
    body = {
        "audit_date": SPARSE_DATE.isoformat(),
        "school": {"urn": "300000"},
        "senco": {"designated": True, "qualified_teacher": True},
        "governance": {"send_governor": True},
        "published": {"local_offer_link": True},
    }
    valid = validate_audit(body, questions=NATIONAL.questions)
    stored = report_rows(scoring.score(valid), audit_id="-", urn="300000")
    if stored.report.complete:
        raise RuntimeError("the near-empty audit was expected to be incomplete")
    return valid.nested(), stored.report.model_dump(), stored.findings, stored.domains


def _chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), INSERT_BATCH):
        yield rows[start : start + INSERT_BATCH]


def load_trusts(engine: sa.Engine) -> None:
    """Trusts B100 and B1000 with six audits per school, reports, findings, some sign-offs and exceptions."""
    tables = sa.MetaData()
    tables.reflect(bind=engine)
    made = templates()
    sparse = sparse_template()
    phases = ("primary", "primary", "primary", "secondary")
    authorities = ("Devon", "Somerset", "Cornwall", "Dorset")
    now = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    number = 0
    with engine.begin() as connection:
        connection.execute(
            sa.insert(tables.tables["trusts"]),
            [
                {"id": trust, "name": f"Benchmark trust of {size}", "created_at": now, "updated_at": now}
                for trust, size in TRUSTS.items()
            ],
        )
        for trust, size in TRUSTS.items():
            schools, audits, reports, findings, domains, sign_offs, exceptions = [], [], [], [], [], [], []
            for _ in range(size):
                urn = f"{300000 + number:06d}"
                schools.append(
                    {
                        "urn": urn,
                        "name": f"School {number:04d}",
                        "phase": phases[number % len(phases)],
                        "local_authority": authorities[number % len(authorities)],
                        "trust_id": trust,
                        "status": "open",
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                plan = [(day, made[slot][(number + slot) % TEMPLATES_PER_DATE]) for slot, day in enumerate(AUDIT_DATES)]
                if number % 10 == 5:
                    plan.append((SPARSE_DATE, sparse))
                for slot, (day, (body, report, rows, scores)) in enumerate(plan):
                    audit_id, report_id = uuid.uuid4().hex, uuid.uuid4().hex
                    stored = now - dt.timedelta(days=(len(AUDIT_DATES) - slot) * 60, seconds=number)
                    audits.append(
                        {
                            "id": audit_id,
                            "school_urn": urn,
                            "audit_date": day,
                            "replaces_id": None,
                            "body": {**body, "school": {**body["school"], "urn": urn}},
                            "submitted_by": "bench",
                            "source": "bench",
                            "questions_set": NATIONAL.set,
                            "questions_version": NATIONAL.version,
                            "questions_sha256": NATIONAL.questions_sha256,
                            "created_at": stored,
                        }
                    )
                    reports.append(
                        {**report, "id": report_id, "audit_id": audit_id, "school_urn": urn, "created_at": stored}
                    )
                    findings += [{**row, "report_id": report_id} for row in rows]
                    domains += [{**row, "report_id": report_id} for row in scores]
                if number % 10 == 0:
                    sign_offs.append(
                        {
                            "id": uuid.uuid4().hex,
                            "report_id": reports[-1]["id"],
                            "reviewer_name": "A Governor",
                            "note": None,
                            "signed_by": "bench",
                            "created_at": now,
                        }
                    )
                if number % 20 == 0:
                    exceptions.append(
                        {
                            "id": uuid.uuid4().hex,
                            "school_urn": urn,
                            "rule": "environment.sensory-space",
                            "reason": "Building work",
                            "approver_name": "A Chair",
                            "approver_role": "Chair of governors",
                            "risk": "low",
                            "review_on": dt.date(2027, 1, 1),
                            "expires_on": dt.date(2027, 7, 1),
                            "recorded_by": "bench",
                            "created_at": now,
                            "withdrawn_at": None,
                        }
                    )
                number += 1
            for name, rows in (
                ("schools", schools),
                ("audits", audits),
                ("reports", reports),
                ("findings", findings),
                ("report_domains", domains),
                ("sign_offs", sign_offs),
                ("rule_exceptions", exceptions),
            ):
                for chunk in _chunks(rows):
                    connection.execute(sa.insert(tables.tables[name]), chunk)
    with engine.begin() as connection:
        connection.execute(sa.text("ANALYZE"))


def prepare_scale(database_url: str) -> tuple[dict[str, str], float]:
    """Migrate and load both trusts; returns an admin key's headers and the load time in seconds."""
    from api.service.access import Role, create_key
    from api.storage.db import make_engine, session_scope
    from api.storage.migrate import upgrade

    engine = make_engine(database_url)
    try:
        upgrade(engine)
        started = time.monotonic()
        load_trusts(engine)
        loaded = time.monotonic() - started
        with session_scope(engine) as session:
            _, key = create_key(session=session, role=Role.admin, label="benchmark")
    finally:
        engine.dispose()
    return {"Authorization": f"Bearer {key}"}, loaded


def measure_scale(database_url: str, headers: dict[str, str]) -> dict[str, Any]:
    """Time the summary and the schools table of each trust through the app, in-process."""
    from fastapi.testclient import TestClient

    from api.config import Environment, Settings
    from api.web.app import create_app

    settings = Settings(database_url=database_url, environment=Environment.test, log_level="WARNING")
    figures: dict[str, Any] = {}
    with TestClient(create_app(settings)) as client:
        for view, path in (
            ("summary", "/v1/trusts/{}/summary"),
            ("schools", "/v1/trusts/{}/schools?sort=-score&limit=50"),
        ):
            for trust in TRUSTS:
                client.get(path.format(trust), headers=headers)  # warm-up
            timings: dict[str, list[float]] = {trust: [] for trust in TRUSTS}
            for _ in range(CALLS):  # interleaved, so that a busy moment of the machine hits both sizes alike
                for trust in TRUSTS:
                    started = time.perf_counter()
                    response = client.get(path.format(trust), headers=headers)
                    timings[trust].append((time.perf_counter() - started) * 1000)
                    if response.status_code != 200:
                        raise RuntimeError(f"GET {path.format(trust)} answered {response.status_code}")
            for trust, values in timings.items():
                figures[f"{view}_{trust}"] = {"median_ms": statistics.median(values), "best_ms": min(values)}
        etag = client.get("/v1/trusts/B1000/summary", headers=headers).headers["etag"]
        revalidations = []
        for _ in range(CALLS):
            started = time.perf_counter()
            response = client.get("/v1/trusts/B1000/summary", headers={**headers, "If-None-Match": etag})
            revalidations.append((time.perf_counter() - started) * 1000)
            if response.status_code != 304:
                raise RuntimeError(f"revalidation answered {response.status_code}")
        figures["revalidate_B1000_ms"] = statistics.median(revalidations)
    for view in ("summary", "schools"):
        small, large = figures[f"{view}_B100"], figures[f"{view}_B1000"]
        figures[f"{view}_ratio"] = large["median_ms"] / small["median_ms"]
        figures[f"{view}_best_ratio"] = large["best_ms"] / small["best_ms"]
    return figures


def load_audits(database_url: str, count: int) -> None:
    """A migrated SQLite database of ``count`` stored audits (six per school), without reports."""
    from api.storage.db import make_engine
    from api.storage.migrate import upgrade

    engine = make_engine(database_url)
    try:
        upgrade(engine)
        tables = sa.MetaData()
        tables.reflect(bind=engine)
        now = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
        with engine.begin() as connection:
            urns = sorted({f"{200000 + index % 800000:06d}" for index in range(count)})
            for chunk in _chunks(
                [
                    {"urn": urn, "name": f"School {urn}", "status": "open", "created_at": now, "updated_at": now}
                    for urn in urns
                ]
            ):
                connection.execute(sa.insert(tables.tables["schools"]), chunk)
            batch = []
            for audit in generate_audits(count):
                batch.append(
                    {
                        "id": uuid.uuid4().hex,
                        "school_urn": audit["school"]["urn"],
                        "audit_date": dt.date.fromisoformat(audit["audit_date"]),
                        "replaces_id": None,
                        "body": validate_audit(audit, questions=NATIONAL.questions).nested(),
                        "submitted_by": "bench",
                        "source": "bench",
                        "questions_set": NATIONAL.set,
                        "questions_version": NATIONAL.version,
                        "questions_sha256": NATIONAL.questions_sha256,
                        "created_at": now,
                    }
                )
                if len(batch) == INSERT_BATCH:
                    connection.execute(sa.insert(tables.tables["audits"]), batch)
                    batch = []
            if batch:
                connection.execute(sa.insert(tables.tables["audits"]), batch)
    finally:
        engine.dispose()


MEASURE = """
import json, os, subprocess, sys, time
started = time.perf_counter()
with open(os.devnull, "w") as sink:
    process = subprocess.Popen(sys.argv[1:], stdout=sink, close_fds=False)
    _, status, usage = os.wait4(process.pid, 0)
print(json.dumps([time.perf_counter() - started, usage.ru_maxrss, os.waitstatus_to_exitcode(status)]))
"""


def run_measured(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Run a command with output discarded; return its wall time in seconds and peak RSS in KiB.

    The command is started by a small helper process with ``subprocess.Popen(..., close_fds=False)`` (so Python
    uses posix_spawn) and measured with ``os.wait4``: Linux carries the spawning process's peak memory over into
    the child's ``ru_maxrss``, so the parent must be small, not this benchmark with a loaded trust in memory.
    """
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, *command], env=env, capture_output=True, text=True, check=True
    )
    elapsed, peak, code = json.loads(done.stdout)
    if code != 0:
        raise RuntimeError(f"{' '.join(command)} failed with status {code}")
    return float(elapsed), int(peak)


def measure_rescore(workdir: Path) -> dict[str, Any]:
    """Peak memory and time of ``oap rescore --all`` for each size."""
    figures: dict[str, Any] = {}
    for count in RESCORE_AUDITS:
        path = workdir / f"rescore-{count}.db"
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
        load_audits(url, count)
        env = {**os.environ, "OAP_DATABASE_URL": url, "OAP_LOG_LEVEL": "WARNING"}
        command = [sys.executable, "-m", "api", "rescore", "--standards", RESCORE_STANDARDS, "--all"]
        seconds, peak = run_measured(command, env)
        again, _ = run_measured(command, env)
        engine = sa.create_engine(url)
        with engine.connect() as connection:
            reports = connection.execute(sa.text("SELECT count(*) FROM reports")).scalar_one()
        engine.dispose()
        if reports != count:
            raise RuntimeError(f"rescore made {reports} reports for {count} audits")
        figures[str(count)] = {"seconds": seconds, "peak_kib": peak, "rerun_seconds": again}
        path.unlink()
    small, large = RESCORE_AUDITS
    figures["memory_ratio"] = figures[str(large)]["peak_kib"] / figures[str(small)]["peak_kib"]
    return figures


def run(workdir: Path) -> dict[str, Any]:
    """Run the trust benchmark and return its figures."""
    figures: dict[str, Any] = {}
    sqlite_path = workdir / "trusts.db"
    sqlite_path.unlink(missing_ok=True)
    sqlite_url = f"sqlite:///{sqlite_path}"
    headers, loaded = prepare_scale(sqlite_url)
    figures["sqlite"] = {**measure_scale(sqlite_url, headers), "load_seconds": loaded}
    sqlite_path.unlink()
    with postgres_schema() as url:
        headers, loaded = prepare_scale(url)
        figures["postgresql"] = {**measure_scale(url, headers), "load_seconds": loaded}
    figures["rescore"] = measure_rescore(workdir)
    return figures


def report(figures: dict[str, Any]) -> str:
    """The figures as README-ready lines."""
    lines = [
        "Trust dashboards, 100 vs 1,000 schools (6 audits each, in one database), in-process, median of "
        f"{CALLS} interleaved calls (goal: 1,000 schools ≤ {SCALE_GOAL:.0f}× 100 schools):"
    ]
    labels = {
        "sqlite": "SQLite",
        "postgresql": "PostgreSQL",
    }
    for database, name in labels.items():
        scale = figures[database]
        for view, label in (("summary", "summary"), ("schools", "schools table (50 rows, -score)")):
            small, large = scale[f"{view}_B100"], scale[f"{view}_B1000"]
            lines.append(
                f"  {name:<33} {label:<33} {small['median_ms']:6.1f} ms vs {large['median_ms']:6.1f} ms: "
                f"{scale[f'{view}_ratio']:.2f}× (best {small['best_ms']:.1f} vs {large['best_ms']:.1f} ms: "
                f"{scale[f'{view}_best_ratio']:.2f}×)"
            )
        lines.append(
            f"  {name:<33} ETag revalidation (304) of the 1,000-school summary: "
            f"{scale['revalidate_B1000_ms']:.1f} ms; data loaded in {scale['load_seconds']:.0f} s"
        )
    rescore = figures["rescore"]
    small, large = RESCORE_AUDITS
    lines.append(
        f"oap rescore --standards {RESCORE_STANDARDS} --all on SQLite: "
        f"{small:,} audits {rescore[str(small)]['seconds']:.1f} s, "
        f"peak {rescore[str(small)]['peak_kib'] / 1024:.1f} MiB; "
        f"{large:,} audits {rescore[str(large)]['seconds']:.1f} s, "
        f"peak {rescore[str(large)]['peak_kib'] / 1024:.1f} MiB: memory ratio {rescore['memory_ratio']:.2f}× "
        f"(goal ≤ {MEMORY_GOAL}×); a second run does nothing in {rescore[str(large)]['rerun_seconds']:.1f} s"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory(prefix="oap-bench-trusts-") as folder:
        result = run(Path(folder))
    print(report(result))
    print(json.dumps(result, default=str), file=sys.stderr)
