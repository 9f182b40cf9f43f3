"""The adjusted report: a report's score with the rules of active agreed exceptions left out, beside the raw one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Engine

from api.service import audits
from api.service.access import Principal
from api.service.agreements.exceptions import exception_view
from api.service.agreements.models import AdjustedReport, Adjustment, ReportException
from api.service.scoring import ScoringService
from api.storage.db import session_scope
from api.storage.queries import agreements

_HALF_CREDITS = {"met": 2, "partially_met": 1, "not_met": 0}
ADJUSTED_NOTE = (
    "The adjusted score leaves out every rule with an active agreed exception: such a rule counts neither for nor "
    "against the school. An expired or withdrawn exception no longer counts. The raw score is the report as scored."
)


def _score(weights: int, halves: int) -> float | None:
    """100 × halves ÷ (2 × weights), rounded half up to one decimal, as the engine computes it."""
    if weights == 0:
        return None
    return ((1000 * halves + weights) // (2 * weights)) / 10


def adjust_report(
    *, report: Mapping[str, Any], excepted: Iterable[str], bands: Sequence[tuple[str, float]]
) -> Adjustment:
    """The score (0 to 100, or None when nothing counts) and band of a report (its ``results``) with the
    ``excepted`` rules left out of both sums (not counted).

    ``bands`` are (id, min_score) of the report's standards version. A statutory rule not met still caps the band,
    and an incomplete report (``complete`` false) keeps the lowest band: an exception leaves rules out, it does not
    answer the questions left blank.
    """
    skip = set(excepted)
    weights = halves = 0
    capped_by = []
    for result in report.get("results", []):
        credit = _HALF_CREDITS.get(result["status"])
        if credit is None or result["rule"] in skip:
            continue
        weights += int(result["weight"])
        halves += int(result["weight"]) * credit
        if credit == 0 and result["basis"] == "statutory":
            capped_by.append(result["rule"])
    score = _score(weights, halves)
    band = None
    ordered = sorted(bands, key=lambda item: item[1])
    incomplete = report.get("complete") is False
    if (score is not None or incomplete) and ordered:
        band = ordered[0][0]
        if score is not None and not capped_by and not incomplete:
            for candidate, minimum in ordered:
                if score >= minimum:
                    band = candidate
    return Adjustment(score=score, band=band, capped_by=sorted(capped_by))


def get_adjusted_report(
    *,
    engine: Engine,
    scoring: ScoringService,
    principal: Principal,
    audit_id: str,
    today: dt.date,
    standards: str | None = None,
) -> AdjustedReport:
    """An audit's report (against SET@VERSION ``standards``, or its submission report) with its raw score, its score
    adjusted for the exceptions active ``today``, and the school's exceptions.

    Raises NotFound (an audit this key may not see) and StandardsNotFound.
    """
    report = audits.get_audit_report(
        engine=engine, scoring=scoring, principal=principal, audit_id=audit_id, standards=standards
    )
    urn = report["school"]["urn"]
    with session_scope(engine) as session:
        rows = agreements.list_exceptions(session=session, urn=urn)
    identity = report["standards"]
    version = scoring.catalog.get(f"{identity['set']}@{identity['version']}")
    in_report = {result["rule"] for result in report.get("results", [])}
    views = [
        ReportException(**exception_view(row, today=today).model_dump(), in_report=row.rule in in_report)
        for row in rows
    ]
    excepted = {view.rule for view in views if view.counted and view.in_report}
    adjusted = adjust_report(
        report=report, excepted=excepted, bands=[(band.id, band.min_score) for band in version.bands]
    )
    labels = {band.id: band.label for band in version.bands}
    return AdjustedReport(
        audit_id=audit_id,
        standards=f"{identity['set']}@{identity['version']}",
        raw_score=report["score"],
        raw_band=report["band"],
        adjusted_score=adjusted.score,
        adjusted_band=adjusted.band,
        adjusted_band_label=labels.get(adjusted.band) if adjusted.band else None,
        adjusted_capped_by=adjusted.capped_by,
        excluded_rules=sorted(excepted),
        note=ADJUSTED_NOTE,
        exceptions=views,
        report=report,
    )
