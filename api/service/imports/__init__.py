"""Use cases for importing public data files (admin only): the import itself, and import jobs over the API.

* ``gias``: the Get Information About Schools establishment extract creates and updates schools and their
  trusts. A closed establishment is marked closed, never deleted; a school missing from the file is left alone.
* ``sen`` and ``workforce``: the school-level SEN and workforce census files prefill each known school's draft
  audit, recording in the draft's ``provenance`` where each value came from. A value the school typed is never
  overwritten; an unknown URN is a rejected row (a school is never created from these files).

Modules: :mod:`.summary` (what an import is and what it did), :mod:`.plan` (checking a file before a row is
written), :mod:`.writers` (writing a batch of rows), :mod:`.files` (importing a file now) and :mod:`.jobs`
(an upload queued and run in the background).
"""
