"""Who is asking, and what they may read.

Roles: `auditor` reads everything; `regulator` reads complaints, their timelines and the
quarterly reports (no claim, no policy: a claim carries the insured's personal data);
`reporting` reads aggregate figures only.

Identities come from authenticators (one interface, `Authenticator`): API tokens sent as
`Authorization: Bearer`, and a signed session cookie set by the login page after it checked a
token. An OpenID Connect authenticator would be one more implementation that maps a verified ID
token's claims to a `Principal`. Tokens are never stored: settings hold their scrypt (or SHA-256)
hashes.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from itsdangerous import BadSignature, URLSafeTimedSerializer
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request


class Role(enum.StrEnum):
    AUDITOR = "auditor"
    REGULATOR = "regulator"
    REPORTING = "reporting"


class Permission(enum.StrEnum):
    COMPLAINTS = "complaints"
    """Complaints: the list, each complaint, its timeline and deadlines."""
    CLAIMS = "claims"
    """Property and travel claims, assistance cases, policies: every calculation and document."""
    REPORTS = "reports"
    """The quarterly complaint reports and when each was produced."""
    AGGREGATES = "aggregates"
    """Counts only: breaches by party and rule."""
    AUDIT = "audit"
    """State as of a moment, verification runs and checkpoints."""
    OPERATIONS = "operations"
    """The Prometheus metrics."""


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.AUDITOR: frozenset(Permission),
    Role.REGULATOR: frozenset({Permission.COMPLAINTS, Permission.REPORTS, Permission.AGGREGATES}),
    Role.REPORTING: frozenset({Permission.REPORTS, Permission.AGGREGATES, Permission.OPERATIONS}),
}


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: the token's name (never the token), its role, and how."""

    name: str
    role: Role
    via: str

    def may(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]


# -- token hashes ---------------------------------------------------------------------------

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_token(token: str, *, salt: bytes | None = None) -> str:
    """`scrypt$N$r$p$salt$hash` (base64): what settings hold instead of the token."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(token.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def token_matches(token: str, stored: str) -> bool:
    """Whether `token` hashes to `stored` (`scrypt$…` or `sha256$<hex>`), in constant time."""
    scheme, _, rest = stored.partition("$")
    if scheme == "sha256":
        return hmac.compare_digest(hashlib.sha256(token.encode()).hexdigest(), rest.lower())
    if scheme == "scrypt":
        n, r, p, salt, digest = rest.split("$")
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            token.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
        return hmac.compare_digest(actual, expected)
    return False


class TokenEntry(BaseModel):
    """One configured token: its role, a name for the logs, and its hash."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Role
    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    hash: str = Field(
        pattern=r"^(scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+|sha256\$[0-9a-fA-F]{64})$"
    )


class TokenSettingsError(ValueError):
    """LEDGER_WEB_TOKENS cannot be read."""


def parse_token_entries(text: str) -> list[TokenEntry]:
    """`LEDGER_WEB_TOKENS`: a JSON list of {role, name, hash}, or a comma list of role:name:hash."""
    text = text.strip()
    if not text:
        return []
    raw: list[Any]
    if text.startswith("["):
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as error:
            raise TokenSettingsError(f"LEDGER_WEB_TOKENS is not valid JSON ({error.msg})") from None
    else:
        raw = []
        for number, part in enumerate(filter(None, (p.strip() for p in text.split(","))), 1):
            fields = part.split(":")
            if len(fields) != 3:
                raise TokenSettingsError(
                    f"LEDGER_WEB_TOKENS entry {number} is not role:name:hash "
                    f"(e.g. auditor:audit-team:scrypt$16384$8$1$…)"
                )
            raw.append(dict(zip(("role", "name", "hash"), fields, strict=True)))
    entries = []
    for number, item in enumerate(raw, 1):
        try:
            entries.append(TokenEntry.model_validate(item))
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
            )
            raise TokenSettingsError(
                f"LEDGER_WEB_TOKENS entry {number}: {problems} (roles: "
                f"{', '.join(r.value for r in Role)}; hash: scrypt$… or sha256$<64 hex>)"
            ) from None
    names = [e.name for e in entries]
    if len(set(names)) != len(names):
        raise TokenSettingsError("LEDGER_WEB_TOKENS: two entries have the same name")
    return entries


class TokenRegistry:
    """The configured tokens. A token verified once is remembered by its SHA-256 (never kept in
    clear), so scrypt is paid once per token and process, not once per request."""

    def __init__(self, entries: Iterable[TokenEntry]) -> None:
        self.entries = {e.name: e for e in entries}
        self._verified: dict[bytes, str] = {}

    def verify(self, token: str, via: str) -> Principal | None:
        if not token or len(token) > 512:
            return None
        fingerprint = hashlib.sha256(token.encode()).digest()
        name = self._verified.get(fingerprint)
        if name is None:
            name = next(
                (e.name for e in self.entries.values() if token_matches(token, e.hash)), None
            )
            if name is None:
                return None
            self._verified[fingerprint] = name
        entry = self.entries.get(name)
        return None if entry is None else Principal(entry.name, entry.role, via)

    def principal(self, name: str, role: str, via: str) -> Principal | None:
        """The principal a session names, if its token is still configured with that role."""
        entry = self.entries.get(name)
        if entry is None or entry.role.value != role:
            return None
        return Principal(entry.name, entry.role, via)


# -- authenticators -------------------------------------------------------------------------


class Authenticator(Protocol):
    """Finds who sent a request, or None. Implementations: bearer tokens, session cookies; an
    OIDC authenticator would verify an ID token and map its claims to a role."""

    def authenticate(self, request: Request) -> Principal | None: ...


class BearerTokenAuthenticator:
    def __init__(self, registry: TokenRegistry) -> None:
        self.registry = registry

    def authenticate(self, request: Request) -> Principal | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        return self.registry.verify(token.strip(), via="bearer")


SESSION_COOKIE = "ledger_session"


class SessionCookies:
    """Signed (HMAC, itsdangerous) session cookies naming the token's name and role; they
    expire after `max_age` seconds, and stop working when the token is removed from settings."""

    def __init__(self, registry: TokenRegistry, secret: str, max_age: int) -> None:
        self.registry = registry
        self.max_age = max_age
        self._serializer = URLSafeTimedSerializer(secret, salt="claims-ledger-web-session")

    def issue(self, principal: Principal) -> str:
        return self._serializer.dumps({"name": principal.name, "role": principal.role.value})

    def authenticate(self, request: Request) -> Principal | None:
        cookie = request.cookies.get(SESSION_COOKIE)
        if not cookie:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=self.max_age)
        except BadSignature:
            return None
        if not isinstance(data, dict):
            return None
        return self.registry.principal(str(data.get("name")), str(data.get("role")), "session")


class AuthenticatorChain:
    """The first authenticator that recognises the request wins."""

    def __init__(self, authenticators: Sequence[Authenticator]) -> None:
        self.authenticators = list(authenticators)

    def authenticate(self, request: Request) -> Principal | None:
        for authenticator in self.authenticators:
            principal = authenticator.authenticate(request)
            if principal is not None:
                return principal
        return None
