"""A real ``oap serve`` process for tests: started on a free port of 127.0.0.1, stopped or SIGKILLed on demand.

    with Server(database_url) as server:
        with server.client() as client:
            client.get("/healthz")
        server.kill()      # SIGKILL, as a crash or the OOM killer would
        server.start()     # the same port and database again

The server's standard error goes to a temporary file, so a chatty server can never block on a full pipe, and
its text is in the error raised when the server does not start.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
# Settings the server must not inherit from the shell running the tests.
CLEARED = ("OAP_HOST", "OAP_PORT", "OAP_WORKERS", "OAP_DATABASE_URL", "OAP_LOG_LEVEL", "OAP_ENVIRONMENT")


class ServerError(RuntimeError):
    """The server did not start (or did not stop) in time; the message holds its standard error."""


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """``python -m api serve`` on ``database_url`` as a child process; a context manager that always stops it."""

    def __init__(
        self,
        database_url: str,
        *,
        port: int | None = None,
        env: Mapping[str, str] | None = None,
        startup_timeout: float = 30.0,
        stop_timeout: float = 10.0,
    ) -> None:
        self.database_url = database_url
        self.port = port or free_port()
        self.extra_env = dict(env or {})
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def client(self, *, timeout: float = 10.0, **options: Any) -> httpx.Client:
        """A client of this server (close it, or use it in ``with``)."""
        return httpx.Client(base_url=self.base_url, timeout=timeout, **options)

    def stderr_text(self) -> str:
        """Everything the server has written to standard error so far."""
        if self._stderr is None:
            return ""
        self._stderr.flush()
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")

    def start(self) -> Server:
        """Start the server and wait until GET /healthz answers 200; raises ServerError otherwise."""
        if self.running:
            raise ServerError(f"the server on port {self.port} is already running")
        env = {name: value for name, value in os.environ.items() if name not in CLEARED}
        env.update(
            OAP_DATABASE_URL=self.database_url, OAP_LOG_LEVEL="WARNING", OAP_ENVIRONMENT="test", PYTHONUNBUFFERED="1"
        )
        env.update(self.extra_env)
        if self._stderr is not None:
            self._stderr.close()
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server
        self.process = subprocess.Popen(
            [sys.executable, "-m", "api", "serve", "--host", HOST, "--port", str(self.port)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
        )
        self._wait_until_healthy()
        return self

    def _wait_until_healthy(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.startup_timeout
        last_error = "no answer yet"
        with httpx.Client(base_url=self.base_url, timeout=1.0) as probe:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    code = self.process.returncode
                    self._reap()
                    raise ServerError(f"the server exited with status {code} while starting:\n{self.stderr_text()}")
                try:
                    response = probe.get("/healthz")
                    if response.status_code == 200:
                        return
                    last_error = f"GET /healthz answered {response.status_code}"
                except httpx.TransportError as error:
                    last_error = repr(error)
                time.sleep(0.05)
        self.stop()
        raise ServerError(
            f"the server did not answer GET /healthz within {self.startup_timeout} s ({last_error}):\n"
            f"{self.stderr_text()}"
        )

    def stop(self) -> None:
        """Stop the server: SIGTERM (uvicorn shuts down gracefully), then SIGKILL if it does not exit in time."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._reap()

    def kill(self) -> None:
        """SIGKILL the server at once: no shutdown code runs, open transactions die with the process."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self._reap()

    def _reap(self) -> None:
        if self.process is not None:
            self.process.wait(self.stop_timeout)
            self.process = None

    def close(self) -> None:
        """Stop the server and drop its captured standard error."""
        self.stop()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def __enter__(self) -> Server:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()
