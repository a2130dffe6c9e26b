"""Identity state: consent grants, authorization codes, refresh and access tokens.

Pure state over the world clock; the HTTP endpoints live in ``authorize`` and ``token``.
Callers hold ``World.lock`` around every method. Semantics (Entra's, see README):

* a grant is one user's consent to one app; revoking a user revokes all their grants;
* codes live 10 minutes and redeem once;
* refresh tokens rotate: each use issues a new one, the old one stays valid (as Entra) until
  the grant is revoked or it expires (90 days);
* access tokens are opaque random strings (as Graph's must be treated), valid for the world's
  ``access_token_lifetime`` seconds, dead at once when their grant is revoked.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

CODE_LIFETIME = timedelta(minutes=10)
REFRESH_LIFETIME = timedelta(days=90)


def _new_secret(prefix: str, nbytes: int = 48) -> str:
    return prefix + secrets.token_urlsafe(nbytes)


@dataclass
class Grant:
    id: str
    user_id: str
    client_id: str
    scopes: list[str]
    created_at: datetime
    revoked_at: datetime | None = None


@dataclass
class AuthCode:
    code: str
    grant_id: str
    client_id: str
    redirect_uri: str
    scopes: list[str]
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    expires_at: datetime
    redeemed: bool = False


@dataclass
class RefreshToken:
    token: str
    grant_id: str
    client_id: str
    scopes: list[str]
    issued_at: datetime
    expires_at: datetime


@dataclass
class AccessToken:
    token: str
    user_id: str
    client_id: str
    scopes: list[str]
    issued_at: datetime
    expires_at: datetime
    grant_id: str | None = None
    revoked: bool = False


@dataclass
class IdentityState:
    """Everything the identity platform remembers."""

    grants: dict[str, Grant] = field(default_factory=dict)
    codes: dict[str, AuthCode] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    access_tokens: dict[str, AccessToken] = field(default_factory=dict)

    def new_grant(self, user_id: str, client_id: str, scopes: list[str], now: datetime) -> Grant:
        grant = Grant(secrets.token_hex(16), user_id, client_id, list(scopes), now)
        self.grants[grant.id] = grant
        return grant

    def new_code(self, grant: Grant, **fields: Any) -> AuthCode:
        now: datetime = fields.pop("now")
        code = AuthCode(
            code=_new_secret("1.A", 96), grant_id=grant.id, expires_at=now + CODE_LIFETIME, **fields
        )
        self.codes[code.code] = code
        return code

    def new_refresh_token(self, grant: Grant, scopes: list[str], now: datetime) -> RefreshToken:
        token = RefreshToken(
            _new_secret("1.R", 96),
            grant.id,
            grant.client_id,
            list(scopes),
            now,
            now + REFRESH_LIFETIME,
        )
        self.refresh_tokens[token.token] = token
        return token

    def new_access_token(
        self,
        user_id: str,
        client_id: str,
        scopes: list[str],
        now: datetime,
        lifetime: float,
        grant_id: str | None = None,
    ) -> AccessToken:
        token = AccessToken(
            _new_secret("EwB", 96),
            user_id,
            client_id,
            list(scopes),
            now,
            now + timedelta(seconds=lifetime),
            grant_id,
        )
        self.access_tokens[token.token] = token
        return token

    def is_revoked(self, grant_id: str | None) -> bool:
        if grant_id is None:
            return False
        grant = self.grants.get(grant_id)
        return grant is None or grant.revoked_at is not None

    def revoke_user(self, user_id: str, now: datetime) -> int:
        """Revoke every grant of a user and kill their access tokens; returns grants revoked."""
        count = 0
        for grant in self.grants.values():
            if grant.user_id == user_id and grant.revoked_at is None:
                grant.revoked_at = now
                count += 1
        for token in self.access_tokens.values():
            if token.user_id == user_id:
                token.revoked = True
        return count

    def prune(self, now: datetime) -> None:
        """Forget expired codes and access tokens (bounded memory)."""
        for key in [k for k, c in self.codes.items() if c.expires_at < now - CODE_LIFETIME]:
            del self.codes[key]
        dead = [k for k, t in self.access_tokens.items() if t.expires_at < now - timedelta(days=1)]
        for key in dead:
            del self.access_tokens[key]

    # persistence -------------------------------------------------------------------
    def to_state(self) -> dict[str, Any]:
        def dump(items: dict[str, Any]) -> list[dict[str, Any]]:
            return [_encode(asdict(item)) for item in items.values()]

        return {
            "grants": dump(self.grants),
            "codes": dump(self.codes),
            "refresh_tokens": dump(self.refresh_tokens),
            "access_tokens": dump(self.access_tokens),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> IdentityState:
        result = cls()
        for raw in state.get("grants", []):
            grant = Grant(**_decode(raw))
            result.grants[grant.id] = grant
        for raw in state.get("codes", []):
            code = AuthCode(**_decode(raw))
            result.codes[code.code] = code
        for raw in state.get("refresh_tokens", []):
            rt = RefreshToken(**_decode(raw))
            result.refresh_tokens[rt.token] = rt
        for raw in state.get("access_tokens", []):
            at = AccessToken(**_decode(raw))
            result.access_tokens[at.token] = at
        return result


_TIME_FIELDS = {"created_at", "revoked_at", "expires_at", "issued_at"}


def _encode(raw: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if k in _TIME_FIELDS and v else v) for k, v in raw.items()}


def _decode(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (datetime.fromisoformat(v) if k in _TIME_FIELDS and v else v) for k, v in raw.items()
    }
