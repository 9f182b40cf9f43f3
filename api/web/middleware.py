"""ASGI middleware: a request id on every response and log line, a body-size limit, and the access log.

Written as plain ASGI (not BaseHTTPMiddleware) so streaming responses and throughput are unaffected.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.requests import ClientDisconnect, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import PayloadTooLarge
from api.web.logs import access_log, request_id_var
from api.web.problems import problem_body, problem_response, unexpected_response

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestContext:
    """Gives each request an id (or keeps a safe X-Request-ID from the caller), and logs it when done."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        started_response = False

        async def send_tracked(message: Message) -> None:
            nonlocal started_response
            if message["type"] == "http.response.start":
                started_response = True
            await send_with_id(message)

        try:
            await self.app(scope, receive, send_tracked)
        except ClientDisconnect:
            status = 499  # the client went away before sending its whole request: nothing to answer
        except Exception:
            # Answer here, inside the request's context, so the 500 carries the request id like any response.
            if started_response:
                raise
            logging.getLogger("oap.errors").exception("unexpected error")
            response = unexpected_response(Request(scope))
            await response(scope, receive, send_with_id)
        finally:
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    "request",
                    extra={
                        "fields": {
                            "method": scope["method"],
                            "path": scope["path"],
                            "status": status,
                            "ms": round((time.perf_counter() - started) * 1000, 2),
                        }
                    },
                )
            request_id_var.reset(token)


class BodyLimit:
    """Refuses request bodies over ``limit`` bytes with 413, by Content-Length or while streaming.

    Uploads of public data files (``/v1/imports``) have a larger limit of their own.
    """

    def __init__(self, app: ASGIApp, limit: int, import_limit: int | None = None) -> None:
        self.app = app
        self.default_limit = limit
        self.import_limit = import_limit or limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.import_limit if scope["path"].startswith("/v1/imports") else self.default_limit
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            error = PayloadTooLarge(f"the request body is {int(declared):,} bytes; the limit is {limit:,}")
            body = problem_body(
                status=413, code=error.code, title=error.title, detail=error.message, instance=scope["path"]
            )
            await problem_response(413, body)(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise PayloadTooLarge(f"the request body is over the limit of {limit:,} bytes")
            return message

        await self.app(scope, counting_receive, send)
