"""The Alembic migrations on SQLite and PostgreSQL: from empty to the newest schema, idempotent, in step with the
SQLModel tables, reversible, and driven by ``oap db upgrade`` / ``oap db status``."""

from __future__ import annotations

import datetime as dt
import gc
import uuid
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from api.cli.main import main
from api.rules.catalog import Catalog
from api.service.audits import report_rows
from api.service.scoring import ScoringService
from api.storage import repository
from api.storage.db import make_engine, session_scope
from api.storage.migrate import alembic_config, current_revision, head_revision, upgrade
from tests.conftest import example_audit, valid

HEAD = head_revision()
NOW = {"created_at": dt.datetime(2026, 11, 1, tzinfo=dt.UTC), "updated_at": dt.datetime(2026, 11, 1, tzinfo=dt.UTC)}


@pytest.fixture
def empty(database_url: str) -> Iterator[Engine]:
    """An engine on a fresh database that has not been migrated."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def schema(engine: Engine) -> dict[str, Any]:
    """Every table with its columns (name, type, nullability), indexes, foreign keys and primary key."""
    inspector = sa.inspect(engine)
    return {
        table: {
            "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)],
            "indexes": sorted((i["name"] or "", tuple(i["column_names"])) for i in inspector.get_indexes(table)),
            "foreign_keys": sorted(
                (tuple(fk["constrained_columns"]), fk["referred_table"]) for fk in inspector.get_foreign_keys(table)
            ),
            "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
        }
        for table in sorted(inspector.get_table_names())
    }


def test_the_migrations_form_one_line() -> None:
    scripts = ScriptDirectory.from_config(alembic_config())
    assert scripts.get_heads() == [HEAD]
    assert len(scripts.get_bases()) == 1


def test_upgrade_from_empty_creates_every_table(empty: Engine) -> None:
    assert sa.inspect(empty).get_table_names() == []
    assert current_revision(empty) is None
    upgrade(empty)
    assert set(sa.inspect(empty).get_table_names()) == {*SQLModel.metadata.tables, "alembic_version"}
    assert current_revision(empty) == HEAD


def test_upgrading_twice_is_a_no_op(empty: Engine) -> None:
    upgrade(empty)
    with session_scope(empty) as session:
        repository.put_trust(session=session, trust_id="T1", name="Kept")
    before = schema(empty)
    upgrade(empty)
    assert current_revision(empty) == HEAD
    assert schema(empty) == before
    with session_scope(empty) as session:
        trust = repository.get_trust(session=session, trust_id="T1")
        assert trust is not None
        assert trust.name == "Kept"


def test_the_migrated_schema_matches_the_models(empty: Engine) -> None:
    upgrade(empty)
    with empty.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == [], "the tables and the migrations differ; add a migration (alembic revision --autogenerate)"


def test_downgrade_to_empty_and_up_again(empty: Engine) -> None:
    upgrade(empty)
    config = alembic_config()
    with empty.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(sa.inspect(empty).get_table_names()) <= {"alembic_version"}
    assert current_revision(empty) is None
    upgrade(empty)
    assert set(sa.inspect(empty).get_table_names()) == {*SQLModel.metadata.tables, "alembic_version"}
    assert current_revision(empty) == HEAD


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_oap_db_upgrade_and_status(
    database_url: str, empty: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OAP_DATABASE_URL", database_url)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        assert run(capsys, "db", "status") == (1, f"current empty, newest {HEAD}: run 'oap db upgrade'\n", "")
        assert current_revision(empty) is None, "status changes nothing"

        assert run(capsys, "db", "upgrade") == (0, f"Database at revision {HEAD} (was empty)\n", "")
        assert current_revision(empty) == HEAD
        assert set(sa.inspect(empty).get_table_names()) == {*SQLModel.metadata.tables, "alembic_version"}

        assert run(capsys, "db", "status") == (0, f"current {HEAD}, newest {HEAD}\n", "")
        assert run(capsys, "db", "upgrade") == (0, f"Database at revision {HEAD}\n", "")
        gc.collect()  # the engines the commands made are garbage now; any connection left open says so
    leaked = [str(warning.message) for warning in caught if issubclass(warning.category, ResourceWarning)]
    assert leaked == [], "the db commands leave database connections open (their engine is never disposed)"


def migrate_to(engine: Engine, revision: str, *, down: bool = False) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def test_0004_fills_report_domains_from_the_reports_already_stored(empty: Engine, catalog: Catalog) -> None:
    """Reports stored before revision 0004 get their domain scores from their bodies; no finding is lost when
    SQLite rebuilds the findings table, and going back down and up again gives the same rows."""
    migrate_to(empty, "0003")
    tables = SQLModel.metadata.tables
    scorer = ScoringService(catalog)
    stored = []
    with empty.begin() as connection:
        connection.execute(sa.insert(tables["trusts"]), [{"id": "T1", "name": "One", **NOW}])
        connection.execute(sa.insert(tables["schools"]), [{"urn": "113328", "name": "S", "status": "open", **NOW}])
        audit = valid(example_audit("113328"))
        audit_id = uuid.uuid4().hex
        connection.execute(
            sa.insert(tables["audits"]),
            [
                {
                    "id": audit_id,
                    "school_urn": "113328",
                    "audit_date": audit.audit_date,
                    "body": audit.nested(),
                    "submitted_by": "test",
                    "source": "test",
                    "created_at": NOW["created_at"],
                }
            ],
        )
        for ref in ("national@2026.1", "national@2025.1"):
            rows = report_rows(scorer.score(audit, ref), audit_id=audit_id, urn="113328")
            then = sa.Table("reports", sa.MetaData(), autoload_with=connection)  # the columns of revision 0003
            report = {column.name: getattr(rows.report, column.name) for column in then.columns}
            connection.execute(sa.insert(then), [report])
            connection.execute(sa.insert(tables["findings"]), rows.findings)
            stored.append(rows)
    expected = {
        rows.report.id: {domain["id"]: domain["score"] for domain in rows.report.body["domains"]} for rows in stored
    }
    assert all(len(set(scores.values())) > 1 for scores in expected.values()), "the domains score differently"

    def findings() -> list[tuple[Any, ...]]:
        with empty.connect() as connection:
            return sorted(tuple(row) for row in connection.execute(sa.select(tables["findings"])))

    before = findings()
    assert len(before) == sum(len(rows.findings) for rows in stored)
    upgrade(empty)
    with session_scope(empty) as session:
        assert repository.list_domain_scores(session=session, report_ids=list(expected)) == expected
    assert findings() == before
    migrate_to(empty, "0003", down=True)
    assert "report_domains" not in sa.inspect(empty).get_table_names()
    assert findings() == before
    upgrade(empty)
    with session_scope(empty) as session:
        assert repository.list_domain_scores(session=session, report_ids=list(expected)) == expected


def test_on_sqlite_a_reports_findings_and_domain_scores_are_stored_in_key_order(tmp_path: Any) -> None:
    """Both tables are WITHOUT ROWID on SQLite, so the rows of one report lie side by side."""
    engine = make_engine(f"sqlite:///{tmp_path}/oap.db")
    try:
        upgrade(engine)
        with engine.connect() as connection:
            query = "SELECT name, sql FROM sqlite_master WHERE type = 'table'"
            created: dict[str, str] = {row[0]: row[1] for row in connection.exec_driver_sql(query)}
    finally:
        engine.dispose()
    assert "WITHOUT ROWID" in created["findings"]
    assert "WITHOUT ROWID" in created["report_domains"]
    assert "WITHOUT ROWID" not in created["reports"]
