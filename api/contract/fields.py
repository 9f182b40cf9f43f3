"""Audit fields by dotted path: :class:`FieldSpec` (kind, choices, whether null is meaningful), which
:func:`api.contract.questions.field_specs` makes from a version's questions for the standards loader, the CSV
reader and the CLI; and :func:`put_answer`, which puts an answer at its path of a nested audit. The fields of an
audit are never fixed in code: they are the questions of the standards version it answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from api.contract.kinds import FieldKind


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One audit field: its dotted path, kind, allowed choices and whether null is meaningful."""

    path: str
    kind: FieldKind
    nullable: bool
    description: str
    choices: tuple[str, ...] = ()


def put_answer(audit: dict[str, Any], path: str, value: Any) -> None:
    """Put ``value`` at dotted ``path`` (``senco.protected_fte``, or ``audit_date``) of a nested audit, in place.

    The section is made when it is missing. Raises nothing; the path is not checked against any question.
    """
    if "." in path:
        section, name = path.split(".", 1)
        audit.setdefault(section, {})[name] = value
    else:
        audit[path] = value
