"""``oap keys``: create, list and revoke API keys."""

from __future__ import annotations

import argparse
import datetime as dt

from api.cli.common import Commands, database
from api.service.access import Role, create_key, revoke_key
from api.storage import repository
from api.storage.db import session_scope
from api.storage.tables import utcnow


def cmd_keys_create(args: argparse.Namespace) -> int:
    """Create a key and print it once; returns 0. Raises RequestInvalid for a scope that does not fit the role."""
    expires = utcnow() + dt.timedelta(days=args.expires_days) if args.expires_days else None
    with database() as engine, session_scope(engine) as session:
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
    """Revoke a key by id; returns 0. Raises NotFound for an unknown key."""
    with database() as engine, session_scope(engine) as session:
        row = revoke_key(session=session, key_id=args.key_id)
    print(f"Revoked key {row.id}; it stops working within the service's key cache time (10 seconds)")
    return 0


def cmd_keys_list(args: argparse.Namespace) -> int:
    """Print every key (id, role, scope, state and label, never the secret); returns 0."""
    with database() as engine, session_scope(engine) as session:
        rows = repository.list_keys(session=session)
    for row in rows:
        state = (
            "revoked" if row.revoked_at else "expired" if row.expires_at and row.expires_at <= utcnow() else "active"
        )
        scope = row.trust_id or row.school_urn or "-"
        print(f"{row.id}  {row.role:<9} {scope:<12} {state:<8} {row.label or ''}")
    return 0


def add_commands(commands: Commands) -> None:
    """Add ``oap keys …`` to the ``oap`` parser."""
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
