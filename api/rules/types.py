"""The scalar types and the frozen base model that every model of a standards file shares: ids, versions,
field paths, limits and text, each refused when malformed."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints

RULE_ID = r"^[a-z][a-z0-9]*(\.[a-z0-9]+(-[a-z0-9]+)*)+$"
VERSION = r"^\d{4}\.\d+$"
SET_NAME = r"^[a-z][a-z0-9-]*$"
REF = r"^[a-z][a-z0-9-]*@\d{4}\.\d+$"

Text = Annotated[str, Strict(), StringConstraints(min_length=1, strip_whitespace=True)]
RuleId = Annotated[str, Strict(), StringConstraints(pattern=RULE_ID)]
FieldPath = Annotated[str, Strict(), StringConstraints(pattern=r"^[a-z_]+(\.[a-z0-9_]+)?$")]
Limit = Annotated[int, Strict()] | Annotated[float, Field(allow_inf_nan=False)]  # 80 stays 80, not 80.0
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class FrozenModel(BaseModel):
    """Base of every standards model: frozen, and unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)
