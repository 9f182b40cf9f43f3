"""Cross-field checks of the self-audit: figures that must agree with each other and dates that must be in order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from api.contract.fields import FIELDS, FieldSpec
from api.contract.kinds import FieldKind
from api.errors import FieldProblem

_DATE_PATHS = tuple(spec.path for spec in FIELDS.values() if spec.kind is FieldKind.date and spec.path != "audit_date")


def more_with_sen_than_on_roll(*, on_roll: int, sen_support: int, ehcp: int) -> bool:
    """True when pupils on SEN support plus pupils with an EHC plan (counts of pupils) exceed the pupils on roll.

    The one statement of "SEN support + EHC plans ≤ pupils on roll", used by the audit contract, the census
    importer and the demo data. Raises nothing.
    """
    return sen_support + ehcp > on_roll


def date_paths(fields: Mapping[str, FieldSpec]) -> tuple[str, ...]:
    """The date fields among ``fields`` (by dotted path) that may not be later than the audit date."""
    return tuple(spec.path for spec in fields.values() if spec.kind is FieldKind.date and spec.path != "audit_date")


def cross_field_problems(
    values: Mapping[str, Any], today: dt.date | None, dates: tuple[str, ...] = _DATE_PATHS
) -> list[FieldProblem]:
    """Every cross-field problem of typed flat ``path -> value`` values (from a parsed audit, or what of a raw
    one parsed); ``today`` (when given) refuses a future audit date; ``dates`` are the date fields that may not be
    later than the audit date (default: the contract's). Returns the problems, none when all agree.
    """
    problems: list[FieldProblem] = []
    get = values.get
    on_roll, sen_support, ehcp = get("pupils.on_roll"), get("pupils.sen_support"), get("pupils.ehcp")
    if (
        on_roll is not None
        and sen_support is not None
        and ehcp is not None
        and more_with_sen_than_on_roll(on_roll=on_roll, sen_support=sen_support, ehcp=ehcp)
    ):
        problems.append(
            FieldProblem(
                field="pupils.sen_support",
                message=f"SEN support ({sen_support}) and EHC plans ({ehcp}) add up to more than "
                f"the pupils on roll ({on_roll})",
            )
        )
    for trained_path, total_path, who in (
        ("training.teachers_send_cpd_12m", "training.teachers_total", "teachers"),
        ("training.tas_send_training_12m", "training.tas_total", "teaching assistants"),
    ):
        trained, total = get(trained_path), get(total_path)
        if trained is not None and total is not None and trained > total:
            problems.append(
                FieldProblem(field=trained_path, message=f"cannot be more than the {who} in total ({total})")
            )
    audit_date = get("audit_date")
    if audit_date is not None and today is not None and audit_date > today:
        problems.append(FieldProblem(field="audit_date", message=f"cannot be in the future (today is {today})"))
    if audit_date is not None:
        for path in dates:
            value = get(path)
            if value is not None and value > audit_date:
                problems.append(FieldProblem(field=path, message=f"cannot be later than the audit date ({audit_date})"))
    started, completed = get("senco.qualification_started_on"), get("senco.qualification_completed_on")
    if started is not None and completed is not None and completed < started:
        problems.append(
            FieldProblem(
                field="senco.qualification_completed_on",
                message="cannot be earlier than senco.qualification_started_on",
            )
        )
    return problems
