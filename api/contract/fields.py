"""Audit fields by dotted path: :class:`FieldSpec` (kind, choices, whether null is meaningful), which
:func:`api.contract.questions.field_specs` makes from a version's questions for the standards loader, the CSV
reader and the CLI; and :func:`put_answer`, which puts an answer at its path of a nested audit.

:data:`FIELDS` and :data:`SECTIONS`, reflected from the static model :class:`api.contract.model.Audit`, are what the
self-audit form still reads until it follows a version's questions; nothing else uses them.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from api.contract.kinds import FieldKind
from api.contract.model import Audit, Section


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


# The static contract, for the form only: delete from here to the end of the file (with the imports of Audit,
# Section, types, typing, dt, Iterator, Mapping, Annotated and Literal above) when api/web/forms.py no longer
# imports FIELDS and SECTIONS, together with the static models in api/contract/model.py.


def _kind_of(annotation: Any) -> tuple[FieldKind, tuple[str, ...]]:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    base = annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        base = args[0]
    while typing.get_origin(base) is Annotated:
        base = typing.get_args(base)[0]
    if typing.get_origin(base) is Literal:
        return FieldKind.choice, tuple(str(a) for a in typing.get_args(base))
    kinds: dict[Any, FieldKind] = {
        bool: FieldKind.flag,
        int: FieldKind.whole_number,
        float: FieldKind.number,
        dt.date: FieldKind.date,
        str: FieldKind.text,
    }
    return kinds[base], ()


def _walk_fields() -> Iterator[FieldSpec]:
    yield FieldSpec("audit_date", FieldKind.date, False, "The date the figures describe.")
    for section_name, section_field in Audit.model_fields.items():
        section = section_field.annotation
        if not (isinstance(section, type) and issubclass(section, Section)):
            continue
        for name, info in section.model_fields.items():
            kind, choices = _kind_of(info.annotation)
            yield FieldSpec(f"{section_name}.{name}", kind, name in section.nullable, info.description or "", choices)


FIELDS: Mapping[str, FieldSpec] = {spec.path: spec for spec in _walk_fields()}
"""Every field of the static model by dotted path (the form's questions until it follows a version's)."""

SECTIONS: tuple[str, ...] = tuple(name for name in Audit.model_fields if name != "audit_date")
"""The names of the static model's sections, in order (every top-level field but ``audit_date``)."""
