"""What every audit model shares: the base of its sections (unknown fields refused, null only where a field allows
it), the school envelope (the URN) and the text pattern of free text. The audit model of a version is built from
its questions (:mod:`api.contract.question_model`).

A self-audit holds aggregate figures only (no pupil-level or personal data). It is a JSON object of
sections (``school``, ``pupils``, ``senco`` …); CSV columns are the dotted paths (``senco.protected_fte``).

Absent and null mean different things and the distinction is kept all the way to the engine:

* a field that is **absent** was not answered, so rules that need it are *not assessed*;
* a date field given as **null** means "there is none" (for example no accessibility plan at all).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints, field_validator, model_validator
from pydantic_core import PydanticCustomError

from api.contract.kinds import Date, Flag, InclusionBase, Number, Percent, Phase, SencoQualification, WholeNumber

NULL_FORBIDDEN = "null_forbidden"
"""The pydantic error type of a null given for a field that does not allow it (``ctx["field"]`` names it)."""


class Section(BaseModel):
    """Base of every audit section: unknown fields are refused; null only where a field allows it."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
    nullable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _refuse_null(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            for name, value in data.items():
                if value is None and name in cls.model_fields and name not in cls.nullable:
                    raise PydanticCustomError(NULL_FORBIDDEN, "{field}: null is not allowed here", {"field": name})
        return data


TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$"
"""Free text of an audit: no control characters but tab and line breaks."""


class SchoolEnvelope(Section):
    """What every audit says of its school whatever its standards: the URN."""

    urn: str = Field(
        description="Unique reference number: 6 digits, as in Get Information About Schools.",
        examples=["112515"],
    )

    @field_validator("urn", mode="before")
    @classmethod
    def _urn_digits(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or len(value) != 6 or not value.isdigit():
            raise ValueError("must be the school's 6-digit unique reference number (URN), for example 112515")
        return value


# The static model of national@2025.1 and national@2026.1, for the form only (through api.contract.fields.FIELDS):
# delete from here to the end of the file (with the imports only it uses) when api/web/forms.py no longer imports
# FIELDS and SECTIONS, together with the end of api/contract/fields.py.


class School(SchoolEnvelope):
    """Who the school is."""

    name: Annotated[str, StringConstraints(pattern=TEXT_PATTERN)] | None = Field(
        None, max_length=200, description="The school's name."
    )
    phase: Phase | None = Field(None, description="Phase of education.")
    sites: Annotated[int, Strict(), Field(ge=1)] | None = Field(
        None, description="Number of separate sites (absent: 1)."
    )
    receives_imf: Flag | None = Field(
        None, description="Does the school receive the Inclusive Mainstream Fund (2026-27 onwards)?"
    )


class Pupils(Section):
    """Numbers of pupils, from the school's own records or the January census."""

    on_roll: WholeNumber | None = Field(None, description="Pupils on roll.")
    sen_support: WholeNumber | None = Field(None, description="Pupils on SEN support (no EHC plan).")
    ehcp: WholeNumber | None = Field(None, description="Pupils with an education, health and care plan.")


class Senco(Section):
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


class Staffing(Section):
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


class Training(Section):
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


class Environment(Section):
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


class Leadership(Section):
    """Leadership of SEND and inclusion."""

    nullable: ClassVar[frozenset[str]] = frozenset({"inclusion_strategy_reviewed_on"})

    slt_senco_qualified: WholeNumber | None = Field(
        None, description="Members of the senior leadership team who hold a SENCO qualification."
    )
    inclusion_strategy_reviewed_on: Date | None = Field(
        None, description="When the inclusion strategy was published or last reviewed (null: none published)."
    )


class Governance(Section):
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


class Published(Section):
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


class Outcomes(Section):
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
