"""Use case: score audits against the standards catalogue (shared by the CLI and the web service).

Chooses the standards version (the one asked for, or the newest national version in effect on the
audit date), keeps one compiled :class:`api.engine.scoring.Scorer` per version, and validates before it
scores, so an invalid audit is never scored in part.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from api.contract.validation import ValidAudit, validate_audit
from api.engine.report import GapReport
from api.engine.scoring import Scorer
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

    def validate_and_score(self, data: Any, ref: str | None = None, *, today: dt.date | None = None) -> GapReport:
        """The gap report of a decoded audit, validated first (dated no later than ``today``).

        Raises AuditInvalid listing every problem, StandardsNotFound for an unknown ``ref``.
        """
        return self.score(validate_audit(data, today=today), ref)
