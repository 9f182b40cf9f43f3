"""Writing a batch of parsed rows: GIAS rows to schools and trusts, census rows to prefilled draft audits.

Each writer parses a row (raising RowRejected) and writes a batch in one transaction, with plain values (no ORM
objects for 50,000 rows), adding what it did to the import's counts (named as the fields of ImportSummary).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Engine

from api.imports import census, gias
from api.imports.columns import RowRejected, cell
from api.service.imports.plan import Plan
from api.service.imports.summary import RowProblem
from api.storage import repository
from api.storage.db import session_scope
from api.storage.tables import DraftRow, SchoolRow, TrustRow, utcnow


class GiasWriter:
    """Schools and trusts from GIAS rows, a batch at a time (plain values: no ORM objects for 50,000 rows)."""

    def __init__(self, engine: Engine, positions: dict[str, int]) -> None:
        self.engine = engine
        self.positions = positions
        self.trusts_done: set[str] = set()  # trusts already written in this run: the first row naming one wins

    def parse(self, cells: Sequence[str]) -> gias.Establishment | None:
        """The establishment on one row; raises RowRejected saying what is wrong."""
        return gias.parse(cells, self.positions)

    def write(self, batch: Sequence[tuple[int, Any]], counts: Counter[str]) -> list[RowProblem]:
        """Write a batch of ``(line, Establishment)``, adding to ``counts``; returns no problems (GIAS has none)."""
        establishments: list[gias.Establishment] = [record for _, record in batch]
        wanted: dict[str, str] = {}
        for item in establishments:
            if item.trust is not None and item.trust[0] not in self.trusts_done:
                wanted.setdefault(*item.trust)
        now = utcnow()
        with session_scope(self.engine) as session:
            names = repository.get_trust_names(session=session, trust_ids=list(wanted))
            new_trusts = [
                {"id": i, "name": n, "created_at": now, "updated_at": now} for i, n in wanted.items() if i not in names
            ]
            renamed = [
                {"id": i, "name": n, "updated_at": now} for i, n in wanted.items() if i in names and names[i] != n
            ]
            repository.insert_rows(session=session, table=TrustRow, rows=new_trusts)
            repository.update_rows(session=session, table=TrustRow, rows=renamed)
            stored = repository.get_school_values(session=session, urns=[item.urn for item in establishments])
            new_schools: list[dict[str, Any]] = []
            changed: list[dict[str, Any]] = []
            for item in establishments:
                before = stored.get(item.urn)
                if before is None:
                    new_schools.append({"urn": item.urn, **item.fields, "created_at": now, "updated_at": now})
                elif any(before[name] != value for name, value in item.fields.items()):
                    changed.append({"urn": item.urn, **item.fields, "updated_at": now})
            repository.insert_rows(session=session, table=SchoolRow, rows=new_schools)
            repository.update_rows(session=session, table=SchoolRow, rows=changed)
        self.trusts_done.update(wanted)
        counts["created"] += len(new_schools)
        counts["updated"] += len(changed)
        counts["unchanged"] += len(establishments) - len(new_schools) - len(changed)
        counts["trusts_created"] += len(new_trusts)
        counts["trusts_updated"] += len(renamed)
        return []


class CensusWriter:
    """Draft audits prefilled from SEN or workforce rows, a batch at a time."""

    def __init__(self, engine: Engine, plan: Plan, updated_by: str) -> None:
        self.engine = engine
        self.spec = census.FORMATS[plan.kind.value]
        self.positions = plan.positions
        self.period_start = plan.period_start
        self.origin = {"source": self.spec.source, "file": plan.file_name, "census": plan.census}
        self.updated_by = updated_by

    def parse(self, cells: Sequence[str]) -> census.SchoolFigures | None:
        """The row's figures, or None for a row this import does not cover (another year, not a school)."""
        if not census.is_school_level(cells, self.positions):
            return None
        if self.period_start is not None:
            text = cell(cells, self.positions, "period")
            start = census.period_start(text)
            if start is None:
                raise RowRejected(f"time_period is '{text}', which is not an academic year such as 202425")
            if start != self.period_start:
                return None
        return census.parse(self.spec, cells, self.positions)

    def write(self, batch: Sequence[tuple[int, Any]], counts: Counter[str]) -> list[RowProblem]:
        """Write a batch of ``(line, SchoolFigures)``, adding to ``counts``; returns the rows of unknown schools."""
        urns = [record.urn for _, record in batch]
        problems: list[RowProblem] = []
        new_drafts: list[dict[str, Any]] = []
        changed: list[dict[str, Any]] = []
        unchanged = 0
        now = utcnow()
        with session_scope(self.engine) as session:
            schools = repository.get_school_values(session=session, urns=urns)
            drafts = repository.get_draft_values(session=session, urns=urns)
            for line, figures in batch:
                if figures.urn not in schools:
                    problems.append(
                        RowProblem(line, f"there is no school with URN {figures.urn}; import the GIAS file first")
                    )
                    continue
                draft = drafts.get(figures.urn)
                if draft is None and not figures.values:
                    unchanged += 1
                    continue
                old_body = draft["body"] if draft else {"school": {"urn": figures.urn}}
                old_provenance = draft["provenance"] if draft else {}
                body, provenance = census.merge_prefill(old_body, old_provenance, figures.values, self.origin)
                values = {"body": body, "provenance": provenance, "updated_by": self.updated_by, "updated_at": now}
                if draft is None:
                    new_drafts.append({"school_urn": figures.urn, **values})
                elif body != old_body or provenance != old_provenance:
                    changed.append({"school_urn": figures.urn, **values})
                else:
                    unchanged += 1
            repository.insert_rows(session=session, table=DraftRow, rows=new_drafts)
            repository.update_rows(session=session, table=DraftRow, rows=changed)
        counts["created"] += len(new_drafts)
        counts["updated"] += len(changed)
        counts["unchanged"] += unchanged
        return problems
