"""Settings, read from the environment (prefix ``OAP_``) by :func:`get_settings`, never at import time.

Every setting has a description; ``tests/test_docs.py`` checks each one appears in the README.
Insecure defaults are refused outside development (:meth:`Settings.check_safe`).
"""

from __future__ import annotations

import enum
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.errors import ConfigError

DEV_SECRET = "development-only-secret-change-me"


class Environment(enum.StrEnum):
    """Where the service runs; production refuses insecure defaults."""

    development = "development"
    test = "test"
    production = "production"


class Settings(BaseSettings):
    """Everything the service can be told from outside."""

    model_config = SettingsConfigDict(env_prefix="OAP_", extra="ignore", frozen=True)

    environment: Environment = Field(
        Environment.development, description="development, test or production; production refuses unsafe defaults."
    )
    database_url: str = Field(
        "sqlite:///var/oap.db",
        description="SQLAlchemy URL: sqlite:///path/to/file.db (the default) or postgresql+psycopg://user@host/db.",
    )
    standards_dir: Path | None = Field(
        None, description="Folder of standards files (default: the standards/ folder of this checkout)."
    )
    host: str = Field("127.0.0.1", description="Address `oap serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `oap serve` listens on.")
    workers: int = Field(1, ge=1, le=64, description="Worker processes for `oap serve`.")
    max_body_bytes: int = Field(
        1_048_576, ge=1024, description="Largest request body accepted, in bytes; larger requests get 413."
    )
    max_import_bytes: int = Field(
        104_857_600,
        ge=1024,
        description="Largest public-data file accepted by POST /v1/imports (a full GIAS extract is about 60 MB).",
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Origins allowed to call the API from a browser (comma-separated); empty turns CORS off.",
    )
    secret_key: str = Field(DEV_SECRET, description="Signs session cookies and share links; must be set in production.")
    log_level: str = Field("INFO", description="Log level of the JSON logs on standard error.")
    page_size: int = Field(20, ge=1, le=200, description="Default number of items per page in listings.")
    db_pool_size: int = Field(5, ge=1, le=100, description="Database connections kept per worker (PostgreSQL).")

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    def check_safe(self) -> None:
        """Refuse to run in production with a development secret. Raises ConfigError."""
        if self.environment is Environment.production and self.secret_key == DEV_SECRET:
            raise ConfigError("OAP_SECRET_KEY must be set to a long random value in production")


def get_settings() -> Settings:
    """Settings from the environment (a new object each call, so tests can change the environment)."""
    return Settings()
