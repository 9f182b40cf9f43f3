"""The service's commands of ``oap``: serve, db, keys, trusts, schools, openapi and demo."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.engine import Engine

from api.config import get_settings
from api.errors import UsageError
from api.service.access import Principal, Role, create_key, revoke_key
from api.service.schools import put_school, put_trust
from api.storage import repository
from api.storage.db import make_engine, session_scope
from api.storage.migrate import current_revision, head_revision, upgrade
from api.storage.tables import utcnow

CLI_ADMIN = Principal(key_id="cli", role=Role.admin)
OPENAPI_PATH = Path("openapi") / "openapi.json"


@contextmanager
def _database() -> Iterator[Engine]:
    """An engine on OAP_DATABASE_URL, disposed (every connection closed) when the command is done."""
    settings = get_settings()
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    try:
        yield engine
    finally:
        engine.dispose()


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    with _database() as engine:
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
    print(f"Database at revision {after}" + ("" if before == after else f" (was {before or 'empty'})"))
    return 0


def cmd_db_status(args: argparse.Namespace) -> int:
    with _database() as engine:
        current, head = current_revision(engine), head_revision()
    print(f"current {current or 'empty'}, newest {head}" + ("" if current == head else ": run 'oap db upgrade'"))
    return 0 if current == head else 1


def cmd_keys_create(args: argparse.Namespace) -> int:
    expires = utcnow() + dt.timedelta(days=args.expires_days) if args.expires_days else None
    with _database() as engine, session_scope(engine) as session:
        row, key = create_key(
            session=session,
            role=Role(args.role),
            trust_id=args.trust,
            school_urn=args.school,
            label=args.label,
            expires_at=expires,
        )
    scope = row.trust_id or row.school_urn or "everything"
    print(f"Created {row.role} key {row.id} for {scope}" + (f", expires {expires:%Y-%m-%d}" if expires else ""))
    print("Keep this key safe; it is shown only once:")
    print(key)
    return 0


def cmd_keys_revoke(args: argparse.Namespace) -> int:
    with _database() as engine, session_scope(engine) as session:
        row = revoke_key(session=session, key_id=args.key_id)
    print(f"Revoked key {row.id}; it stops working within the service's key cache time (10 seconds)")
    return 0


def cmd_keys_list(args: argparse.Namespace) -> int:
    with _database() as engine, session_scope(engine) as session:
        rows = repository.list_keys(session=session)
    for row in rows:
        state = (
            "revoked" if row.revoked_at else "expired" if row.expires_at and row.expires_at <= utcnow() else "active"
        )
        scope = row.trust_id or row.school_urn or "-"
        print(f"{row.id}  {row.role:<9} {scope:<12} {state:<8} {row.label or ''}")
    return 0


def cmd_trusts_put(args: argparse.Namespace) -> int:
    with _database() as engine:
        trust, created = put_trust(engine=engine, principal=CLI_ADMIN, trust_id=args.trust_id, name=args.name)
    print(("Created" if created else "Updated") + f" trust {trust.id}: {trust.name}")
    return 0


def cmd_schools_put(args: argparse.Namespace) -> int:
    from api.service.schools import SchoolIn  # the same validation as PUT /v1/schools/{urn}

    if not (len(args.urn) == 6 and args.urn.isdigit()):
        raise UsageError("URN must be 6 digits")
    try:
        fields = SchoolIn(
            name=args.name,
            phase=args.phase,
            local_authority=args.local_authority,
            trust_id=args.trust,
            status=args.status,
        ).model_dump()
    except ValidationError as error:
        problems = "; ".join(f"--{'-'.join(map(str, e['loc'])).replace('_', '-')}: {e['msg']}" for e in error.errors())
        raise UsageError(problems) from None
    with _database() as engine:
        school, created = put_school(engine=engine, principal=CLI_ADMIN, urn=args.urn, fields=fields)
    print(("Created" if created else "Updated") + f" school {school.urn}: {school.name}")
    return 0


def openapi_text() -> str:
    """The app's OpenAPI document as committed in openapi/openapi.json."""
    from api.config import Settings
    from api.web.app import create_app

    app = create_app(Settings(database_url="sqlite://"))
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def cmd_openapi(args: argparse.Namespace) -> int:
    text = openapi_text()
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"Wrote {args.output}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = get_settings()
    with _database() as engine:
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


def cmd_demo(args: argparse.Namespace) -> int:
    from api.service.demo import seed_demo

    settings = get_settings()
    with _database() as engine:
        upgrade(engine)
        summary = seed_demo(engine=engine, standards_dir=settings.standards_dir)
    base = f"http://{settings.host}:{settings.port}"
    print(f"Demo data: trust {summary.trust_id} with {summary.schools} schools and {summary.audits} audits.")
    print(f"API docs:  {base}/docs")
    print("Demo keys (new each run; use as 'Authorization: Bearer <key>'):")
    for role, scope, key in summary.keys:
        print(f"  {role:<9} {scope:<12} {key}")
    return 0


def cmd_rescore(args: argparse.Namespace) -> int:
    """Score stored audits against another standards version into new reports (resumable; progress on a terminal)."""
    import time

    from api.rules.catalog import load_catalog
    from api.service.lifecycle.rescore import rescore_audits
    from api.service.scoring import ScoringService

    settings = get_settings()
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    scoring = ScoringService(load_catalog(settings.standards_dir))
    show = sys.stderr.isatty()
    started = time.monotonic()
    last = [0.0]

    def progress(done: int, todo: int) -> None:
        now = time.monotonic()
        if not show or (now - last[0] < 0.1 and done < todo):
            return
        last[0] = now
        share = done / todo if todo else 1.0
        bar = "#" * int(30 * share) + "." * (30 - int(30 * share))
        rate = done / max(now - started, 1e-6)
        sys.stderr.write(f"\r[{bar}] {100 * share:5.1f}% {done:,} of {todo:,} audits, {rate:,.0f}/s")
        if done >= todo:
            sys.stderr.write("\n")
        sys.stderr.flush()

    try:
        result = rescore_audits(
            engine=engine, scoring=scoring, standards=args.standards, trust_id=args.trust, progress=progress
        )
    finally:
        engine.dispose()
    scope = f"trust {args.trust}" if args.trust else "all trusts"
    print(
        f"{result.standards} ({scope}): scored {result.scored:,} audits in {time.monotonic() - started:.1f} s; "
        f"{result.already:,} of {result.audits:,} already had a report"
        + (f"; {result.skipped:,} were scored meanwhile by another run" if result.skipped else "")
    )
    for audit_id, message in result.failures:
        print(f"audit {audit_id} was not scored: {message}", file=sys.stderr)
    if result.failed:
        print(f"{result.failed:,} audits could not be scored (listed above)", file=sys.stderr)
    return 1 if result.failed else 0


def add_commands(commands: Any) -> None:
    """Add the service's commands to the ``oap`` parser."""
    serve = commands.add_parser("serve", help="run the REST service with uvicorn (migrates the database first)")
    serve.add_argument("--host", help="default: OAP_HOST or 127.0.0.1")
    serve.add_argument("--port", type=int, help="default: OAP_PORT or 8000")
    serve.add_argument("--workers", type=int, help="worker processes (default: OAP_WORKERS or 1)")
    serve.set_defaults(handler=cmd_serve)

    db = commands.add_parser("db", help="database migrations")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_commands.add_parser("upgrade", help="migrate the database (OAP_DATABASE_URL) to the newest schema").set_defaults(
        handler=cmd_db_upgrade
    )
    db_commands.add_parser("status", help="the schema revision of the database").set_defaults(handler=cmd_db_status)

    keys = commands.add_parser("keys", help="create, list and revoke API keys")
    key_commands = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    create = key_commands.add_parser("create", help="create a key and print it once")
    create.add_argument("--role", required=True, choices=[role.value for role in Role])
    create.add_argument("--trust", help="the trust of a trust key")
    create.add_argument("--school", help="the URN of a school or governor key")
    create.add_argument("--label", help="a note, e.g. who holds the key")
    create.add_argument("--expires-days", type=int, help="the key stops working after this many days")
    create.set_defaults(handler=cmd_keys_create)
    revoke = key_commands.add_parser("revoke", help="revoke a key")
    revoke.add_argument("key_id", metavar="KEY_ID", help="the id shown by 'oap keys list'")
    revoke.set_defaults(handler=cmd_keys_revoke)
    key_commands.add_parser("list", help="every key, without the secrets").set_defaults(handler=cmd_keys_list)

    trusts = commands.add_parser("trusts", help="create or update trusts")
    trust_commands = trusts.add_subparsers(dest="trusts_command", metavar="ACTION", required=True)
    trust_put = trust_commands.add_parser("put", help="create or update a trust")
    trust_put.add_argument("trust_id", metavar="TRUST_ID")
    trust_put.add_argument("--name", required=True)
    trust_put.set_defaults(handler=cmd_trusts_put)

    schools = commands.add_parser("schools", help="create or update schools")
    school_commands = schools.add_subparsers(dest="schools_command", metavar="ACTION", required=True)
    school_put = school_commands.add_parser("put", help="create or update a school and its trust")
    school_put.add_argument("urn", metavar="URN")
    school_put.add_argument("--name", required=True)
    school_put.add_argument("--phase")
    school_put.add_argument("--local-authority")
    school_put.add_argument("--trust", help="the trust's id")
    school_put.add_argument("--status", choices=("open", "closed"), default="open")
    school_put.set_defaults(handler=cmd_schools_put)

    openapi = commands.add_parser("openapi", help="write the OpenAPI document (default: openapi/openapi.json)")
    openapi.add_argument("--output", default=str(OPENAPI_PATH), help="a file, or - for standard output")
    openapi.set_defaults(handler=cmd_openapi)

    demo = commands.add_parser("demo", help="load a demo trust of real schools with audits, and print demo keys")
    demo.set_defaults(handler=cmd_demo)

    rescore = commands.add_parser(
        "rescore", help="score stored audits against another standards version into new reports (resumable)"
    )
    rescore.add_argument("--standards", required=True, metavar="SET@VERSION", help="e.g. national@2026.1")
    rescore_scope = rescore.add_mutually_exclusive_group(required=True)
    rescore_scope.add_argument("--trust", metavar="ID", help="only the audits of this trust's schools")
    rescore_scope.add_argument("--all", action="store_true", help="every stored audit")
    rescore.set_defaults(handler=cmd_rescore)
