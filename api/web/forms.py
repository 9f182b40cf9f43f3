"""The self-audit form: its sections and questions (from the audit contract), and reading a posted form back."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from api.contract.fields import FIELDS, SECTIONS, FieldSpec, put_answer
from api.contract.files import convert_cell
from api.contract.kinds import FieldKind

SECTION_TITLES = {
    "school": "School and pupils",
    "pupils": "School and pupils",
    "senco": "SENCO",
    "staffing": "Staffing",
    "training": "Training",
    "environment": "Environment",
    "leadership": "Leadership",
    "governance": "Governance",
    "published": "Published information",
    "outcomes": "Outcomes",
}
# Fields the form does not ask (the URN comes from the address).
HIDDEN = {"school.urn"}
CHOICE_WORDS = {
    "npq_senco": "NPQ for SENCOs",
    "nasenco": "National Award for SEN Co-ordination (NASENCO)",
    "none": "None",
    "planned": "Planned",
    "support": "Support base (run by the school or trust)",
    "specialist": "Specialist base (commissioned by the council)",
    "nursery": "Nursery",
    "primary": "Primary",
    "middle_deemed_primary": "Middle deemed primary",
    "middle_deemed_secondary": "Middle deemed secondary",
    "secondary": "Secondary",
    "all_through": "All-through",
    "sixteen_plus": "16 plus",
}


@dataclass(frozen=True, slots=True)
class Question:
    """One question of the form."""

    spec: FieldSpec
    label: str
    hint: str

    @property
    def id(self) -> str:
        """The HTML id of its input (error summary links point here)."""
        return "f-" + self.spec.path.replace(".", "-").replace("_", "-")

    @property
    def anchor(self) -> str:
        """The id an error summary link points to: the input itself, or the first radio of a yes/no question."""
        return self.id + "-yes" if self.spec.kind is FieldKind.flag else self.id

    @property
    def name(self) -> str:
        """The form field name: the dotted audit path."""
        return self.spec.path

    @property
    def none_name(self) -> str:
        """The name of the 'there is none' box of a nullable date."""
        return self.spec.path + "__none"


def _hint(spec: FieldSpec) -> str:
    if spec.kind is FieldKind.date:
        hint = "For example, 2026-09-30." + (" Tick 'There is none' if there is none." if spec.nullable else "")
    elif spec.kind is FieldKind.number:
        hint = "A number; decimals are fine (0.4 FTE is two days a week)."
    elif spec.kind is FieldKind.whole_number:
        hint = "A whole number."
    else:
        hint = ""
    absent = re.search(r"\(absent: ([^)]*)\)", spec.description)
    if absent:
        hint = f"{hint} Leave it blank if it is {absent.group(1)}.".strip()
    return hint


_NOTE = re.compile(r"\s*\((?:null|absent): [^)]*\)")


def _label(spec: FieldSpec) -> str:
    """The question as people read it: the contract's description without its notes for programmers.

    "(null: never)" is the form's "There is none" box, "(absent: 1)" goes in the hint, and a choice's list of
    codes is its options.
    """
    if not spec.description:
        return spec.path
    label = _NOTE.sub("", spec.description).rstrip(".")
    if spec.kind is FieldKind.choice and ":" in label:
        label = label.split(":", 1)[0]
    return label


def sections() -> list[tuple[str, list[Question]]]:
    """The form's sections, in order, each with its questions (school and pupils share a section)."""
    grouped: dict[str, list[Question]] = {}
    for path, spec in FIELDS.items():
        if path in HIDDEN:
            continue
        section = "school" if path == "audit_date" else path.split(".", 1)[0]
        title = SECTION_TITLES[section]
        grouped.setdefault(title, []).append(Question(spec=spec, label=_label(spec), hint=_hint(spec)))
    order = list(dict.fromkeys(SECTION_TITLES[name] for name in ("school", *SECTIONS)))
    return [(title, grouped[title]) for title in order if title in grouped]


def flat_answers(nested: Mapping[str, Any]) -> dict[str, Any]:
    """Nested answers as {dotted.path: value} (the form's field names)."""
    flat: dict[str, Any] = {}
    for key, value in nested.items():
        if isinstance(value, Mapping):
            for name, inner in value.items():
                flat[f"{key}.{name}"] = inner
        else:
            flat[key] = value
    return flat


def read_form(form: Mapping[str, Any], urn: str) -> dict[str, Any]:
    """A posted form ({dotted.path: text}) as nested audit answers for school ``urn``: blank means not answered;
    'there is none' means null. Unreadable text is passed on for validation to name (raises nothing)."""
    answers: dict[str, Any] = {"school": {"urn": urn}}
    for path, spec in FIELDS.items():
        if path in HIDDEN:
            continue
        raw = form.get(path)
        text = raw.strip() if isinstance(raw, str) else ""
        if spec.nullable and form.get(path + "__none"):
            value: Any = None
        elif text == "":
            continue
        else:
            value = convert_cell(spec, text)  # the same reading as a CSV cell
        put_answer(answers, path, value)
    return answers
