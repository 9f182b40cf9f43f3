"""The self-audit: the input contract every standards version is scored against.

A self-audit holds aggregate figures only (no pupil-level or personal data). It is a JSON object of
sections (``school``, ``pupils``, ``senco`` …); CSV columns are the dotted paths (``senco.protected_fte``).

Absent and null mean different things and the distinction is kept all the way to the engine:

* a field that is **absent** was not answered, so rules that need it are *not assessed*;
* a date field given as **null** means "there is none" (for example no accessibility plan at all).

:func:`validate_audit` checks an audit completely and either returns a :class:`ValidAudit` (the flat
``path -> value`` mapping of the answered fields) or raises :class:`api.errors.AuditInvalid` listing
every problem by field path. An audit is never scored in part.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from api.errors import AuditInvalid, FieldProblem

Phase = Literal[
    "nursery",
    "primary",
    "middle_deemed_primary",
    "middle_deemed_secondary",
    "secondary",
    "all_through",
    "sixteen_plus",
]
PHASES: tuple[str, ...] = typing.get_args(Phase)

SencoQualification = Literal["npq_senco", "nasenco", "none"]
InclusionBase = Literal["none", "planned", "support", "specialist"]

WholeNumber = Annotated[int, Strict(), Field(ge=0)]
Number = Annotated[float, Strict(), Field(ge=0, allow_inf_nan=False)]
Percent = Annotated[float, Strict(), Field(ge=0, le=100, allow_inf_nan=False)]
Flag = Annotated[bool, Strict()]


def _date_text(value: Any) -> Any:
    """Dates come as YYYY-MM-DD text (or as dates from YAML); never as timestamps or with a time."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        raise ValueError("must be a date written YYYY-MM-DD, without a time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"'{value}' is not a real date (write it YYYY-MM-DD)") from None
    raise ValueError("must be a date written YYYY-MM-DD")


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


Date = Annotated[dt.date, BeforeValidator(_date_text)]


class FieldKind(enum.StrEnum):
    """The kinds of audit field a rule can refer to; the loader checks a rule uses the right kind."""

    flag = "flag"
    whole_number = "whole_number"
    number = "number"
    date = "date"
    choice = "choice"
    text = "text"


class _Section(BaseModel):
    """Base of every audit section: unknown fields are refused; null only where a field allows it."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
    nullable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _refuse_null(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            for name, value in data.items():
                if value is None and name in cls.model_fields and name not in cls.nullable:
                    raise_null = ValueError(f"{name}: null is not allowed here")
                    raise raise_null
        return data


class School(_Section):
    """Who the school is."""

    urn: str = Field(
        description="Unique reference number: 6 digits, as in Get Information About Schools.",
        examples=["112515"],
    )
    name: Annotated[str, StringConstraints(pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$")] | None = Field(
        None, max_length=200, description="The school's name."
    )
    phase: Phase | None = Field(None, description="Phase of education.")
    sites: Annotated[int, Strict(), Field(ge=1)] | None = Field(
        None, description="Number of separate sites (absent: 1)."
    )
    receives_imf: Flag | None = Field(
        None, description="Does the school receive the Inclusive Mainstream Fund (2026-27 onwards)?"
    )

    @field_validator("urn", mode="before")
    @classmethod
    def _urn_digits(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or len(value) != 6 or not value.isdigit():
            raise ValueError("must be the school's 6-digit unique reference number (URN), for example 112515")
        return value


class Pupils(_Section):
    """Numbers of pupils, from the school's own records or the January census."""

    on_roll: WholeNumber | None = Field(None, description="Pupils on roll.")
    sen_support: WholeNumber | None = Field(None, description="Pupils on SEN support (no EHC plan).")
    ehcp: WholeNumber | None = Field(None, description="Pupils with an education, health and care plan.")


class Senco(_Section):
    """The special educational needs co-ordinator (SENCO)."""

    nullable: ClassVar[frozenset[str]] = frozenset({"qualification_started_on", "qualification_completed_on"})

    designated: Flag | None = Field(None, description="Has the school designated a SENCO?")
    qualified_teacher: Flag | None = Field(None, description="Is the SENCO a qualified teacher?")
    appointed_on: Date | None = Field(None, description="When the current SENCO took up the role.")
    prior_senco_months: WholeNumber | None = Field(
        None, description="Months the SENCO had already been a SENCO (at any school) before this appointment."
    )
    qualification: SencoQualification | None = Field(
        None, description="The SENCO qualification held or being studied: npq_senco, nasenco or none."
    )
    qualification_started_on: Date | None = Field(
        None, description="When the SENCO qualification course began (null: not begun)."
    )
    qualification_completed_on: Date | None = Field(
        None, description="When the SENCO qualification was completed (null: not completed)."
    )
    on_slt: Flag | None = Field(None, description="Is the SENCO a member of the senior leadership team?")
    protected_fte: Number | None = Field(
        None,
        description="Protected SENCO time in full-time equivalent, all SENCOs together (0.4 = two days).",
    )
    admin_hours_per_week: Number | None = Field(
        None, description="Hours a week of administrative support for SEN paperwork."
    )
    private_workspace: Flag | None = Field(
        None, description="Does the SENCO have a private space for confidential meetings?"
    )
    secure_storage: Flag | None = Field(None, description="Does the SENCO have secure storage for records?")


class Staffing(_Section):
    """Teachers and teaching assistants (TAs) in full-time equivalent."""

    teachers_fte: Number | None = Field(None, description="Teachers, full-time equivalent.")
    ta_fte: Number | None = Field(None, description="Teaching assistants, full-time equivalent.")
    ta_deployment_policy: Flag | None = Field(
        None, description="Is there a written TA deployment policy in line with the EEF guidance?"
    )
    ta_liaison_minutes_per_week: WholeNumber | None = Field(
        None, description="Minutes a week timetabled for TAs and teachers to plan together."
    )
    ta_structured_intervention_pct: Percent | None = Field(
        None, description="Share of TA intervention time spent on structured, evidence-based programmes (%)."
    )


class Training(_Section):
    """SEND training of staff in the last 12 months."""

    teachers_total: WholeNumber | None = Field(None, description="Teachers (headcount).")
    teachers_send_cpd_12m: WholeNumber | None = Field(
        None, description="Teachers who had SEND training in the last 12 months."
    )
    tas_total: WholeNumber | None = Field(None, description="Teaching assistants (headcount).")
    tas_send_training_12m: WholeNumber | None = Field(
        None, description="Teaching assistants who had SEND training in the last 12 months."
    )
    send_cpd_hours_per_teacher: Number | None = Field(
        None, description="Average hours of SEND training per teacher in the last 12 months."
    )
    areas_of_need_covered: Annotated[int, Strict(), Field(ge=0, le=4)] | None = Field(
        None,
        description="How many of the four broad areas of need whole-staff training covered in two years.",
    )


class Environment(_Section):
    """Spaces and the physical and sensory environment."""

    nullable: ClassVar[frozenset[str]] = frozenset({"sensory_audit_on"})

    sensory_spaces: WholeNumber | None = Field(
        None, description="Calm, quiet or sensory regulation spaces available to pupils."
    )
    small_group_rooms: WholeNumber | None = Field(
        None, description="Rooms available for small-group and one-to-one interventions."
    )
    accessible_toilet: Flag | None = Field(None, description="Is there at least one accessible toilet?")
    sensory_audit_on: Date | None = Field(
        None,
        description="When the sensory environment (noise, light, clutter) was last audited (null: never).",
    )
    inclusion_base: InclusionBase | None = Field(
        None,
        description="Inclusion base: none, planned, support (school-run) or specialist (LA-commissioned).",
    )


class Leadership(_Section):
    """Leadership of SEND and inclusion."""

    nullable: ClassVar[frozenset[str]] = frozenset({"inclusion_strategy_reviewed_on"})

    slt_senco_qualified: WholeNumber | None = Field(
        None, description="Members of the senior leadership team who hold a SENCO qualification."
    )
    inclusion_strategy_reviewed_on: Date | None = Field(
        None, description="When the inclusion strategy was published or last reviewed (null: none published)."
    )


class Governance(_Section):
    """The governing board or trust board."""

    nullable: ClassVar[frozenset[str]] = frozenset(
        {
            "sen_information_report_updated_on",
            "accessibility_plan_reviewed_on",
            "send_governor_trained_on",
            "send_report_to_board_on",
        }
    )

    send_governor: Flag | None = Field(
        None, description="Is there a governor, trustee or committee with specific oversight of SEND?"
    )
    sen_information_report_updated_on: Date | None = Field(
        None, description="When the SEN information report was last updated (null: none published)."
    )
    accessibility_plan_reviewed_on: Date | None = Field(
        None, description="When the accessibility plan was last reviewed (null: no plan)."
    )
    send_governor_trained_on: Date | None = Field(
        None, description="When the SEND governor last had SEND training (null: never)."
    )
    send_report_to_board_on: Date | None = Field(
        None, description="When the board last received a report on SEND provision (null: never)."
    )


class Published(_Section):
    """What the school publishes on its website."""

    nullable: ClassVar[frozenset[str]] = frozenset({"send_policy_reviewed_on"})

    send_policy_reviewed_on: Date | None = Field(
        None, description="When the SEND policy was last reviewed (null: no policy)."
    )
    local_offer_link: Flag | None = Field(
        None,
        description="Does the website link to the local authority's Local Offer, and does the link work?",
    )
    sen_report_items_missing: Annotated[int, Strict(), Field(ge=0, le=14)] | None = Field(
        None, description="How many of the 14 Schedule 1 items the SEN information report leaves out."
    )


class Outcomes(_Section):
    """Attendance, suspensions and work with parents of pupils with SEND."""

    attendance_send_pct: Percent | None = Field(None, description="Attendance of pupils with SEND (%).")
    attendance_non_send_pct: Percent | None = Field(None, description="Attendance of other pupils (%).")
    suspension_rate_send: Number | None = Field(
        None, description="Suspensions per 100 pupils with SEND in the last year."
    )
    suspension_rate_non_send: Number | None = Field(
        None, description="Suspensions per 100 other pupils in the last year."
    )
    parents_met_three_times_pct: Percent | None = Field(
        None, description="Share of SEN support pupils whose parents met the school at least 3 times (%)."
    )


class Audit(BaseModel):
    """A school's self-audit. Only ``audit_date`` and ``school.urn`` are required; absent means not answered."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    audit_date: Date = Field(description="The date the figures describe; not in the future.")
    school: School
    pupils: Pupils = Pupils()
    senco: Senco = Senco()
    staffing: Staffing = Staffing()
    training: Training = Training()
    environment: Environment = Environment()
    leadership: Leadership = Leadership()
    governance: Governance = Governance()
    published: Published = Published()
    outcomes: Outcomes = Outcomes()


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One audit field: its dotted path, kind, allowed choices and whether null is meaningful."""

    path: str
    kind: FieldKind
    nullable: bool
    description: str
    choices: tuple[str, ...] = ()


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
        if not (isinstance(section, type) and issubclass(section, _Section)):
            continue
        for name, info in section.model_fields.items():
            kind, choices = _kind_of(info.annotation)
            yield FieldSpec(f"{section_name}.{name}", kind, name in section.nullable, info.description or "", choices)


FIELDS: Mapping[str, FieldSpec] = {spec.path: spec for spec in _walk_fields()}
"""Every audit field by dotted path: what the rules loader checks references against."""

SECTIONS: tuple[str, ...] = tuple(name for name in Audit.model_fields if name != "audit_date")


@dataclass(frozen=True, slots=True)
class ValidAudit:
    """A fully validated audit: the answered fields as a flat ``path -> value`` mapping."""

    values: Mapping[str, Any]

    @property
    def audit_date(self) -> dt.date:
        """The date the audit describes."""
        value: dt.date = self.values["audit_date"]
        return value

    @property
    def urn(self) -> str:
        """The school's URN."""
        value: str = self.values["school.urn"]
        return value

    def nested(self) -> dict[str, Any]:
        """The audit as nested JSON-ready sections, answered fields only (dates as ISO text)."""
        out: dict[str, Any] = {}
        for path, value in self.values.items():
            shown = value.isoformat() if isinstance(value, dt.date) else value
            if "." not in path:
                out[path] = shown
                continue
            section, name = path.split(".", 1)
            out.setdefault(section, {})[name] = shown
        return out


def flatten(audit: Audit) -> dict[str, Any]:
    """The answered fields of a parsed audit as ``{dotted.path: value}``; absent fields are left out."""
    values: dict[str, Any] = {"audit_date": audit.audit_date}
    for section_name in SECTIONS:
        section: _Section = getattr(audit, section_name)
        for name in section.model_fields_set:
            values[f"{section_name}.{name}"] = getattr(section, name)
    return values


_MESSAGES: dict[str, str] = {
    "missing": "is required",
    "extra_forbidden": "is not a field of the self-audit; check the spelling against the audit fields",
    "bool_type": "must be true or false",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "date_type": "must be a date written YYYY-MM-DD",
    "date_parsing": "must be a date written YYYY-MM-DD",
    "date_from_datetime_parsing": "must be a date written YYYY-MM-DD",
    "date_from_datetime_inexact": "must be a date written YYYY-MM-DD, without a time",
    "model_type": "must be an object of fields",
    "model_attributes_type": "must be an object of fields",
    "string_type": "must be text",
    "string_too_long": "is too long",
    "string_pattern_mismatch": "must be plain text, without control characters",
}


def _message(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind in {"greater_than_equal", "less_than_equal"}:
        bound = ctx.get("ge", ctx.get("le"))
        word = "or more" if kind == "greater_than_equal" else "or less"
        return f"must be {bound} {word}"
    if kind == "literal_error":
        return f"must be one of: {ctx.get('expected', '')}".replace("'", "")
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return _MESSAGES.get(kind, str(error["msg"]))


def _problems_from(error: ValidationError) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    for item in error.errors(include_url=False):
        loc = [str(part) for part in item["loc"]]
        message = _message(item)
        # A section-level null check names the field in its message: move it into the path.
        if item["type"] == "value_error" and ": null is not allowed here" in message:
            name = message.split(":", 1)[0]
            loc.append(name)
            message = "cannot be null here; leave the field out if it was not answered"
        problems.append(FieldProblem(field=".".join(loc) or "(audit)", message=message))
    return problems


_DATE_PATHS = tuple(spec.path for spec in FIELDS.values() if spec.kind is FieldKind.date and spec.path != "audit_date")


def _typed_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a raw (possibly invalid) audit that have the right type, flat, for cross-field checks."""
    values: dict[str, Any] = {}
    for path, spec in FIELDS.items():
        if "." in path:
            section, name = path.split(".")
            raw = data.get(section)
            if not isinstance(raw, Mapping) or name not in raw:
                continue
            value = raw[name]
        elif path in data:
            value = data[path]
        else:
            continue
        if spec.kind is FieldKind.date:
            try:
                value = _date_text(value)
            except ValueError:
                continue
        elif spec.kind is FieldKind.whole_number and (not isinstance(value, int) or isinstance(value, bool)):
            continue
        values[path] = value
    return values


def _cross_field_problems(values: Mapping[str, Any], today: dt.date | None) -> list[FieldProblem]:
    """Checks that span fields, on typed flat values (from a parsed audit or whatever of a raw one parsed)."""
    problems: list[FieldProblem] = []
    get = values.get
    on_roll, sen_support, ehcp = get("pupils.on_roll"), get("pupils.sen_support"), get("pupils.ehcp")
    if on_roll is not None and sen_support is not None and ehcp is not None and sen_support + ehcp > on_roll:
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
        for path in _DATE_PATHS:
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


def _null_problems(data: Mapping[str, Any]) -> tuple[list[FieldProblem], Mapping[str, Any]]:
    """Every null given for a field that does not allow it, and the audit with those nulls left out."""
    problems: list[FieldProblem] = []
    cleaned: dict[str, Any] | None = None
    for section, fields in data.items():
        if not isinstance(fields, Mapping):
            continue
        for name, value in fields.items():
            spec = FIELDS.get(f"{section}.{name}")
            if value is None and spec is not None and not spec.nullable:
                problems.append(
                    FieldProblem(f"{section}.{name}", "cannot be null here; leave the field out if it was not answered")
                )
                if cleaned is None:
                    cleaned = {key: dict(value) if isinstance(value, Mapping) else value for key, value in data.items()}
                del cleaned[section][name]
    return problems, data if cleaned is None else cleaned


def validate_audit(data: Any, *, today: dt.date | None = None) -> ValidAudit:
    """Validate a decoded audit (JSON object); ``today`` refuses future audit dates. Raises AuditInvalid.

    A valid audit takes one pass of the typed model; an invalid one gets a second, slower pass that
    collects every problem (each null, each type error and each cross-field problem) so all are listed.
    """
    if not isinstance(data, Mapping):
        raise AuditInvalid([FieldProblem(field="(audit)", message="must be a JSON object of audit sections")])
    try:
        parsed = Audit.model_validate(data)
    except ValidationError:
        pass
    else:
        values = flatten(parsed)
        problems = _cross_field_problems(values, today)
        if not problems:
            return ValidAudit(values)
        raise AuditInvalid(sorted(problems, key=lambda p: p.field))
    problems, cleaned = _null_problems(data)
    try:
        Audit.model_validate(cleaned)
    except ValidationError as error:
        problems.extend(_problems_from(error))
    problems.extend(_cross_field_problems(_typed_values(data), today))
    first_per_field = {problem.field: problem for problem in reversed(problems)}  # a null is not also 'missing'
    raise AuditInvalid(sorted(first_per_field.values(), key=lambda p: p.field))
