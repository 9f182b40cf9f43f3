"""Imports of the public data files, on each database: GIAS into schools and trusts, SEN and workforce into drafts.

The fixtures under tests/fixtures/imports/ are small files in the real column layouts and encodings (see
make_import_fixtures.py there). Every import is run twice: the second run must change nothing.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import select

from api.contract.kinds import PHASES
from api.errors import Forbidden, InputFileError
from api.imports import census, gias
from api.imports.columns import RowRejected, UrnSet, locate
from api.imports.reader import UTF8, WINDOWS_1252, CsvFile, choose_encoding
from api.service.access import Principal, Role
from api.service.imports.files import import_file
from api.service.imports.plan import ImportSource, display_name
from api.service.imports.summary import ImportKind, ImportSummary
from api.storage.db import session_scope
from api.storage.tables import DraftRow
from tests.conftest import national_questions
from tests.conftest import run_oap as oap

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"
ADMIN = Principal(key_id="test-admin", role=Role.admin)
SEN_2025 = {"source": "sen", "file": "sen-2025.csv", "census": "January 2025"}
WORKFORCE_2024 = {"source": "workforce", "file": "workforce-2024.csv", "census": "November 2024"}

# urn: (name, phase, local_authority, la_code, establishment_type, status, trust_id)
SCHOOLS_2025_01: dict[str, tuple[Any, ...]] = {
    "113328": ("Yealmpstone Farm Primary School", "primary", "Plymouth", "879", "Community school", "open", None),
    "119615": (
        "St Cuthbert’s Church of England Primary School",
        "primary",
        "Blackburn with Darwen",
        "889",
        "Voluntary aided school",
        "open",
        None,
    ),
    "139703": ("Harris Academy Chobham", "all_through", "Newham", "316", "Academy sponsor led", "open", "4001"),
    "140939": (
        "Harris Westminster Sixth Form",
        "sixteen_plus",
        "Westminster",
        "213",
        "Free schools 16 to 19",
        "open",
        "4001",
    ),
    "136267": ("Chadwell Heath Academy", "secondary", "Redbridge", "317", "Academy converter", "open", "3650"),
    "100096": (
        "Swiss Cottage School - Development & Research Centre",
        None,
        "Camden",
        "202",
        "Community special school",
        "open",
        None,
    ),
    "100005": ("Thomas Coram Centre", "nursery", "Camden", "202", "Local authority nursery school", "open", None),
    "112858": (
        "Stoney Middleton CofE (C) Primary School",
        "primary",
        "Derbyshire",
        "830",
        "Voluntary controlled school",
        "open",
        None,
    ),
    "100150": ("Riverside Infant School", "primary", "Greenwich", "203", "Community school", "closed", None),
    "122001": ("Bellingham Middle School", "middle_deemed_primary", None, "929", "Community school", "open", None),
    "122002": ("Hexham Middle School", "middle_deemed_secondary", None, "929", "Community school", "open", None),
}
TRUSTS_2025_01 = {"4001": "HARRIS FEDERATION", "3650": "CHADWELL HEATH ACADEMY"}


# ---------------------------------------------------------------------------------------------- helpers


def run(engine: Engine, kind: str, name: str | Path, census_label: str | None = None) -> ImportSummary:
    """Import a fixture (or any file) as an admin."""
    path = name if isinstance(name, Path) else FIXTURES / name
    source = ImportSource(ImportKind(kind), path, census_label=census_label)
    return import_file(engine=engine, principal=ADMIN, source=source)


def counts(summary: ImportSummary) -> tuple[int, int, int, int, int, int]:
    """(rows, created, updated, unchanged, rejected, skipped)."""
    return summary.rows, summary.created, summary.updated, summary.unchanged, summary.rejected, summary.skipped


def schools(engine: Engine) -> dict[str, tuple[Any, ...]]:
    """Every stored school as urn: (name, phase, local_authority, la_code, establishment_type, status, trust_id)."""
    query = "SELECT urn, name, phase, local_authority, la_code, establishment_type, status, trust_id FROM schools"
    with engine.connect() as connection:
        return {row[0]: tuple(row[1:]) for row in connection.execute(sa.text(query))}


def trusts(engine: Engine) -> dict[str, str]:
    """Every stored trust as id: name."""
    with engine.connect() as connection:
        return {row[0]: row[1] for row in connection.execute(sa.text("SELECT id, name FROM trusts"))}


def drafts(engine: Engine) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """Every stored draft as urn: (body, provenance)."""
    with session_scope(engine) as session:
        return {row.school_urn: (row.body, row.provenance) for row in session.exec(select(DraftRow))}


def stamps(engine: Engine, table: str) -> dict[str, Any]:
    """The updated_at of every row of ``table``, by key."""
    key = "school_urn" if table == "drafts" else "urn" if table == "schools" else "id"
    with engine.connect() as connection:
        return {row[0]: row[1] for row in connection.execute(sa.text(f"SELECT {key}, updated_at FROM {table}"))}


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]], encoding: str = "utf-8") -> Path:
    """A small CSV file in ``tmp_path``."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def sen_body(urn: str, on_roll: int, sen_support: int | None, ehcp: int) -> dict[str, Any]:
    """A draft body prefilled from the SEN file."""
    pupils = {"on_roll": on_roll, "ehcp": ehcp} | ({} if sen_support is None else {"sen_support": sen_support})
    body: dict[str, Any] = {"school": {"urn": urn}, "pupils": pupils}
    if sen_support is not None and on_roll:  # the share of pupils with SEND, worked out from the three figures
        body["inclusion"] = {
            "school_send_pct": math.floor(Fraction(1000 * (sen_support + ehcp), on_roll) + Fraction(1, 2)) / 10
        }
    return body


def provenance(origin: dict[str, str], *paths: str) -> dict[str, dict[str, str]]:
    """The provenance of ``paths`` all prefilled from ``origin``."""
    return dict.fromkeys(paths, origin)


PUPIL_PATHS = ("pupils.on_roll", "pupils.sen_support", "pupils.ehcp", "inclusion.school_send_pct")
STAFF_PATHS = ("staffing.teachers_fte", "staffing.ta_fte", "training.teachers_total", "training.tas_total")


# ---------------------------------------------------------------------------------------------- GIAS


def test_gias_creates_the_schools_and_trusts_of_the_file(engine: Engine) -> None:
    summary = run(engine, "gias", "gias-2025-01.csv")
    assert counts(summary) == (11, 11, 0, 0, 0, 0)
    assert (summary.trusts_created, summary.trusts_updated) == (2, 0)
    assert summary.problems == ()
    assert schools(engine) == SCHOOLS_2025_01
    assert trusts(engine) == TRUSTS_2025_01


def test_gias_reads_windows_1252_so_the_curly_apostrophe_survives(engine: Engine) -> None:
    raw = (FIXTURES / "gias-2025-01.csv").read_bytes()
    assert b"Cuthbert\x92s" in raw  # 0x92 is ’ only in Windows-1252; it is not valid UTF-8
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    run(engine, "gias", "gias-2025-01.csv")
    assert schools(engine)["119615"][0] == "St Cuthbert’s Church of England Primary School"


def test_gias_a_second_time_changes_nothing(engine: Engine) -> None:
    run(engine, "gias", "gias-2025-01.csv")
    before = (schools(engine), trusts(engine), stamps(engine, "schools"), stamps(engine, "trusts"))
    again = run(engine, "gias", "gias-2025-01.csv")
    assert counts(again) == (11, 0, 0, 11, 0, 0)
    assert (again.trusts_created, again.trusts_updated) == (0, 0)
    assert (schools(engine), trusts(engine), stamps(engine, "schools"), stamps(engine, "trusts")) == before


def test_a_later_gias_file_moves_a_school_to_its_new_trust_and_marks_a_closure(engine: Engine) -> None:
    run(engine, "gias", "gias-2025-01.csv")
    later = run(engine, "gias", "gias-2025-07.csv")
    assert counts(later) == (11, 0, 2, 9, 0, 0)
    assert (later.trusts_created, later.trusts_updated) == (1, 0)
    expected = dict(SCHOOLS_2025_01)
    expected["136267"] = (*SCHOOLS_2025_01["136267"][:6], "2720")
    expected["112858"] = (*SCHOOLS_2025_01["112858"][:5], "closed", None)
    assert schools(engine) == expected
    assert trusts(engine) == {**TRUSTS_2025_01, "2720": "PARTNERSHIP LEARNING"}  # the old trust is kept
    assert counts(run(engine, "gias", "gias-2025-07.csv")) == (11, 0, 0, 11, 0, 0)


def test_a_school_missing_from_a_later_file_is_left_alone(engine: Engine, tmp_path: Path) -> None:
    run(engine, "gias", "gias-2025-01.csv")
    with (FIXTURES / "gias-2025-01.csv").open(encoding="cp1252", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    shorter = write_csv(tmp_path / "edubasealldata.csv", header, rows[:3], encoding="cp1252")
    assert counts(run(engine, "gias", shorter)) == (3, 0, 0, 3, 0, 0)
    assert schools(engine) == SCHOOLS_2025_01


GIAS_BAD_ROWS = [
    (3, "URN is '10001X'; it must be the school's 6-digit unique reference number"),
    (4, "PhaseOfEducation (name) is 'Infant', which is none of 'Nursery', 'Primary', "),
    (5, "EstablishmentName is blank"),
    (6, "has 20 cells but the header row has 135"),
    (7, "URN 100019 is on an earlier row too; only the first row is imported"),
    (8, "Trusts (code) is 4001 but Trusts (name) is blank"),
    (11, "EstablishmentStatus (name) is 'Zombie', which is none of 'Open', 'Open, but proposed to close', "),
]


def test_gias_bad_rows_are_reported_by_line_and_the_others_imported(engine: Engine) -> None:
    summary = run(engine, "gias", "gias-bad-rows.csv")
    assert counts(summary) == (10, 3, 0, 0, 7, 0)
    found = [(problem.line, problem.message) for problem in summary.problems]
    assert [line for line, _ in found] == [line for line, _ in GIAS_BAD_ROWS]
    for (_, message), (_, expected) in zip(found, GIAS_BAD_ROWS, strict=True):
        assert message.startswith(expected), message
    # lines 9-10 are one row (a line break inside a quoted cell), and line 12 is Argyle's first good row
    assert set(schools(engine)) == {"100019", "100091", "100008"}
    assert schools(engine)["100008"][1] == "primary"
    assert trusts(engine) == {}
    assert counts(run(engine, "gias", "gias-bad-rows.csv")) == (10, 0, 0, 3, 7, 0)


@pytest.mark.parametrize(
    ("phase_name", "phase"),
    [
        ("Nursery", "nursery"),
        ("Primary", "primary"),
        ("Middle deemed primary", "middle_deemed_primary"),
        ("Middle deemed secondary", "middle_deemed_secondary"),
        ("Secondary", "secondary"),
        ("All-through", "all_through"),
        ("16 plus", "sixteen_plus"),
        ("Not applicable", None),
        ("", None),
        ("PRIMARY", "primary"),
    ],
)
def test_phase_names_map_to_the_audit_phases(phase_name: str, phase: str | None) -> None:
    header = [column.title for column in gias.COLUMNS]
    positions = locate(header, gias.COLUMNS, file_name="f.csv", what="a GIAS file")
    cells = ["100000", "A School", "Open", phase_name, "Community school", "201", "City of London", "", ""]
    assert gias.parse(cells, positions).fields["phase"] == phase


def test_every_audit_phase_can_come_from_gias() -> None:
    assert {phase for phase in gias.PHASES.values() if phase} == set(PHASES)


@pytest.mark.parametrize(
    ("status_name", "status"),
    [("Open", "open"), ("Closed", "closed"), ("Open, but proposed to close", "open"), ("Proposed to open", "open")],
)
def test_establishment_statuses_map_to_open_or_closed(status_name: str, status: str) -> None:
    positions = locate([column.title for column in gias.COLUMNS], gias.COLUMNS, file_name="f.csv", what="GIAS")
    cells = ["100000", "A School", status_name, "Primary", "Community school", "201", "City of London", "", ""]
    assert gias.parse(cells, positions).fields["status"] == status


# ---------------------------------------------------------------------------------------------- unusable files


SEN_MISSING_EHC = (["time_period", "URN", "Total pupils", "SEN support"], [["202425", "113328", "223", "35"]])
MISSING_COLUMNS = [
    ("gias", "gias-missing-columns.csv", None, "no columns 'EstablishmentStatus (name)', 'Trusts (code)', which"),
    ("sen", "sen-missing-ehc.csv", None, "no column 'EHC plan', which the SEN school-level underlying data file"),
    ("workforce", "sen-2025.csv", None, "no columns 'fte_all_teachers', 'fte_teaching_assistants', which the"),
    ("workforce", "workforce-legacy.csv", None, "has no time_period column, so the census it describes is unknown"),
    ("sen", "empty.csv", None, "the file is empty; it needs a header row"),
]


@pytest.mark.parametrize(
    ("kind", "name", "census_label", "error"),
    MISSING_COLUMNS,
    ids=[f"{kind}-{name}" for kind, name, *_ in MISSING_COLUMNS],
)
def test_a_file_without_the_columns_it_needs_is_refused_and_nothing_written(
    engine: Engine, tmp_path: Path, kind: str, name: str, census_label: str | None, error: str
) -> None:
    run(engine, "gias", "gias-2025-01.csv")
    before = (schools(engine), trusts(engine), drafts(engine))
    write_csv(tmp_path / "sen-missing-ehc.csv", *SEN_MISSING_EHC)
    (tmp_path / "empty.csv").write_bytes(b"")
    path = tmp_path / name if (tmp_path / name).exists() else FIXTURES / name
    with pytest.raises(InputFileError) as raised:
        run(engine, kind, path, census_label)
    assert error in raised.value.message
    assert raised.value.message.startswith(f"{name}: ")
    assert raised.value.message.endswith("; nothing was imported")
    assert (schools(engine), trusts(engine), drafts(engine)) == before


def test_only_admins_may_import(engine: Engine) -> None:
    school_key = Principal(key_id="k", role=Role.school, school_urn="113328")
    source = ImportSource(ImportKind.gias, FIXTURES / "gias-2025-01.csv")
    with pytest.raises(Forbidden):
        import_file(engine=engine, principal=school_key, source=source)
    assert schools(engine) == {}


# ---------------------------------------------------------------------------------------------- SEN and workforce


@pytest.mark.parametrize("figure", [f for spec in census.FORMATS.values() for f in spec.figures], ids=lambda f: f.path)
def test_each_census_figure_has_the_kind_the_national_questions_ask(figure: census.Figure) -> None:
    for ref in ("national@2025.1", "national@2026.1"):
        assert national_questions(ref).by_id()[figure.path].kind == figure.kind, (ref, figure.path)


def test_sen_prefills_a_draft_for_each_known_school(engine: Engine) -> None:
    run(engine, "gias", "gias-2025-01.csv")
    summary = run(engine, "sen", "sen-2025.csv")
    assert counts(summary) == (6, 5, 0, 0, 0, 1)  # the 2023/24 row is skipped: the latest year is imported
    assert (summary.census, summary.period) == ("January 2025", "202425")
    assert drafts(engine) == {
        "113328": (sen_body("113328", 223, 35, 10), provenance(SEN_2025, *PUPIL_PATHS)),
        "119615": (sen_body("119615", 215, 29, 22), provenance(SEN_2025, *PUPIL_PATHS)),
        "139703": (sen_body("139703", 2041, 202, 51), provenance(SEN_2025, *PUPIL_PATHS)),
        "100096": (sen_body("100096", 261, 0, 261), provenance(SEN_2025, *PUPIL_PATHS)),
        # SEN support is suppressed ('x') for Thomas Coram: not prefilled, and no provenance for it
        "100005": (sen_body("100005", 136, None, 2), provenance(SEN_2025, "pupils.on_roll", "pupils.ehcp")),
    }
    assert schools(engine) == SCHOOLS_2025_01  # the census files never create or change schools


def test_sen_and_workforce_a_second_time_change_nothing(engine: Engine) -> None:
    run(engine, "gias", "gias-2025-01.csv")
    run(engine, "sen", "sen-2025.csv")
    run(engine, "workforce", "workforce-2024.csv")
    before = (drafts(engine), stamps(engine, "drafts"))
    assert counts(run(engine, "sen", "sen-2025.csv")) == (6, 0, 0, 5, 0, 1)
    assert counts(run(engine, "workforce", "workforce-2024.csv")) == (4, 0, 0, 3, 0, 1)
    assert (drafts(engine), stamps(engine, "drafts")) == before


def test_workforce_prefills_staffing_with_its_census(engine: Engine) -> None:
    run(engine, "gias", "gias-2025-01.csv")
    summary = run(engine, "workforce", "workforce-2024.csv")
    # Harris Academy Chobham's figures are all suppressed ('c'): nothing to prefill, so no draft is made
    assert counts(summary) == (4, 2, 0, 1, 0, 1)
    assert summary.census == "November 2024"
    staff = provenance(WORKFORCE_2024, *STAFF_PATHS)
    assert drafts(engine) == {
        "113328": (
            {
                "school": {"urn": "113328"},
                "staffing": {"teachers_fte": 12.8, "ta_fte": 10.82},
                "training": {"teachers_total": 14, "tas_total": 17},
            },
            staff,
        ),
        "119615": (
            {
                "school": {"urn": "119615"},
                "staffing": {"teachers_fte": 8.48, "ta_fte": 12.84},
                "training": {"teachers_total": 10, "tas_total": 16},
            },
            staff,
        ),
    }


def test_drafts_keep_what_the_school_typed(engine: Engine) -> None:
    run(engine, "gias", "gias-2025-01.csv")
    typed = {"school": {"urn": "113328"}, "pupils": {"on_roll": 230}, "senco": {"designated": True, "on_slt": False}}
    with session_scope(engine) as session:
        session.add(DraftRow(school_urn="113328", body=typed, provenance={}, updated_by="school-key"))
    assert counts(run(engine, "sen", "sen-2025.csv"))[1:3] == (4, 1)
    assert counts(run(engine, "workforce", "workforce-2024.csv"))[1:3] == (0, 2)
    body, notes = drafts(engine)["113328"]
    assert body == {
        "school": {"urn": "113328"},
        "pupils": {"on_roll": 230, "sen_support": 35, "ehcp": 10},  # 230 was typed: the census 223 does not win
        "senco": {"designated": True, "on_slt": False},
        "staffing": {"teachers_fte": 12.8, "ta_fte": 10.82},
        "training": {"teachers_total": 14, "tas_total": 17},
        "inclusion": {"school_send_pct": 20.2},  # the census's own share (45 of 223), said to come from it
    }
    assert notes == {
        **provenance(SEN_2025, "pupils.sen_support", "pupils.ehcp", "inclusion.school_send_pct"),
        **provenance(WORKFORCE_2024, *STAFF_PATHS),
    }


def test_a_later_census_refreshes_the_values_it_prefilled(engine: Engine, tmp_path: Path) -> None:
    run(engine, "gias", "gias-2025-01.csv")
    run(engine, "sen", "sen-2025.csv")
    later = write_csv(
        tmp_path / "sen-2026.csv",
        ["time_period", "geographic_level", "URN", "Total pupils", "SEN support", "EHC plan"],
        [["202526", "School", "113328", "231", "38", "12"], ["202526", "School", "100005", "140", "20", "3"]],
    )
    assert counts(run(engine, "sen", later)) == (2, 0, 2, 0, 0, 0)
    origin = {"source": "sen", "file": "sen-2026.csv", "census": "January 2026"}
    assert drafts(engine)["113328"] == (sen_body("113328", 231, 38, 12), provenance(origin, *PUPIL_PATHS))
    assert drafts(engine)["100005"] == (sen_body("100005", 140, 20, 3), provenance(origin, *PUPIL_PATHS))


SEN_BAD_ROWS = [
    (3, "Total pupils is 'abc', which is not a whole number of 0 or more"),
    (4, "SEN support (1000) and EHC plan (300) add up to more than Total pupils (1247)"),
    (5, "time_period is '2024', which is not an academic year such as 202425"),
    (2, "there is no school with URN 999999; import the GIAS file first"),
]


def test_sen_bad_rows_and_unknown_urns_are_rejected_and_never_create_schools(engine: Engine) -> None:
    run(engine, "gias", "gias-2025-01.csv")
    summary = run(engine, "sen", "sen-bad-rows.csv")
    assert counts(summary) == (5, 1, 0, 0, 4, 0)
    assert sorted((problem.line, problem.message) for problem in summary.problems) == sorted(SEN_BAD_ROWS)
    assert set(drafts(engine)) == {"112858"}  # Stoney Middleton, line 6
    assert "999999" not in schools(engine)


def test_a_windows_1252_sen_file_is_read_as_such(engine: Engine) -> None:
    assert choose_encoding(FIXTURES / "sen-2025-windows-1252.csv", windows_by_default=False) == WINDOWS_1252
    run(engine, "gias", "gias-2025-01.csv")
    assert counts(run(engine, "sen", "sen-2025-windows-1252.csv")) == (2, 2, 0, 0, 0, 0)
    assert drafts(engine)["119615"][0] == sen_body("119615", 215, 29, 22)


def test_the_legacy_workforce_layout_needs_the_census_named(engine: Engine) -> None:
    run(engine, "gias", "gias-2025-01.csv")
    summary = run(engine, "workforce", "workforce-legacy.csv", census_label="November 2024")
    assert counts(summary) == (1, 1, 0, 0, 0, 0)
    origin = {"source": "workforce", "file": "workforce-legacy.csv", "census": "November 2024"}
    assert drafts(engine)["113328"][1] == provenance(origin, *STAFF_PATHS)
    assert drafts(engine)["113328"][0]["staffing"] == {"teachers_fte": 12.8, "ta_fte": 10.82}


# ---------------------------------------------------------------------------------------------- reading cells and files


@pytest.mark.parametrize(
    ("text", "expected"),
    [("202425", 2024), ("2024/25", 2024), ("199900", 1999), ("202426", None), ("2024", None), ("", None), ("x", None)],
)
def test_time_periods_are_academic_years(text: str, expected: int | None) -> None:
    assert census.period_start(text) == expected


@pytest.mark.parametrize(
    ("spec", "start", "label"),
    [(census.SEN, 2024, "January 2025"), (census.WORKFORCE, 2024, "November 2024"), (census.SEN, 2009, "January 2010")],
)
def test_census_labels_follow_the_month_of_each_census(spec: census.CensusFormat, start: int, label: str) -> None:
    assert spec.census_label(start) == label


SEN_COLUMNS = [column.title for column in census.SEN.columns]


@pytest.mark.parametrize(
    ("cells", "values"),
    [
        (
            ["113328", "", "", "223", "35", "10"],
            {"pupils.on_roll": 223, "pupils.sen_support": 35, "pupils.ehcp": 10, "inclusion.school_send_pct": 20.2},
        ),
        (["113328", "", "", "223", "x", "c"], {"pupils.on_roll": 223}),
        (["113328", "", "", "z", "SUPP", ".."], {}),
        (["113328", "", "", " 5 ", "low", ""], {"pupils.on_roll": 5}),
        (["113328", "", "", "12.5", "1", "1"], "Total pupils is '12.5', which is not a whole number of 0 or more"),
        (["113328", "", "", "-3", "1", "1"], "Total pupils is '-3', which is not a whole number of 0 or more"),
        (["11332", "", "", "5", "1", "1"], "URN is '11332'; it must be the school's 6-digit unique reference number"),
        (["", "", "", "5", "1", "1"], "URN is blank; it must be the school's 6-digit unique reference number"),
        (["113328", "", "", "5", "4", "2"], "SEN support (4) and EHC plan (2) add up to more than Total pupils (5)"),
    ],
)
def test_sen_cells(cells: list[str], values: dict[str, int] | str) -> None:
    positions = locate(SEN_COLUMNS, census.SEN.columns, file_name="f.csv", what="SEN")
    if isinstance(values, str):
        with pytest.raises(RowRejected) as raised:
            census.parse(census.SEN, cells, positions)
        assert raised.value.message == values
    else:
        assert census.parse(census.SEN, cells, positions).values == values


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12.8", 12.8), ("0", 0.0), ("3", 3.0), ("nan", None), ("inf", None), ("-0.5", None), ("twelve", None)],
)
def test_workforce_full_time_equivalents(text: str, expected: float | None) -> None:
    columns = [column.title for column in census.WORKFORCE.columns]
    positions = locate(columns, census.WORKFORCE.columns, file_name="f.csv", what="workforce")
    cells = ["113328", "", "", text, "1", "", ""]
    if expected is None:
        with pytest.raises(RowRejected, match="fte_all_teachers is"):
            census.parse(census.WORKFORCE, cells, positions)
    else:
        assert census.parse(census.WORKFORCE, cells, positions).values["staffing.teachers_fte"] == expected


ORIGIN = {"source": "sen", "file": "f.csv", "census": "January 2025"}
OLD = {"source": "sen", "file": "old.csv", "census": "January 2024"}


@pytest.mark.parametrize(
    ("body", "notes", "values", "expected_body", "expected_notes"),
    [
        ({}, {}, {"pupils.on_roll": 5}, {"pupils": {"on_roll": 5}}, {"pupils.on_roll": ORIGIN}),
        ({"pupils": {"on_roll": 9}}, {}, {"pupils.on_roll": 5}, {"pupils": {"on_roll": 9}}, {}),
        (
            {"pupils": {"on_roll": 9}},
            {"pupils.on_roll": OLD},
            {"pupils.on_roll": 5},
            {"pupils": {"on_roll": 5}},
            {"pupils.on_roll": ORIGIN},
        ),
        (
            {"senco": {"designated": True}},
            {},
            {"pupils.ehcp": 1},
            {"senco": {"designated": True}, "pupils": {"ehcp": 1}},
            {"pupils.ehcp": ORIGIN},
        ),
        ({"pupils": "typed text"}, {}, {"pupils.ehcp": 1}, {"pupils": "typed text"}, {}),
        ({"pupils": {"on_roll": None}}, {}, {"pupils.on_roll": 5}, {"pupils": {"on_roll": None}}, {}),
    ],
    ids=["empty", "typed-kept", "prefilled-refreshed", "others-kept", "odd-section-kept", "typed-null-kept"],
)
def test_merge_prefill(
    body: dict[str, Any],
    notes: dict[str, Any],
    values: dict[str, Any],
    expected_body: dict[str, Any],
    expected_notes: dict[str, Any],
) -> None:
    original = {key: dict(value) if isinstance(value, dict) else value for key, value in body.items()}
    assert census.merge_prefill(body, notes, values, ORIGIN) == (expected_body, expected_notes)
    assert body == original, "merge_prefill must not change the draft it was given"


@pytest.mark.parametrize(
    ("content", "windows_by_default", "encoding", "name"),
    [
        (b"URN,Name\r\n1,St Mary\x92s\r\n", True, WINDOWS_1252, "St Mary’s"),
        (b"URN,Name\r\n1,St Mary\xe2\x80\x99s\r\n", True, WINDOWS_1252, "St Maryâ€™s"),  # GIAS without a BOM: cp1252
        (b"\xef\xbb\xbfURN,Name\r\n1,St Mary\xe2\x80\x99s\r\n", True, UTF8, "St Mary’s"),  # re-saved as CSV UTF-8
        (b"\xef\xbb\xbfURN,Name\r\n1,St Mary\x92s\r\n", True, WINDOWS_1252, "St Mary’s"),  # a BOM, but not UTF-8
        (b"URN,Name\r\n1,St Mary\xe2\x80\x99s\r\n", False, UTF8, "St Mary’s"),
        (b"URN,Name\r\n1,St Mary\x92s\r\n", False, WINDOWS_1252, "St Mary’s"),
        (b"URN,Name\r\n1,plain\r\n", False, UTF8, "plain"),
    ],
)
def test_encodings(tmp_path: Path, content: bytes, windows_by_default: bool, encoding: str, name: str) -> None:
    path = tmp_path / "file.csv"
    path.write_bytes(content)
    assert choose_encoding(path, windows_by_default=windows_by_default) == encoding
    with CsvFile(path, encoding=encoding) as source:
        assert source.header == ["URN", "Name"]
        assert [list(row.cells) for row in source.rows()] == [["1", name]]


def test_bytes_windows_1252_leaves_undefined_are_read_not_refused(tmp_path: Path) -> None:
    path = tmp_path / "gias.csv"
    path.write_bytes(b"URN,Name\r\n100000,Caf\x81 \x8d\x8f\x90\x9d and \x92\r\n")
    with CsvFile(path, encoding=WINDOWS_1252) as source:
        assert [list(row.cells) for row in source.rows()] == [["100000", "Caf\x81 \x8d\x8f\x90\x9d and ’"]]


def test_rows_carry_the_line_they_start_on(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(b'a,b\r\n1,"two\r\nlines"\r\n\r\n3,x\r\n4,"unterminated\r\n')
    with CsvFile(path, encoding=UTF8) as source:
        assert [(row.line, list(row.cells), row.error) for row in source.rows()] == [
            (2, ["1", "two\r\nlines"], None),
            (5, ["3", "x"], None),
            (6, ["4", "unterminated\r\n"], None),
        ]


def test_a_row_with_a_nul_character_is_rejected_not_stored(engine: Engine, tmp_path: Path) -> None:
    header = [column.title for column in gias.COLUMNS]
    path = write_csv(
        tmp_path / "gias.csv",
        header,
        [
            [
                "100000",
                "The Aldgate\x00 School",
                "Open",
                "Primary",
                "Voluntary aided school",
                "201",
                "City of London",
                "",
                "",
            ],
            ["100001", "City of London School", "Open", "Secondary", "Other independent school", "201", "City", "", ""],
        ],
        encoding="cp1252",
    )
    summary = run(engine, "gias", path)
    assert counts(summary) == (2, 1, 0, 0, 1, 0)
    assert [(p.line, p.message) for p in summary.problems] == [
        (2, "EstablishmentName has a NUL character (byte 0), so it is not text")
    ]
    assert set(schools(engine)) == {"100001"}


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("edubasealldata20250109.csv", "edubasealldata20250109.csv"),
        ("C:\\Users\\head\\Downloads\\edubase.csv", "edubase.csv"),
        ("../../etc/passwd", "passwd"),
        ("sen\x00 2025\n.csv", "sen 2025.csv"),
        ("", "upload.csv"),
        (None, "upload.csv"),
        ("x" * 400, "x" * 300),
    ],
)
def test_file_names_are_recorded_without_folders_or_control_characters(name: str | None, shown: str) -> None:
    assert display_name(name, "upload.csv") == shown


@pytest.mark.parametrize("label", ["", "   ", "J" * 41, "January\x002025"])
def test_a_census_label_must_be_short_printable_text(engine: Engine, label: str) -> None:
    run(engine, "gias", "gias-2025-01.csv")
    with pytest.raises(InputFileError, match="the census must be named in 1 to 40 printable characters"):
        run(engine, "sen", "sen-2025.csv", census_label=label)
    assert drafts(engine) == {}


def test_urn_set_remembers_each_urn_once() -> None:
    seen = UrnSet()
    assert [seen.add(urn) for urn in ("100000", "999999", "100000", "000000", "999999")] == [
        True,
        True,
        False,
        True,
        False,
    ]


# ---------------------------------------------------------------------------------------------- the command line


def test_cli_imports_and_prints_a_summary(cli_database: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = oap(capsys, "import", "gias", str(FIXTURES / "gias-2025-01.csv"))
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "gias-2025-01.csv (GIAS establishments): 11 rows read",
        "  created         11 schools",
        "  updated          0 schools",
        "  unchanged        0 schools",
        "  rejected         0 rows",
        "  trusts: 2 created, 0 updated",
    ]
    code, out, err = oap(capsys, "import", "gias", str(FIXTURES / "gias-2025-01.csv"))
    assert (code, err) == (0, "")
    assert "  unchanged       11 schools" in out.splitlines()
    code, out, err = oap(capsys, "import", "sen", str(FIXTURES / "sen-2025.csv"))
    assert (code, err) == (0, "")
    assert out.splitlines()[1:] == [
        "  created          5 drafts",
        "  updated          0 drafts",
        "  unchanged        0 drafts",
        "  rejected         0 rows",
        "  census January 2025 (time_period 202425); 1 row skipped (other years, or not a school)",
    ]
    assert len(drafts(cli_database)) == 5


def test_cli_lists_rejected_rows_and_exits_1(cli_database: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = oap(capsys, "import", "gias", str(FIXTURES / "gias-bad-rows.csv"))
    assert code == 1
    lines = err.splitlines()
    assert [line.split(":")[1].strip() for line in lines[:-1]] == [f"line {line}" for line, _ in GIAS_BAD_ROWS]
    assert (
        lines[0]
        == "gias-bad-rows.csv: line 3: URN is '10001X'; it must be the school's 6-digit unique reference number"
    )
    assert lines[-1] == "oap: 7 rows were rejected (listed above); the other rows were imported"
    assert "  created          3 schools" in out.splitlines()
    assert "  rejected         7 rows" in out.splitlines()


@pytest.mark.parametrize(
    ("argv", "code", "error"),
    [
        (["gias", "gias-missing-columns.csv"], 1, "oap: gias-missing-columns.csv: the header row has no columns"),
        (["workforce", "workforce-legacy.csv"], 1, "oap: workforce-legacy.csv: the file has no time_period column"),
        (["sen", "no-such-file.csv"], 1, "no-such-file.csv: no such file"),
        (["census", "sen-2025.csv"], 2, "invalid choice: 'census'"),
    ],
)
def test_cli_refuses_unusable_files(
    cli_database: Engine, capsys: pytest.CaptureFixture[str], argv: list[str], code: int, error: str
) -> None:
    kind, name = argv
    status, out, err = oap(capsys, "import", kind, str(FIXTURES / name))
    assert status == code
    assert error in err
    assert out == ""
    last = err.splitlines()[-1]  # the line the command ends with: the error itself, nothing after it
    assert last.startswith("oap: " if code == 1 else "oap import: error: "), err
    assert error in last, err
    assert code == 2 or len(err.splitlines()) == 1, err
    assert schools(cli_database) == {}


def test_cli_asks_for_the_database_to_be_migrated_first(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OAP_DATABASE_URL", database_url)
    code, out, err = oap(capsys, "import", "gias", str(FIXTURES / "gias-2025-01.csv"))
    assert (code, out) == (2, "")
    assert "run 'oap db upgrade' first" in err


@pytest.mark.parametrize(
    ("part", "whole", "share"), [(31, 249, 12.4), (1, 16, 6.3), (1, 8, 12.5), (0, 5, 0.0), (7, 7, 100.0)]
)
def test_the_share_of_pupils_with_send_is_rounded_half_up_to_one_decimal(part: int, whole: int, share: float) -> None:
    assert census.share_percent(part, whole) == share
