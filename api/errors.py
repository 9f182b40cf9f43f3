"""The one error hierarchy of the checker.

Every error a person or a program can meet is one of these. Each carries an HTTP status, a stable
machine-readable ``code``, a command-line exit status and a message that says how to put the request right;
the web layer renders them as problem+json (RFC 9457) and the CLI prints them as plain text, never as a
traceback, and exits with ``exit_code`` (1, or 2 for a usage error).

    OapError                      500  internal
    ├── ConfigError               500  config_invalid        a setting is missing or unsafe
    ├── StandardsError            500  standards_invalid     a standards file is broken (file, line, rule id)
    ├── StandardsNotFound         404  standards_not_found   no such set or version
    ├── AuditInvalid              422  audit_invalid         an audit breaks the input contract (every problem by field)
    ├── InputFileError            400  input_invalid         a file or stream of audits cannot be read
    ├── RequestInvalid            400  request_invalid       a query or header is malformed (named in the message)
    ├── NotAuthenticated          401  not_authenticated     no key, or a key that is unknown, revoked or expired
    ├── Forbidden                 403  forbidden             the key may see this object but not do this
    ├── NotFound                  404  not_found             no such object, or not one this key may see
    ├── Conflict                  409  conflict              e.g. an idempotency key reused with another body
    ├── PayloadTooLarge           413  payload_too_large     the request body is over the limit
    ├── DatabaseUnavailable       503  database_unavailable  the database cannot be reached; nothing was written
    └── UsageError                400  usage                 the command line is wrong (exit status 2)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One problem with one field: the dotted path and what is wrong, in plain English."""

    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        return {"field": self.field, "message": self.message}


class OapError(Exception):
    """Base of every error the checker raises on purpose."""

    status: int = 500
    code: str = "internal"
    title: str = "Something went wrong"
    exit_code: int = 1
    """The ``oap`` command's exit status when this error ends it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class StandardsProblem:
    """One problem in a standards file, located by file, line and the id of what it is about where known: a rule
    (``subject`` "rule"), a question or a field ("question", "field")."""

    file: str
    line: int | None
    rule: str | None
    message: str
    subject: str = "rule"

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        rule = f" [{self.subject} {self.rule}]" if self.rule else ""
        return f"{where}{rule}: {self.message}"


class StandardsError(OapError):
    """A standards file (or set of files) cannot be loaded; lists every problem found."""

    status = 500
    code = "standards_invalid"
    title = "The standards files are invalid"

    def __init__(self, problems: Sequence[StandardsProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


class StandardsNotFound(OapError):
    """A set or version that is not in the catalogue."""

    status = 404
    code = "standards_not_found"
    title = "No such standards version"


class AuditInvalid(OapError):
    """An audit breaks the input contract. Lists every problem by field path; nothing is scored."""

    status = 422
    code = "audit_invalid"
    title = "The audit is not valid"

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        summary = "; ".join(f"{p.field}: {p.message}" for p in self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''}: {summary}")


class InputFileError(OapError):
    """A file of audits cannot be read at all (unknown format, broken encoding, not JSON …)."""

    status = 400
    code = "input_invalid"
    title = "The input cannot be read"


class ConfigError(OapError):
    """A setting is missing or unsafe for the environment."""

    status = 500
    code = "config_invalid"
    title = "The service is not configured safely"


class RequestInvalid(OapError):
    """A query parameter or header is malformed."""

    status = 400
    code = "request_invalid"
    title = "The request is not valid"


class NotAuthenticated(OapError):
    """No API key, or one that is unknown, revoked or expired."""

    status = 401
    code = "not_authenticated"
    title = "An API key is needed"


class Forbidden(OapError):
    """The key may see the object but not do this to it (e.g. a governor submitting an audit)."""

    status = 403
    code = "forbidden"
    title = "Not allowed"


class NotFound(OapError):
    """No such object, or not one this key may see (the two are indistinguishable on purpose)."""

    status = 404
    code = "not_found"
    title = "Not found"


class Conflict(OapError):
    """The request conflicts with what is stored (an idempotency key reused with a different body)."""

    status = 409
    code = "conflict"
    title = "Conflict"


class PayloadTooLarge(OapError):
    """The request body is larger than the configured limit."""

    status = 413
    code = "payload_too_large"
    title = "The request body is too large"


class DatabaseUnavailable(OapError):
    """The database cannot be reached; nothing was written."""

    status = 503
    code = "database_unavailable"
    title = "The database is unavailable"


class UsageError(OapError):
    """The command line asks for something that cannot be done (exit status 2, as argparse's own usage errors)."""

    status = 400
    exit_code = 2
    code = "usage"
    title = "Usage error"
