"""Persistence: tables, the database engine, migrations and keyword-only data-access functions."""
