"""Use case: score audits against the standards catalogue (shared by the CLI and the web service).

Chooses the standards version (the one asked for, or the newest national version in effect on the
audit date), keeps one compiled :class:`api.engine.scoring.Scorer` per version, and validates before it
scores, so an invalid audit is never scored in part.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from api.contract.fields import FieldSpec
from api.contract.kinds import FieldKind, parse_date
from api.contract.questions import ENVELOPE, QuestionSet, field_specs
from api.contract.validation import ValidAudit, validate_audit
from api.engine.report import GapReport
from api.engine.scoring import Scorer
from api.errors import StandardsNotFound
from api.rules.catalog import Catalog, Standards

DEFAULT_SET = "national"


def answers_for(audit: ValidAudit, asked: Mapping[str, FieldSpec]) -> ValidAudit:
    """The answers of ``audit`` to the ``asked`` questions (by field path; same id and kind), with the envelope."""
    kept = {
        path: value
        for path, value in audit.values.items()
        if path in ENVELOPE or path == "audit_date" or (path in asked and _same_kind(value, asked[path].kind))
    }
    return audit if len(kept) == len(audit.values) else ValidAudit(kept)


def _same_kind(value: Any, kind: FieldKind) -> bool:
    """Whether an answer (as validated) has the shape of a question of ``kind``."""
    match kind:
        case FieldKind.flag:
            return isinstance(value, bool)
        case FieldKind.whole_number:
            return isinstance(value, int) and not isinstance(value, bool)
        case FieldKind.number:
            return isinstance(value, int | float) and not isinstance(value, bool)
        case FieldKind.date:
            return value is None or isinstance(value, dt.date)
        case FieldKind.statement:
            return isinstance(value, Mapping)
        case _:
            return isinstance(value, str)


def current_version(catalog: Catalog, today: dt.date, set_name: str = DEFAULT_SET) -> Standards:
    """The version of ``set_name`` (default national) in effect on ``today``, or its newest version when none is in
    effect yet. What ``oap fields`` lists without ``--standards``. Raises StandardsNotFound when the set has none."""
    try:
        return catalog.for_date(today, set_name)
    except StandardsNotFound:
        return catalog.newest(set_name)


class ScoringService:
    """Scores audits; holds the catalogue and a compiled scorer per standards version."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._scorers: dict[str, Scorer] = {}
        self._asked: dict[str, Mapping[str, FieldSpec]] = {}

    def scorer(self, standards: Standards) -> Scorer:
        """The compiled scorer of a loaded version (compiled on first use, then kept)."""
        found = self._scorers.get(standards.ref)
        if found is None:
            found = self._scorers[standards.ref] = Scorer(standards)
        return found

    def choose(self, audit: ValidAudit, ref: str | None = None) -> Standards:
        """The version asked for (``SET@VERSION``), or the newest national version in effect on the audit date.

        Raises StandardsNotFound when there is no such version.
        """
        if ref is not None:
            return self.catalog.get(ref)
        return self.catalog.for_date(audit.audit_date, DEFAULT_SET)

    def score(self, audit: ValidAudit, ref: str | None = None) -> GapReport:
        """The gap report of a validated audit against ``ref`` (or the version in effect); raises StandardsNotFound."""
        return self.scorer(self.choose(audit, ref)).score(audit)

    def _version_of(self, data: Any, ref: str | None) -> Standards | None:
        """The version a decoded audit will be scored against, when it can be told before validation: ``ref``, or
        the national version in effect on a readable ``audit_date``; None otherwise."""
        try:
            if ref is not None:
                return self.catalog.get(ref)
            raw = data.get("audit_date") if isinstance(data, Mapping) else None
            day = parse_date(raw) if raw is not None else None
            return self.catalog.for_date(day, DEFAULT_SET) if day is not None else None
        except (StandardsNotFound, ValueError):
            return None

    def questions_for(self, audit_date: Any, ref: str | None = None) -> QuestionSet:
        """The questions an audit dated ``audit_date`` (as given: ISO text, a date, or None) is validated by, as
        :meth:`validate` chooses them: those of ``ref``, or of the national version in effect on that date, or the
        newest national version's when neither can be told (no readable date, an unknown ``ref``). Used to read
        a CSV row by its version's questions. Raises StandardsNotFound only when there is no national set."""
        standards = self._version_of({"audit_date": audit_date}, ref)
        return (standards or self.catalog.newest(DEFAULT_SET)).questions

    def validate(
        self, data: Any, ref: str | None = None, *, today: dt.date | None = None
    ) -> tuple[ValidAudit, Standards]:
        """A decoded audit validated by the questions of the version it will be scored against (``ref``, or the
        version in effect on its date), and that version. When the version cannot be told first (no readable
        date, an unknown ``ref``) the newest national version's questions list the problems. Raises AuditInvalid
        listing every problem, StandardsNotFound for an unknown ``ref`` or a date no version was in effect on."""
        standards = self._version_of(data, ref)
        if standards is None:
            valid = validate_audit(data, today=today, questions=self.catalog.newest(DEFAULT_SET).questions)
            return valid, self.choose(valid, ref)
        return validate_audit(data, today=today, questions=standards.questions), standards

    def validate_stored(self, body: Any, questions_set: str, questions_version: str) -> ValidAudit:
        """A stored audit body validated again by the questions it answered (those of ``questions_set@version``,
        recorded when it was submitted), never by today's. Raises AuditInvalid listing every problem,
        StandardsNotFound when that version is no longer in the standards."""
        standards = self.catalog.get(f"{questions_set}@{questions_version}")
        return validate_audit(body, questions=standards.questions)

    def score_stored(self, audit: ValidAudit, standards: Standards) -> GapReport:
        """The report of a stored audit under ``standards``, which may ask other questions than the audit answered:
        only the answers to questions ``standards`` also asks, of the same kind, are read; a question it asks that
        the audit lacks leaves its rules not assessed."""
        asked = self._asked.get(standards.ref)
        if asked is None:
            asked = self._asked[standards.ref] = field_specs(standards.questions)
        return self.scorer(standards).score(answers_for(audit, asked))

    def validate_and_score(self, data: Any, ref: str | None = None, *, today: dt.date | None = None) -> GapReport:
        """The gap report of a decoded audit, validated first by its version's questions (dated no later than
        ``today``). Raises AuditInvalid listing every problem, StandardsNotFound for an unknown ``ref``."""
        valid, standards = self.validate(data, ref, today=today)
        return self.scorer(standards).score(valid)
