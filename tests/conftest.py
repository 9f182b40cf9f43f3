"""Shared fixtures: the real standards catalogue and helpers to build audits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pytest

from api.audit import ValidAudit, validate_audit
from api.engine.scoring import Scorer
from api.rules.catalog import Catalog, load_catalog

TODAY = dt.date(2026, 11, 24)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The catalogue under standards/, loaded exactly as the CLI and service load it."""
    return load_catalog()


def merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``extra`` laid over it, section by section."""
    out: dict[str, Any] = {key: dict(value) if isinstance(value, Mapping) else value for key, value in base.items()}
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key].update(value)
        else:
            out[key] = value
    return out


def minimal_audit(**sections: Any) -> dict[str, Any]:
    """The smallest valid audit (date and URN) plus the given sections."""
    return merge({"audit_date": "2026-11-01", "school": {"urn": "100000"}}, sections)


def valid(data: Mapping[str, Any]) -> ValidAudit:
    """Validate an audit as the service does (today fixed for repeatability)."""
    return validate_audit(data, today=TODAY)


def score(catalog: Catalog, ref: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON gap report of ``data`` under ``ref``."""
    return Scorer(catalog.get(ref)).score(valid(data)).to_dict()
