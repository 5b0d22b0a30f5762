"""The web application's settings, from the environment only (`LEDGER_WEB_*`)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    """Who may sign in, and how the session cookie is kept."""

    model_config = SettingsConfigDict(env_prefix="LEDGER_WEB_", extra="ignore", frozen=True)

    tokens: SecretStr = Field(
        default=SecretStr(""),
        description="The API tokens, hashed: a JSON list of {role, name, hash} objects or a comma "
        "list of role:name:hash (make a hash with `claims-ledger serve --hash-token`).",
    )
    session_secret: SecretStr | None = Field(
        default=None,
        description="Key that signs session cookies; unset: a random key per process "
        "(sessions end when the server restarts).",
    )
    cookie_secure: bool = Field(
        default=True, description="Send the session cookie over HTTPS only (localhost excepted)."
    )
    session_hours: float = Field(default=8.0, gt=0, le=24 * 7)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
