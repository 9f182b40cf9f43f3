"""``oap serve`` and ``oap openapi``: run the REST service, and write its OpenAPI document."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from api.cli.common import Commands, database
from api.config import Settings, get_settings
from api.storage.migrate import upgrade

OPENAPI_PATH = Path("openapi") / "openapi.json"


def openapi_text() -> str:
    """The app's OpenAPI document as committed in openapi/openapi.json (JSON text, ending in a newline)."""
    from api.web.app import create_app  # deferred: the web app (FastAPI) is loaded only by the commands that need it

    app = create_app(Settings(database_url="sqlite://"))
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def cmd_openapi(args: argparse.Namespace) -> int:
    """Write the OpenAPI document to ``--output`` (``-``: standard output); returns 0."""
    text = openapi_text()
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"Wrote {args.output}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Migrate the database, then serve the app with uvicorn until stopped; returns 0."""
    import uvicorn  # deferred: the server is loaded only to serve

    settings = get_settings()
    with database() as engine:
        upgrade(engine)
    host = args.host or settings.host
    port = args.port or settings.port
    workers = args.workers or settings.workers
    print(f"Serving on http://{host}:{port} (pages at /, API docs at /docs); stop with Ctrl-C", flush=True)
    uvicorn.run(
        "api.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )
    return 0


def add_serve_command(commands: Commands) -> None:
    """Add ``oap serve`` to the ``oap`` parser."""
    serve = commands.add_parser("serve", help="run the REST service with uvicorn (migrates the database first)")
    serve.add_argument("--host", help="default: OAP_HOST or 127.0.0.1")
    serve.add_argument("--port", type=int, help="default: OAP_PORT or 8000")
    serve.add_argument("--workers", type=int, help="worker processes (default: OAP_WORKERS or 1)")
    serve.set_defaults(handler=cmd_serve)


def add_openapi_command(commands: Commands) -> None:
    """Add ``oap openapi`` to the ``oap`` parser."""
    openapi = commands.add_parser("openapi", help="write the OpenAPI document (default: openapi/openapi.json)")
    openapi.add_argument("--output", default=str(OPENAPI_PATH), help="a file, or - for standard output")
    openapi.set_defaults(handler=cmd_openapi)
