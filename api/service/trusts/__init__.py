"""Trust dashboards, one module a view: summary, schools table, trend, exports, benchmark and overview.

Each view reads each school's latest complete report (see :mod:`api.storage.queries`); the aggregation runs in
SQL, and Python only shapes the few rows that come back into the typed results of
:mod:`api.service.trusts.models`. Comparing two standards versions (impact) is part of :mod:`api.service.lifecycle`.
"""
