"""Reads for trust dashboards, agreements and the standards lifecycle, in SQLAlchemy Core, one module a subject.

The central idea is each school's *latest report* (:mod:`api.storage.queries.latest`): the school's most recent
audit (by audit date, then by when it was stored; an audit replaced by a correction does not count) whose report
is not incomplete, and that audit's report against the standards version asked for or, when none is asked for,
the report made when it was submitted. A newer audit whose report is incomplete is only flagged. Every roll-up
joins that to the ``findings`` rows and aggregates with ``count``, ``sum``, ``avg`` and ``group by``: the work
stays in the database, each school costing a few index lookups and its own findings rows, and only aggregates
come back. The same SQL runs on SQLite and PostgreSQL.

Functions are keyword-only and named ``verb_noun``; ``select_*`` ones build statements, the others run them.
Writes live in :mod:`api.storage.repository`.
"""
