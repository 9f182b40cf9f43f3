"""The Get Information About Schools (GIAS) establishment extract, ``edubasealldataYYYYMMDD.csv``.

Of its ~140 columns the importer reads nine: URN, EstablishmentName, EstablishmentStatus (name),
PhaseOfEducation (name), TypeOfEstablishment (name), LA (code), LA (name), Trusts (code) and Trusts (name).
The file also has NumberOfPupils and the resourced-provision columns; they are not read, because the pupil
figures a draft audit is prefilled with come from the SEN census file, so that pupils on roll, SEN support and
EHC plans all describe the same census.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from api.imports.columns import Column, RowRejected, cell, urn_of

COLUMNS: tuple[Column, ...] = (
    Column("urn", ("URN",)),
    Column("name", ("EstablishmentName",)),
    Column("status", ("EstablishmentStatus (name)",)),
    Column("phase", ("PhaseOfEducation (name)",)),
    Column("type", ("TypeOfEstablishment (name)",)),
    Column("la_code", ("LA (code)",)),
    Column("la_name", ("LA (name)",)),
    Column("trust_code", ("Trusts (code)",)),
    Column("trust_name", ("Trusts (name)",)),
)
WHAT = "a GIAS establishment file (edubasealldata…csv)"

# PhaseOfEducation (name) → the audit's phase; "Not applicable" (special schools, PRUs, independents …) → none.
PHASES: dict[str, str | None] = {
    "nursery": "nursery",
    "primary": "primary",
    "middle deemed primary": "middle_deemed_primary",
    "middle deemed secondary": "middle_deemed_secondary",
    "secondary": "secondary",
    "all-through": "all_through",
    "all through": "all_through",
    "16 plus": "sixteen_plus",
    "not applicable": None,
    "": None,
}
PHASE_NAMES = (
    "'Nursery', 'Primary', 'Middle deemed primary', 'Middle deemed secondary', 'Secondary', 'All-through', "
    "'16 plus', 'Not applicable'"
)
# EstablishmentStatus (name) → the school's status. A school proposed to open or to close is open until it closes.
STATUSES: dict[str, str] = {
    "open": "open",
    "open, but proposed to close": "open",
    "proposed to open": "open",
    "closed": "closed",
}
TRUST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")


@dataclass(frozen=True, slots=True)
class Establishment:
    """One establishment as the importer stores it: the school's fields and its trust (id and name) if any."""

    urn: str
    fields: dict[str, Any]
    trust: tuple[str, str] | None


def _text(cells: Sequence[str], positions: Mapping[str, int], key: str, title: str, limit: int) -> str | None:
    value = cell(cells, positions, key)
    if "\x00" in value:  # no database keeps a NUL character in text
        raise RowRejected(f"{title} has a NUL character (byte 0), so it is not text")
    if len(value) > limit:
        raise RowRejected(f"{title} is {len(value)} characters long; the most this service keeps is {limit}")
    return value or None


def parse(cells: Sequence[str], positions: Mapping[str, int]) -> Establishment:
    """The establishment on one row; raises RowRejected saying what is wrong."""
    urn = urn_of(cell(cells, positions, "urn"))
    name = _text(cells, positions, "name", "EstablishmentName", 200)
    if name is None:
        raise RowRejected("EstablishmentName is blank")
    status_text = cell(cells, positions, "status")
    status = STATUSES.get(status_text.casefold())
    if status is None:
        known = ", ".join(f"'{s.capitalize()}'" for s in STATUSES)
        raise RowRejected(f"EstablishmentStatus (name) is '{status_text}', which is none of {known}")
    phase_text = cell(cells, positions, "phase")
    if phase_text.casefold() not in PHASES:
        raise RowRejected(f"PhaseOfEducation (name) is '{phase_text}', which is none of {PHASE_NAMES}")
    fields: dict[str, Any] = {
        "name": name,
        "phase": PHASES[phase_text.casefold()],
        "establishment_type": _text(cells, positions, "type", "TypeOfEstablishment (name)", 100),
        "la_code": _text(cells, positions, "la_code", "LA (code)", 10),
        "local_authority": _text(cells, positions, "la_name", "LA (name)", 100),
        "status": status,
        "trust_id": None,
    }
    trust_code = cell(cells, positions, "trust_code")
    if not trust_code:
        return Establishment(urn, fields, None)
    if not TRUST_ID.match(trust_code):
        raise RowRejected(f"Trusts (code) is '{trust_code}', which is not a trust's code (letters and digits)")
    trust_name = _text(cells, positions, "trust_name", "Trusts (name)", 200)
    if trust_name is None:
        raise RowRejected(f"Trusts (code) is {trust_code} but Trusts (name) is blank")
    fields["trust_id"] = trust_code
    return Establishment(urn, fields, (trust_code, trust_name))
