"""The glossary: the acronyms a report may use and their words, read strictly from ``standards/glossary.yaml``.

One file for every set and version, not a key of each standards file: published standards files never change, so a
glossary inside them could never gain a term, and a term (SENCO, EHC plan) means the same in every version. Reports
list, at their end, the terms they use (:meth:`Glossary.used_in`). The glossary changes no score and no stored
report, so it is not locked; a missing file is an empty glossary.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import Strict, StringConstraints, ValidationError

from api.errors import StandardsError, StandardsProblem
from api.rules.loader import PathKey, describe_error, line_of, read_mapping
from api.rules.types import FrozenModel, Text

GLOSSARY_FILE = "glossary.yaml"
Term = Annotated[str, Strict(), StringConstraints(pattern=r"^[A-Z][A-Za-z0-9]*( [a-z]+)?$")]


class GlossaryTerm(FrozenModel):
    """An acronym (``term``, e.g. "SENCO" or "EHC plan"), other spellings of it (``also``, e.g. "EHCP") and its
    words in plain English."""

    term: Term
    also: tuple[Term, ...] = ()
    words: Text


class GlossaryFile(FrozenModel):
    """The glossary file: its terms, in the order reports list them."""

    terms: tuple[GlossaryTerm, ...]


def _pattern(spellings: Iterable[str]) -> re.Pattern[str]:
    """A whole-word, case-sensitive match of any spelling, plural or not ("TA" finds "TAs" but not "TASK")."""
    words = "|".join(re.escape(spelling) for spelling in sorted(spellings, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9])(?:{words})s?(?![A-Za-z0-9])")


@dataclass(frozen=True, slots=True)
class Glossary:
    """The glossary's terms, in order."""

    terms: tuple[GlossaryTerm, ...] = ()
    _patterns: tuple[re.Pattern[str], ...] = field(default=(), repr=False, compare=False)

    @classmethod
    def of(cls, terms: Iterable[GlossaryTerm]) -> Glossary:
        """A glossary of ``terms``."""
        kept = tuple(terms)
        return cls(kept, tuple(_pattern((term.term, *term.also)) for term in kept))

    def used_in(self, texts: Iterable[str]) -> list[GlossaryTerm]:
        """The terms any of ``texts`` uses, in glossary order (each once)."""
        joined = "\n".join(texts)
        return [term for term, pattern in zip(self.terms, self._patterns, strict=True) if pattern.search(joined)]


EMPTY_GLOSSARY = Glossary()


def _term_at(raw: Any, key: PathKey) -> str | None:
    if len(key) >= 2 and key[0] == "terms" and isinstance(key[1], int):
        try:
            entry = raw["terms"][key[1]]
        except (KeyError, IndexError, TypeError):
            return None
        if isinstance(entry, Mapping) and entry.get("term") is not None:
            return str(entry["term"])
    return None


def load_glossary(root: Path) -> tuple[Glossary, list[StandardsProblem]]:
    """The glossary under ``root`` (empty when there is no file) and its problems: the file's types (unknown keys
    refused), and a spelling used by two terms."""
    path = root / GLOSSARY_FILE
    if not path.exists():
        return EMPTY_GLOSSARY, []
    try:
        _, raw, lines = read_mapping(path, GLOSSARY_FILE, "must be a mapping with terms")
    except StandardsError as error:
        return EMPTY_GLOSSARY, list(error.problems)
    try:
        content = GlossaryFile.model_validate(raw)
    except ValidationError as error:
        problems = []
        for item in error.errors(include_url=False):
            key: PathKey = tuple(item["loc"])
            inner = key[2:] if len(key) >= 2 and key[0] == "terms" else key
            message = describe_error({**item, "loc": inner})
            problems.append(StandardsProblem(GLOSSARY_FILE, line_of(lines, key), _term_at(raw, key), message, "term"))
        return EMPTY_GLOSSARY, problems
    problems = []
    seen: set[str] = set()
    for index, term in enumerate(content.terms):
        for spelling in (term.term, *term.also):
            if spelling in seen:
                line = line_of(lines, ("terms", index))
                message = f"'{spelling}' is listed twice"
                problems.append(StandardsProblem(GLOSSARY_FILE, line, term.term, message, "term"))
            seen.add(spelling)
    return (EMPTY_GLOSSARY if problems else Glossary.of(content.terms)), problems
