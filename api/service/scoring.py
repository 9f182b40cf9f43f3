"""Use case: score audits against the standards catalogue (shared by the CLI and the web service).

Chooses the standards version (the one asked for, or the newest national version in effect on the
audit date), keeps one compiled :class:`api.engine.scoring.Scorer` per version, and validates before it
scores, so an invalid audit is never scored in part.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from api.contract.kinds import parse_date
from api.contract.validation import ValidAudit, validate_audit
from api.engine.report import GapReport
from api.engine.scoring import Scorer
from api.errors import StandardsNotFound
from api.rules.catalog import Catalog, Standards

DEFAULT_SET = "national"


class ScoringService:
    """Scores audits; holds the catalogue and a compiled scorer per standards version."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._scorers: dict[str, Scorer] = {}

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

    def validate(
        self, data: Any, ref: str | None = None, *, today: dt.date | None = None
    ) -> tuple[ValidAudit, Standards]:
        """A decoded audit validated by the questions of the version it will be scored against (``ref``, or the
        version in effect on its date), and that version. When the version cannot be told first (no readable
        date, an unknown ``ref``) the audit contract's problems come first. Raises AuditInvalid listing every
        problem, StandardsNotFound for an unknown ``ref`` or a date no version was in effect on."""
        standards = self._version_of(data, ref)
        if standards is None:
            valid = validate_audit(data, today=today)
            return valid, self.choose(valid, ref)
        return validate_audit(data, today=today, questions=standards.questions), standards

    def validate_and_score(self, data: Any, ref: str | None = None, *, today: dt.date | None = None) -> GapReport:
        """The gap report of a decoded audit, validated first by its version's questions (dated no later than
        ``today``). Raises AuditInvalid listing every problem, StandardsNotFound for an unknown ``ref``."""
        valid, standards = self.validate(data, ref, today=today)
        return self.scorer(standards).score(valid)
