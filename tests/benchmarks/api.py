"""API benchmark: requests per second and latency of the service against the bare framework, one uvicorn worker.

Each server is a uvicorn subprocess with ONE worker on a free port of 127.0.0.1 (log level warning, no access
log); ``wrk`` (Debian's package ``wrk``) sends POSTs with one realistic audit (real figures of URN 113328 from
``api/examples/real_schools.csv``, the rest drawn as :mod:`api.service.demo` draws them) for a fixed time, after a brief
warm-up. Measured in one run:

* ``bare``: :mod:`tests.benchmarks.bare_app`, FastAPI validating the same body by the newest national version's
  audit model and answering ``{"ok": true}``: the framework's ceiling on this machine (measured first and last; the
  higher counts);
* ``score``: ``POST /v1/score`` of the real app (``python -m api serve``) on SQLite;
* ``submit_sqlite`` and ``submit_postgresql``: ``POST /v1/schools/113328/audits`` without an Idempotency-Key, so
  every request validates, scores and stores a new audit with its report and findings.

Goals: score ≥ 0.5 of the ceiling; submissions ≥ 0.3 of it on SQLite and on PostgreSQL. Every response must be
2xx: a benchmark with errors fails rather than report figures of error pages. PostgreSQL runs in a fresh schema
of ``OAP_BENCH_POSTGRES_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``), dropped afterwards.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from api.service.demo import load_real_schools, realistic_audit
from tests.benchmarks.bare_app import PATH as BARE_PATH

URN = "113328"
AUDIT_DATE = "2026-11-01"
DURATION_SECONDS = 10
WARMUP_SECONDS = 3
CONNECTIONS = 8
THREADS = 2
STARTUP_SECONDS = 60
POSTGRES_URL = os.environ.get("OAP_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
GOALS = {"score": 0.5, "submit_sqlite": 0.3, "submit_postgresql": 0.3}
LABELS = {
    "bare": "bare FastAPI, validate only",
    "score": "POST /v1/score",
    "submit_sqlite": f"POST /v1/schools/{URN}/audits, SQLite",
    "submit_postgresql": f"POST /v1/schools/{URN}/audits, PostgreSQL",
}

# wrk's done() prints one JSON line of exact figures (latency in microseconds), after wrk's own text report.
LUA = """
local file = assert(io.open({body_path}, "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
{auth}

function done(summary, latency, requests)
  io.write(string.format(
    'OAP-BENCH {{"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, "write": %d, '
    .. '"status": %d, "timeout": %d, "p50_us": %d, "p99_us": %d, "mean_us": %.1f, "max_us": %d}}\\n',
    summary.requests, summary.duration, summary.bytes, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean, latency.max))
end
"""


class BenchmarkFailed(RuntimeError):
    """The benchmark could not measure what it set out to (a server failed, or responses were not 2xx)."""


@dataclasses.dataclass(frozen=True)
class Target:
    """What wrk sends: the URL, the body file and the Authorization header (if any)."""

    name: str
    url: str
    body_path: Path
    authorization: str | None
    expected_status: int


def wrk_path() -> str:
    """The wrk executable; a clear error naming the package when it is missing."""
    found = shutil.which("wrk")
    if found is None:
        raise BenchmarkFailed(
            "the API benchmark needs the load generator wrk, which is not on PATH: "
            "install Debian's package 'wrk' (apt-get install wrk)"
        )
    return found


def benchmark_audit() -> dict[str, Any]:
    """One realistic audit of URN 113328: its real public figures, the other answers drawn as the demo does."""
    import datetime as dt

    school = next(row for row in load_real_schools() if row.urn == URN)
    return realistic_audit(random.Random(2026), school, URN, dt.date.fromisoformat(AUDIT_DATE))


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_up(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    """Wait until the server answers HTTP on ``port`` (any status); fail if it exits or takes too long."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchmarkFailed(f"the server exited with status {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return
        except urllib.error.HTTPError:
            return  # answered (e.g. 404 from the bare app): it is up
        except OSError:
            time.sleep(0.1)
    raise BenchmarkFailed(f"the server did not answer within {STARTUP_SECONDS} s:\n{log.read_text()[-3000:]}")


@contextmanager
def server(command: list[str], *, env: dict[str, str], port: int, log: Path) -> Iterator[int]:
    """Run a server subprocess for the duration of the block (yields its pid), then stop it (SIGTERM, then SIGKILL).

    With one worker uvicorn serves in the process it was started as, so the pid is the serving process.
    """
    with log.open("wb") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
        try:
            wait_until_up(process, port, log)
            yield process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def bare_server(port: int, workdir: Path) -> AbstractContextManager[int]:
    """The bare app under uvicorn, one worker."""
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "tests.benchmarks.bare_app:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    return server(command, env=dict(os.environ), port=port, log=workdir / "bare-server.log")


def app_server(database_url: str, port: int, workdir: Path, name: str) -> AbstractContextManager[int]:
    """The real app as ``python -m api serve`` (which migrates first, logs warnings only, no access log)."""
    env = {
        **os.environ,
        "OAP_DATABASE_URL": database_url,
        "OAP_HOST": "127.0.0.1",
        "OAP_PORT": str(port),
        "OAP_WORKERS": "1",
        "OAP_LOG_LEVEL": "WARNING",
        "OAP_ENVIRONMENT": "test",
    }
    return server([sys.executable, "-m", "api", "serve"], env=env, port=port, log=workdir / f"{name}-server.log")


def prepare_database(database_url: str) -> str:
    """Migrate, add a trust and school 113328, and return an admin key as the Authorization header value."""
    from api.cli.common import CLI_ADMIN
    from api.service.access import Role, create_key
    from api.service.schools import put_school, put_trust
    from api.storage.db import make_engine, session_scope
    from api.storage.migrate import upgrade

    engine = make_engine(database_url)
    try:
        upgrade(engine)
        put_trust(engine=engine, principal=CLI_ADMIN, trust_id="BENCH", name="Benchmark trust")
        fields = {
            "name": "Yealmpstone Farm Primary School",
            "phase": "primary",
            "local_authority": "Plymouth",
            "trust_id": "BENCH",
            "status": "open",
        }
        put_school(engine=engine, principal=CLI_ADMIN, urn=URN, fields=fields)
        with session_scope(engine) as session:
            _, key = create_key(session=session, role=Role.admin, label="benchmark")
    finally:
        engine.dispose()
    return f"Bearer {key}"


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A fresh schema on the benchmark's PostgreSQL server (as a URL that uses it), dropped afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    try:
        with admin.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as error:
        admin.dispose()
        message = f"PostgreSQL at {POSTGRES_URL} cannot be reached (set OAP_BENCH_POSTGRES_URL): {error}"
        raise BenchmarkFailed(message) from None
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def check_one(target: Target) -> int:
    """Send one request as wrk will, and return the response size; fail unless the status is the expected one."""
    headers = {"Content-Type": "application/json"}
    if target.authorization:
        headers["Authorization"] = target.authorization
    request = urllib.request.Request(target.url, data=target.body_path.read_bytes(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    if status != target.expected_status:
        raise BenchmarkFailed(
            f"{target.name}: POST {target.url} answered {status}, not {target.expected_status}: {body[:2000]!r}"
        )
    return len(body)


def run_wrk(target: Target, workdir: Path, seconds: int) -> dict[str, Any]:
    """Run wrk against ``target`` for ``seconds``; its figures, or BenchmarkFailed if any request failed."""
    auth = f'wrk.headers["Authorization"] = {json.dumps(target.authorization)}' if target.authorization else ""
    script = workdir / f"{target.name}.lua"
    script.write_text(LUA.format(body_path=json.dumps(str(target.body_path)), auth=auth), encoding="utf-8")
    command = [
        wrk_path(),
        f"--threads={THREADS}",
        f"--connections={CONNECTIONS}",
        f"--duration={seconds}s",
        "--timeout=10s",
        "--latency",
        f"--script={script}",
        target.url,
    ]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    (workdir / f"{target.name}.wrk.txt").write_text(finished.stdout + finished.stderr, encoding="utf-8")
    line = next((text for text in finished.stdout.splitlines() if text.startswith("OAP-BENCH ")), None)
    if finished.returncode != 0 or line is None:
        raise BenchmarkFailed(f"{target.name}: wrk failed ({finished.returncode}):\n{finished.stdout}{finished.stderr}")
    figures: dict[str, Any] = json.loads(line.removeprefix("OAP-BENCH "))
    errors = {kind: figures[kind] for kind in ("status", "connect", "read", "write", "timeout") if figures[kind]}
    if errors or figures["requests"] == 0:
        detail = ", ".join(
            f"{count} responses not 2xx/3xx" if kind == "status" else f"{count} socket {kind} errors"
            for kind, count in errors.items()
        )
        raise BenchmarkFailed(
            f"{target.name}: {detail or 'no requests completed'} in {figures['requests']} requests; the figures "
            f"would not be of the endpoint (see {workdir / (target.name + '.wrk.txt')} and the server log)"
            f"\n{finished.stdout}"
        )
    seconds_taken = figures["duration_us"] / 1e6
    return {
        "requests": figures["requests"],
        "rps": figures["requests"] / seconds_taken,
        "p50_ms": figures["p50_us"] / 1000,
        "p99_ms": figures["p99_us"] / 1000,
        "mean_ms": figures["mean_us"] / 1000,
        "response_bytes": figures["bytes"] / figures["requests"],
    }


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by process ``pid``, all its threads, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(target: Target, workdir: Path, pid: int) -> dict[str, Any]:
    """Check one request, warm up briefly, then measure; adds the server's CPU time per request.

    CPU time per request is the steadier figure when other work shares the machine: requests per second fall
    when wrk or anything else takes the server's CPU, while the server's own CPU time per request changes little.
    """
    check_one(target)
    run_wrk(dataclasses.replace(target, name=f"{target.name}-warmup"), workdir, WARMUP_SECONDS)
    before = cpu_seconds(pid)
    figures = run_wrk(target, workdir, DURATION_SECONDS)
    figures["cpu_us"] = (cpu_seconds(pid) - before) / figures["requests"] * 1e6
    return figures


def run(workdir: Path) -> dict[str, Any]:
    """Run the API benchmark and return its figures."""
    wrk_path()
    load_before = os.getloadavg()[0]
    body_path = workdir / "audit.json"
    body_path.write_text(json.dumps(benchmark_audit(), separators=(",", ":")), encoding="utf-8")
    results: dict[str, dict[str, Any]] = {}

    def bare(name: str) -> None:
        port = free_port()
        with bare_server(port, workdir) as pid:
            target = Target(name, f"http://127.0.0.1:{port}{BARE_PATH}", body_path, None, 200)
            results[name] = measure(target, workdir, pid)

    bare("bare_first")
    sqlite_url = f"sqlite:///{workdir / 'bench-api.db'}"
    authorization = prepare_database(sqlite_url)
    port = free_port()
    with app_server(sqlite_url, port, workdir, "sqlite") as pid:
        base = f"http://127.0.0.1:{port}"
        results["score"] = measure(Target("score", f"{base}/v1/score", body_path, authorization, 200), workdir, pid)
        submit = Target("submit_sqlite", f"{base}/v1/schools/{URN}/audits", body_path, authorization, 201)
        results["submit_sqlite"] = measure(submit, workdir, pid)
    with postgres_schema() as postgres_url:
        authorization = prepare_database(postgres_url)
        port = free_port()
        with app_server(postgres_url, port, workdir, "postgresql") as pid:
            url = f"http://127.0.0.1:{port}/v1/schools/{URN}/audits"
            submit = Target("submit_postgresql", url, body_path, authorization, 201)
            results["submit_postgresql"] = measure(submit, workdir, pid)
    bare("bare_last")
    results["bare"] = max(results["bare_first"], results["bare_last"], key=lambda figures: figures["rps"])
    ceiling = results["bare"]
    return {
        "cpus": os.cpu_count(),
        "load": (load_before, os.getloadavg()[0]),
        "seconds": DURATION_SECONDS,
        "connections": CONNECTIONS,
        "threads": THREADS,
        "body_bytes": body_path.stat().st_size,
        "results": results,
        "ratios": {name: results[name]["rps"] / ceiling["rps"] for name in GOALS},
        "cpu_ratios": {name: ceiling["cpu_us"] / results[name]["cpu_us"] for name in GOALS},
    }


def report(figures: dict[str, Any]) -> str:
    """The figures as README-ready lines."""
    results, ratios, cpu_ratios = figures["results"], figures["ratios"], figures["cpu_ratios"]
    lines = [
        f"API, one uvicorn worker; wrk {figures['threads']} threads × {figures['connections']} connections, "
        f"{figures['seconds']} s per endpoint, on 127.0.0.1 with one realistic {figures['body_bytes']:,}-byte audit",
        f"({figures['cpus']} CPUs shared with wrk; load average {figures['load'][0]:.1f} before, "
        f"{figures['load'][1]:.1f} after):",
        f"  {'endpoint':<42} {'req/s':>6} {'p50 ms':>7} {'p99 ms':>7} {'CPU µs/req':>10} {'KiB out':>7}  of ceiling",
    ]
    for name in ("bare", *GOALS):
        result = results[name]
        label = LABELS[name] + (" (ceiling)" if name == "bare" else "")
        line = (
            f"  {label:<42} {result['rps']:6.0f} {result['p50_ms']:7.1f} {result['p99_ms']:7.1f} "
            f"{result['cpu_us']:10.0f} {result['response_bytes'] / 1024:7.1f}"
        )
        if name in GOALS:
            verdict = "met" if ratios[name] >= GOALS[name] else "MISSED"
            line += f"  {ratios[name]:.2f} (goal ≥ {GOALS[name]}: {verdict})"
        lines.append(line)
    by_cpu = ", ".join(f"{cpu_ratios[name]:.2f}" for name in GOALS)
    lines += [
        f"  Ceiling: the higher of two runs of the bare app, first ({results['bare_first']['rps']:.0f} req/s) and last "
        f"({results['bare_last']['rps']:.0f} req/s).",
        "  CPU µs/req is the server's own CPU time per request (all its threads), steadier than req/s when other work",
        f"  shares the machine; measured that way the three ratios are {by_cpu}.",
    ]
    return "\n".join(lines)
