"""Prefill from public data: Get Information About Schools, SEN school-level statistics, the workforce census."""
