"""The documented report (GapReportOut and its parts, for OpenAPI) has exactly the fields of the engine's typed
report body (ReportBody and its parts, what the engine writes and mypy checks): neither can drift from the other."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from api.engine import report_body
from api.rules.catalog import StandardsIdentity
from api.web.schemas import reports, standards

PAIRS = [
    (report_body.ReportBody, reports.GapReportOut),
    (report_body.SchoolBody, reports.SchoolBrief),
    (report_body.DomainBody, reports.DomainOut),
    (report_body.ResultBody, reports.ResultOut),
    (report_body.MeasuredBody, reports.Measured),
    (report_body.GapBody, reports.GapOut),
    (report_body.MessageBody, reports.MessageOut),
    (report_body.SourceBody, reports.SourceOut),
    (StandardsIdentity, standards.StandardsIdentity),
]


@pytest.mark.parametrize(("body", "documented"), PAIRS, ids=[body.__name__ for body, _ in PAIRS])
def test_documented_report_has_the_fields_the_engine_writes(body: type, documented: type[BaseModel]) -> None:
    assert list(body.__annotations__) == list(documented.model_fields), f"{body.__name__} ≠ {documented.__name__}"
