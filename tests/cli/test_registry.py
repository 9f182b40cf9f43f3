"""``oap trusts put`` and ``oap schools put``: what they store, what they print and how they refuse bad options."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from api.storage import repository
from api.storage.db import session_scope
from tests.conftest import run_oap


def test_trusts_and_schools_are_created_then_updated(cli_database: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_oap(capsys, "trusts", "put", "T1", "--name", "Trust One") == (0, "Created trust T1: Trust One\n", "")
    assert run_oap(capsys, "trusts", "put", "T1", "--name", "Trust 1") == (0, "Updated trust T1: Trust 1\n", "")
    created = run_oap(
        capsys, "schools", "put", "123456", "--name", "  A School ", "--phase", "primary", "--trust", "T1"
    )
    assert created == (0, "Created school 123456: A School\n", "")
    updated = run_oap(capsys, "schools", "put", "123456", "--name", "A School", "--status", "closed")
    assert updated == (0, "Updated school 123456: A School\n", "")
    with session_scope(cli_database) as session:
        school = repository.get_school(session=session, urn="123456")
        assert school is not None
        assert (school.name, school.phase, school.trust_id, school.status) == (
            "A School",
            None,
            None,
            "closed",
        )  # PUT: what is not given is cleared
        trust = repository.get_trust(session=session, trust_id="T1")
        assert trust is not None
        assert trust.name == "Trust 1"


@pytest.mark.parametrize(
    ("argv", "code", "error"),
    [
        (["12345", "--name", "X"], 2, "oap: error: URN must be 6 digits\n"),
        (
            ["123456", "--name", "X", "--trust", "T9"],
            1,
            "oap: there is no trust T9; create it first with PUT /v1/trusts/T9\n",
        ),
        (["123456", "--name", ""], 2, "oap: error: --name: String should have at least 1 character\n"),
    ],
)
def test_schools_put_refuses_bad_options_in_one_line(
    cli_database: Engine, capsys: pytest.CaptureFixture[str], argv: list[str], code: int, error: str
) -> None:
    assert run_oap(capsys, "schools", "put", *argv) == (code, "", error)
    with session_scope(cli_database) as session:
        assert repository.get_school(session=session, urn="123456") is None
