"""Reliability of a real ``oap serve`` process on each database: concurrent and repeated submissions, a database
that goes away and comes back, and a server killed with SIGKILL in the middle of a load.

Every test talks HTTP to a server process on 127.0.0.1 (tests/server.py) and checks the tables directly through
the test's own engine. On PostgreSQL the server reaches the database through a small TCP proxy in this module,
so the database can be cut and restored without touching PostgreSQL itself. On SQLite the database cannot be cut
for connections the server already holds: an open SQLite file keeps working when its folder is renamed (WAL
mode does not notice a moved file). So the SQLite outage is (a) the folder renamed away before the server has
opened the file, and (b) a write lock held by another process for longer than the busy timeout.
"""

from __future__ import annotations

import contextlib
import json
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from api.service.access import Principal, Role
from api.service.schools import put_school
from tests.conftest import example_audit, make_key
from tests.server import HOST, Server

URN = "113328"
SUBMIT = f"/v1/schools/{URN}/audits"
TABLES = ("audits", "reports", "findings", "idempotency_records")
REQUEST_TIMEOUT = 30.0  # longer than SQLite's 10 s busy timeout, so a locked write answers rather than times out
ADMIN = Principal(key_id="tests", role=Role.admin)


# ---------------------------------------------------------------------------------------------- helpers


def seed(engine: Engine) -> str:
    """The school, created with the service (no request to the server), and an admin key for it."""
    put_school(engine=engine, principal=ADMIN, urn=URN, fields={"name": "Yealmpstone Farm Primary School"})
    return make_key(engine, "admin")


def counts(engine: Engine) -> dict[str, int]:
    """Rows in each table a submission writes."""
    with engine.connect() as connection:
        return {table: connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one() for table in TABLES}


def audit_ids(engine: Engine) -> list[str]:
    """The id of every stored audit (with repeats, if there were any)."""
    with engine.connect() as connection:
        return list(connection.execute(sa.text("SELECT id FROM audits")).scalars())


def integrity_problems(engine: Engine) -> list[str]:
    """Every audit without its report, report without all its findings, or idempotency record without its audit."""
    problems: list[str] = []
    with engine.connect() as connection:
        orphans = connection.execute(
            sa.text("SELECT a.id FROM audits a LEFT JOIN reports r ON r.audit_id = a.id WHERE r.id IS NULL")
        ).scalars()
        problems += [f"audit {audit_id} has no report" for audit_id in orphans]
        dangling = connection.execute(
            sa.text(
                "SELECT i.idempotency_key FROM idempotency_records i LEFT JOIN audits a ON a.id = i.audit_id "
                "WHERE a.id IS NULL"
            )
        ).scalars()
        problems += [f"idempotency key {key} names no audit" for key in dangling]
        grouped = connection.execute(sa.text("SELECT report_id, count(*) FROM findings GROUP BY report_id")).all()
        findings: dict[str, int] = {str(report_id): int(number) for report_id, number in grouped}
        for report_id, body in connection.execute(sa.text("SELECT id, body FROM reports")):
            results = len((json.loads(body) if isinstance(body, str) else body)["results"])
            if findings.get(report_id, 0) != results:
                problems.append(f"report {report_id} has {findings.get(report_id, 0)} findings rows, not {results}")
    return problems


def is_database_unavailable(response: httpx.Response) -> bool:
    """Whether the response is the 503 problem+json the service gives when the database cannot be reached."""
    return (
        response.status_code == 503
        and response.headers.get("content-type", "").startswith("application/problem+json")
        and response.json().get("code") == "database_unavailable"
        and response.json().get("status") == 503
    )


def describe(response: httpx.Response) -> str:
    return f"{response.request.method} {response.request.url.path} -> {response.status_code} {response.text[:300]}"


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` until it holds; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def backend(database_url: str) -> str:
    return sa.engine.make_url(database_url).get_backend_name()


# ---------------------------------------------------------------------------------------------- a TCP proxy


class TcpProxy:
    """Forwards 127.0.0.1:``port`` to ``upstream``. ``stop`` closes the listener and every connection at once (the
    database "goes away"); ``start`` listens on the same port again (it "comes back")."""

    def __init__(self, upstream: tuple[str, int], port: int = 0) -> None:
        self.upstream = upstream
        self.port = port
        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._handlers: list[threading.Thread] = []

    def start(self) -> TcpProxy:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind((HOST, self.port))
            listener.listen(128)
        except OSError:
            listener.close()
            raise
        listener.settimeout(0.05)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._stopping = threading.Event()
        self._acceptor = threading.Thread(target=self._accept, args=(listener, self._stopping), daemon=True)
        self._acceptor.start()
        return self

    def _accept(self, listener: socket.socket, stopping: threading.Event) -> None:
        while not stopping.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            client.settimeout(None)
            server.settimeout(None)
            with self._lock:
                if stopping.is_set():
                    client.close()
                    server.close()
                    return
                self._open.update((client, server))
                handler = threading.Thread(target=self._serve, args=(client, server), daemon=True)
                self._handlers.append(handler)
            handler.start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def _serve(self, client: socket.socket, server: socket.socket) -> None:
        back = threading.Thread(target=self._pump, args=(server, client), daemon=True)
        back.start()
        self._pump(client, server)
        back.join(10)
        with self._lock:
            for end in (client, server):
                self._open.discard(end)
                end.close()

    def stop(self) -> None:
        """Close the listener (new connections are refused) and cut every open connection."""
        self._stopping.set()
        if self._acceptor is not None:
            self._acceptor.join(5)
            self._acceptor = None
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            for end in self._open:
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
            handlers, self._handlers = self._handlers, []
        for handler in handlers:
            handler.join(10)
        assert not self._open, "the proxy could not close every connection"


# ---------------------------------------------------------------------------------- ways to lose the database


class Outage:
    """How a test makes the database unreachable for the server and brings it back."""

    def server_url(self) -> str:
        raise NotImplementedError

    def cut(self) -> None:
        raise NotImplementedError

    def restore(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Leave the database reachable, whatever happened."""


class ProxyOutage(Outage):
    """PostgreSQL behind a TCP proxy: the server's URL points at the proxy, with the test's search_path kept."""

    def __init__(self, database_url: str) -> None:
        url = sa.engine.make_url(database_url)
        self.url = url
        self.proxy = TcpProxy((url.host or HOST, url.port or 5432)).start()

    def server_url(self) -> str:
        return self.url.set(host=HOST, port=self.proxy.port).render_as_string(hide_password=False)

    def cut(self) -> None:
        self.proxy.stop()

    def restore(self) -> None:
        self.proxy.start()

    def close(self) -> None:
        self.proxy.stop()


class FolderOutage(Outage):
    """SQLite: the database's folder renamed away (new connections cannot open the file) and back."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.folder = Path(sa.engine.make_url(database_url).database or "").parent
        self.away = self.folder.with_name(self.folder.name + "-away")

    def server_url(self) -> str:
        return self.database_url

    def cut(self) -> None:
        self.folder.rename(self.away)

    def restore(self) -> None:
        self.away.rename(self.folder)

    def close(self) -> None:
        if self.away.exists() and not self.folder.exists():
            self.restore()


@contextlib.contextmanager
def outage_for(database_url: str) -> Iterator[Outage]:
    outage: Outage = ProxyOutage(database_url) if backend(database_url) == "postgresql" else FolderOutage(database_url)
    try:
        yield outage
    finally:
        outage.close()


@contextlib.contextmanager
def sqlite_write_lock(database_url: str) -> Iterator[None]:
    """Another writer holding a write transaction open, so the server's writes wait and give up (busy timeout)."""
    holder = sqlite3.connect(sa.engine.make_url(database_url).database or "", isolation_level=None, timeout=10)
    try:
        holder.execute("BEGIN IMMEDIATE")
        yield
        holder.execute("ROLLBACK")
    finally:
        holder.close()


# ---------------------------------------------------------------------------------------------- a submission load


@dataclass
class Load:
    """Threads each submitting audits one after another with a new Idempotency-Key each, until told to stop.

    Records every answer; a request with no answer (the server died under it) is recorded as ``unanswered``.
    """

    client: httpx.Client
    key: str
    body: dict[str, Any]
    threads: int = 8
    per_thread: int = 150
    answers: list[tuple[str, httpx.Response]] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)
    unexpected: list[BaseException] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _workers: list[threading.Thread] = field(default_factory=list)

    def _run(self) -> None:
        try:
            for _ in range(self.per_thread):
                if self._stop.is_set():
                    return
                idempotency_key = f"load-{uuid.uuid4().hex}"
                try:
                    response = self.client.post(
                        SUBMIT, json=self.body, headers={"Authorization": self.key, "Idempotency-Key": idempotency_key}
                    )
                except httpx.TransportError:
                    with self._lock:
                        self.unanswered.append(idempotency_key)
                    return  # the server is gone: this thread's last submission has no answer
                with self._lock:
                    self.answers.append((idempotency_key, response))
        except BaseException as error:  # reported by the test, never lost in a thread
            with self._lock:
                self.unexpected.append(error)

    def start(self) -> Load:
        self._workers = [threading.Thread(target=self._run, daemon=True) for _ in range(self.threads)]
        for worker in self._workers:
            worker.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(REQUEST_TIMEOUT + 5)
        assert not any(worker.is_alive() for worker in self._workers), "a load thread did not finish"
        assert not self.unexpected, f"a load thread failed: {self.unexpected!r}"

    def count(self, status: int) -> int:
        with self._lock:
            return sum(1 for _, response in self.answers if response.status_code == status)

    def acknowledged(self) -> dict[str, str]:
        """Idempotency-Key -> audit id of every 201."""
        with self._lock:
            return {key: r.json()["audit"]["id"] for key, r in self.answers if r.status_code == 201}


def retry_until_stored(client: httpx.Client, key: str, body: dict[str, Any], idempotency_keys: list[str]) -> list[str]:
    """Submit each key again (as a client would after an error); every one must now be stored. Returns the ids."""
    ids = []
    for idempotency_key in idempotency_keys:
        response = client.post(SUBMIT, json=body, headers={"Authorization": key, "Idempotency-Key": idempotency_key})
        assert response.status_code == 201, describe(response)
        ids.append(response.json()["audit"]["id"])
    return ids


# ---------------------------------------------------------------------------------------------- 1. concurrency


def test_concurrent_submissions_are_each_stored_once_and_retries_store_nothing(
    database_url: str, engine: Engine
) -> None:
    key = seed(engine)
    body = example_audit(URN)
    limits = httpx.Limits(max_connections=60, max_keepalive_connections=60)
    with Server(database_url) as server, server.client(timeout=REQUEST_TIMEOUT, limits=limits) as client:
        idempotency_keys = [f"concurrent-{n}-{uuid.uuid4().hex}" for n in range(50)]

        def submit_all(keys: list[str]) -> list[httpx.Response]:
            start = threading.Barrier(len(keys), timeout=REQUEST_TIMEOUT)

            def one(idempotency_key: str) -> httpx.Response:
                start.wait()
                return client.post(
                    SUBMIT, json=body, headers={"Authorization": key, "Idempotency-Key": idempotency_key}
                )

            with ThreadPoolExecutor(max_workers=len(keys)) as pool:
                return list(pool.map(one, keys))

        first = submit_all(idempotency_keys)
        assert [r.status_code for r in first] == [201] * 50, [describe(r) for r in first if r.status_code != 201]
        assert not any("Idempotent-Replayed" in r.headers for r in first)
        ids = [r.json()["audit"]["id"] for r in first]
        assert len(set(ids)) == 50, "two submissions were given the same audit id"
        stored = audit_ids(engine)
        assert sorted(stored) == sorted(ids), "the stored audits are not exactly the acknowledged ones"
        stored_counts = counts(engine)
        assert (stored_counts["audits"], stored_counts["reports"], stored_counts["idempotency_records"]) == (50, 50, 50)
        assert integrity_problems(engine) == []

        # Every retry, all at once: the same audit back, marked as a replay, and nothing new stored.
        before = counts(engine)
        again = submit_all(idempotency_keys)
        assert [r.status_code for r in again] == [201] * 50, [describe(r) for r in again if r.status_code != 201]
        assert [r.json()["audit"]["id"] for r in again] == ids
        assert all(r.headers.get("Idempotent-Replayed") == "true" for r in again)
        assert [r.json()["report"] for r in again] == [r.json()["report"] for r in first]
        assert counts(engine) == before

        # One key sent by 20 clients at the same moment: one audit; every client gets it with 201.
        same = submit_all([f"same-{uuid.uuid4().hex}"] * 20)
        assert [r.status_code for r in same] == [201] * 20, [describe(r) for r in same if r.status_code != 201]
        assert len({r.json()["audit"]["id"] for r in same}) == 1
        assert sum(1 for r in same if "Idempotent-Replayed" not in r.headers) == 1, "not exactly one creator"
        after = counts(engine)
        assert after["audits"] == before["audits"] + 1
        assert after["idempotency_records"] == before["idempotency_records"] + 1
        assert same[0].json()["audit"]["id"] in audit_ids(engine)
        assert integrity_problems(engine) == []


# ---------------------------------------------------------------------------------------------- 2. database unavailable


def test_database_outage_answers_503_writes_nothing_and_recovers(database_url: str, engine: Engine) -> None:
    key = seed(engine)
    other_key = make_key(engine, "admin")  # never used before the outage, so never in the server's key cache
    body = example_audit(URN)
    with (
        outage_for(database_url) as outage,
        Server(outage.server_url()) as server,
        server.client(timeout=REQUEST_TIMEOUT) as client,
    ):
        stored_id = None
        if isinstance(outage, ProxyOutage):
            # Warm up first, so the outage also hits the connections the server already holds (and the key
            # cache). SQLite cannot lose a connection it already holds, so there the outage comes first.
            assert client.get("/readyz").status_code == 200
            warm = client.post(SUBMIT, json=body, headers={"Authorization": key, "Idempotency-Key": "warm"})
            assert warm.status_code == 201, describe(warm)
            stored_id = warm.json()["audit"]["id"]
        before = counts(engine)

        outage.cut()
        during_key = f"during-{uuid.uuid4().hex}"
        for _ in range(2):  # the first request finds a broken connection, the second no database at all
            ready = client.get("/readyz")
            assert is_database_unavailable(ready), describe(ready)
            assert client.get("/healthz").status_code == 200
        for authorization in (key, other_key):
            write = client.post(
                SUBMIT, json=body, headers={"Authorization": authorization, "Idempotency-Key": during_key}
            )
            assert is_database_unavailable(write), describe(write)
            assert write.json()["request_id"] == write.headers["X-Request-ID"]
        if stored_id is not None:
            read = client.get(f"/v1/audits/{stored_id}", headers={"Authorization": key})
            assert is_database_unavailable(read), describe(read)
        health = client.get("/healthz")
        assert (health.status_code, health.json()["status"]) == (200, "ok")
        outage.restore()

        assert counts(engine) == before, "something was written while the database was unreachable"
        wait_until(lambda: client.get("/readyz").status_code == 200, 10, "/readyz to answer 200 again")
        # The key used during the outage was not recorded: the same request now creates the audit.
        after = client.post(SUBMIT, json=body, headers={"Authorization": other_key, "Idempotency-Key": during_key})
        assert after.status_code == 201, describe(after)
        assert "Idempotent-Replayed" not in after.headers
        assert counts(engine)["audits"] == before["audits"] + 1
        if stored_id is not None:
            assert client.get(f"/v1/audits/{stored_id}", headers={"Authorization": key}).status_code == 200
        assert integrity_problems(engine) == []


def test_losing_the_database_under_load_gives_503_never_500_and_retries_store_each_audit_once(
    database_url: str, engine: Engine
) -> None:
    """PostgreSQL: the proxy is cut in the middle of a load. SQLite: another process holds the write lock for longer
    than the busy timeout in the middle of a load. Either way every answer is 201 or a clean 503, and retrying each
    503 with its Idempotency-Key leaves every audit stored exactly once."""
    key = seed(engine)
    body = example_audit(URN)
    postgres = backend(database_url) == "postgresql"
    with (
        outage_for(database_url) as outage,
        Server(outage.server_url()) as server,
        server.client(timeout=REQUEST_TIMEOUT) as client,
    ):
        load = Load(client=client, key=key, body=body, threads=6).start()
        try:
            wait_until(lambda: load.count(201) >= 10, 30, "10 submissions before the outage")
            if postgres:
                outage.cut()
                wait_until(lambda: load.count(503) >= 6, 15, "submissions to fail during the outage")
                outage.restore()
            else:
                with sqlite_write_lock(database_url):
                    wait_until(lambda: load.count(503) >= 1, 25, "a write to give up on the lock")
            acked_before_recovery = load.count(201)
            wait_until(lambda: load.count(201) >= acked_before_recovery + 10, 30, "10 submissions after it")
        finally:
            load.stop()

        assert load.unanswered == [], "the server stopped answering"
        statuses = sorted({response.status_code for _, response in load.answers})
        assert statuses == [201, 503], [describe(r) for _, r in load.answers if r.status_code not in (201, 503)]
        failed = [(k, r) for k, r in load.answers if r.status_code == 503]
        assert all(is_database_unavailable(r) for _, r in failed), [describe(r) for _, r in failed]

        acknowledged = load.acknowledged()
        stored = audit_ids(engine)
        assert set(acknowledged.values()) <= set(stored), "an acknowledged audit is missing"
        assert integrity_problems(engine) == []
        retried = retry_until_stored(client, key, body, [k for k, _ in failed])
        assert not set(retried) & set(acknowledged.values())
        final = audit_ids(engine)
        assert len(final) == len(set(final)) == len(load.answers), "not exactly one audit per submission"
        assert set(final) == set(acknowledged.values()) | set(retried)
        assert integrity_problems(engine) == []


# ---------------------------------------------------------------------------------------------- 3. SIGKILL


def test_sigkill_mid_load_loses_no_acknowledged_audit_and_leaves_no_partial_one(
    database_url: str, engine: Engine
) -> None:
    key = seed(engine)
    body = example_audit(URN)
    with Server(database_url) as server:
        with server.client(timeout=REQUEST_TIMEOUT) as client:
            load = Load(client=client, key=key, body=body, threads=8).start()
            try:
                wait_until(lambda: load.count(201) >= 25, 30, "25 acknowledged submissions")
                server.kill()
            finally:
                load.stop()
        assert load.unanswered, "the kill did not interrupt the load"
        assert {r.status_code for _, r in load.answers} == {201}, [describe(r) for _, r in load.answers]
        acknowledged = load.acknowledged()

        server.start()  # the same port and database, as a supervisor would restart it
        with server.client(timeout=REQUEST_TIMEOUT) as client:
            assert client.get("/readyz").status_code == 200
            stored = audit_ids(engine)
            assert len(stored) == len(set(stored))
            missing = sorted(set(acknowledged.values()) - set(stored))
            assert missing == [], f"{len(missing)} acknowledged audits were lost"
            for audit_id in acknowledged.values():
                read = client.get(f"/v1/audits/{audit_id}", headers={"Authorization": key})
                assert read.status_code == 200, describe(read)
            assert integrity_problems(engine) == []
            assert counts(engine)["idempotency_records"] == len(stored)

            # Submissions cut off by the kill are safe to retry: each is then stored exactly once.
            retried = retry_until_stored(client, key, body, load.unanswered)
            final = audit_ids(engine)
            assert len(final) == len(set(final)) == len(acknowledged) + len(load.unanswered)
            assert set(final) == set(acknowledged.values()) | set(retried)
            assert integrity_problems(engine) == []
