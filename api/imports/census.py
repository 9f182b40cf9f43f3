"""The school-level statistics files that prefill draft audits: SEN in England and the school workforce census.

* SEN: "Special educational needs in England", school-level underlying data (the wide file,
  ``sen_school_level_underlying_data.csv``): ``URN``, ``Total pupils``, ``SEN support``, ``EHC plan`` →
  ``pupils.on_roll``, ``pupils.sen_support``, ``pupils.ehcp``, and from those three the share of pupils with SEND
  → ``inclusion.school_send_pct``. The January census.
* Workforce: "School workforce in England", size of the school workforce, school level: ``school_urn``,
  ``fte_all_teachers``, ``fte_teaching_assistants`` → ``staffing.teachers_fte``, ``staffing.ta_fte``, and when
  the file has them, ``hc_all_teachers`` and ``hc_teaching_assistants`` (headcounts) → ``training.teachers_total``
  and ``training.tas_total``. The November census. The legacy spreadsheet's names (``URN``, ``Total Number of
  Teachers (FTE)`` …) are accepted too.

Both files have ``time_period`` (``202425`` for 2024/25): the census label is derived from it (January of the
second year for SEN, November of the first for the workforce) unless one is given. A file holding several
years is read for its latest year only. Blank and suppressed cells (``x``, ``c``, ``z`` …) prefill nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from api.contract.constraints import more_with_sen_than_on_roll
from api.imports.columns import Column, RowRejected, cell, decimal_number, is_figure, urn_of, whole_number


@dataclass(frozen=True, slots=True)
class Figure:
    """One prefilled field: the audit field path, the column it comes from, and whether it is a whole number (a
    count of people: ``whole_number``) or may have decimals (a full-time equivalent: ``number``), as the national
    questions ask it (a test keeps the two the same)."""

    path: str
    column: Column
    kind: Literal["whole_number", "number"]


@dataclass(frozen=True, slots=True)
class CensusFormat:
    """What one statistics file holds and how its census is named."""

    source: str
    what: str
    urn: Column
    figures: tuple[Figure, ...]
    census_month: str
    month_in_second_year: bool

    @property
    def columns(self) -> tuple[Column, ...]:
        """Every column the importer reads from this file."""
        return (self.urn, PERIOD, LEVEL, *(figure.column for figure in self.figures))

    def census_label(self, start_year: int) -> str:
        """The census of the academic year starting in ``start_year``, e.g. 'January 2025' for 2024/25."""
        return f"{self.census_month} {start_year + 1 if self.month_in_second_year else start_year}"


PERIOD = Column("period", ("time_period",), required=False)
LEVEL = Column("level", ("geographic_level",), required=False)

SEN = CensusFormat(
    source="sen",
    what="the SEN school-level underlying data file",
    urn=Column("urn", ("URN", "school_urn")),
    figures=(
        Figure("pupils.on_roll", Column("on_roll", ("Total pupils",)), "whole_number"),
        Figure("pupils.sen_support", Column("sen_support", ("SEN support",)), "whole_number"),
        Figure("pupils.ehcp", Column("ehcp", ("EHC plan",)), "whole_number"),
    ),
    census_month="January",
    month_in_second_year=True,
)
WORKFORCE = CensusFormat(
    source="workforce",
    what="the school-level school workforce file",
    urn=Column("urn", ("school_urn", "URN")),
    figures=(
        Figure(
            "staffing.teachers_fte",
            Column("teachers_fte", ("fte_all_teachers", "Total Number of Teachers (FTE)")),
            "number",
        ),
        Figure(
            "staffing.ta_fte",
            Column("ta_fte", ("fte_teaching_assistants", "Total Number of Teaching Assistants (FTE)")),
            "number",
        ),
        Figure(
            "training.teachers_total",
            Column("teachers_hc", ("hc_all_teachers", "Total Number of Teachers (Headcount)"), required=False),
            "whole_number",
        ),
        Figure(
            "training.tas_total",
            Column(
                "tas_hc", ("hc_teaching_assistants", "Total Number of Teaching Assistants (Headcount)"), required=False
            ),
            "whole_number",
        ),
    ),
    census_month="November",
    month_in_second_year=False,
)
FORMATS: dict[str, CensusFormat] = {SEN.source: SEN, WORKFORCE.source: WORKFORCE}
_PERIOD = re.compile(r"^(\d{4})/?(\d{2})$")


def period_start(text: str) -> int | None:
    """The first calendar year of an academic-year time period ('202425' or '2024/25' → 2024), else None."""
    match = _PERIOD.match(text.strip())
    if match is None:
        return None
    start, end = int(match[1]), int(match[2])
    return start if (start + 1) % 100 == end else None


def is_school_level(cells: Sequence[str], positions: Mapping[str, int]) -> bool:
    """False for the national and local-authority rows some files mix in (geographic_level other than School)."""
    level = cell(cells, positions, "level")
    return not level or level.casefold() == "school"


@dataclass(frozen=True, slots=True)
class SchoolFigures:
    """The figures of one school's row, by audit field path (only those the row has)."""

    urn: str
    values: dict[str, Any]


def parse(spec: CensusFormat, cells: Sequence[str], positions: Mapping[str, int]) -> SchoolFigures:
    """The figures on one row; raises RowRejected saying what is wrong."""
    urn = urn_of(cell(cells, positions, "urn"), spec.urn.title)
    values: dict[str, Any] = {}
    for figure in spec.figures:
        text = cell(cells, positions, figure.column.key)
        if not is_figure(text):
            continue
        if figure.kind == "whole_number":
            values[figure.path] = whole_number(text, figure.column.title)
        else:
            values[figure.path] = decimal_number(text, figure.column.title)
    on_roll = values.get("pupils.on_roll")
    sen_support, ehcp = values.get("pupils.sen_support", 0), values.get("pupils.ehcp", 0)
    if on_roll is not None and more_with_sen_than_on_roll(on_roll=on_roll, sen_support=sen_support, ehcp=ehcp):
        raise RowRejected(
            f"SEN support ({sen_support}) and EHC plan ({ehcp}) add up to more than Total pupils ({on_roll})"
        )
    if on_roll and "pupils.sen_support" in values and "pupils.ehcp" in values:
        values[SEND_SHARE] = share_percent(sen_support + ehcp, on_roll)
    return SchoolFigures(urn, values)


SEND_SHARE = "inclusion.school_send_pct"
"""The share of the school's pupils with SEND (SEN support or an EHC plan), in percent: worked out from the SEN file's
three figures, and asked by the versions that compare it with the local authority's (national@2026.2 onwards; a
draft of a version that does not ask it leaves it out)."""


def share_percent(part: int, whole: int) -> float:
    """``part`` as a percentage of ``whole`` (more than 0), rounded half up to one decimal, in exact integer
    arithmetic: 31 of 249 pupils is 12.4."""
    return ((2000 * part + whole) // (2 * whole)) / 10


def merge_prefill(
    body: Mapping[str, Any], provenance: Mapping[str, Any], values: Mapping[str, Any], origin: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A draft's body and provenance with ``values`` prefilled from ``origin``.

    A field the school typed (a value with no provenance) is never overwritten, and fields the import does not
    cover are left as they are; a field an earlier import prefilled (it has provenance) takes the new value.
    """
    new_body: dict[str, Any] = {key: dict(part) if isinstance(part, dict) else part for key, part in body.items()}
    new_provenance = dict(provenance)
    for path, value in values.items():
        section_name, name = path.split(".", 1)
        section = new_body.setdefault(section_name, {})
        if not isinstance(section, dict):
            continue  # the school typed something other than a section here: theirs to put right
        if name in section and path not in provenance:
            continue
        section[name] = value
        new_provenance[path] = dict(origin)
    return new_body, new_provenance
