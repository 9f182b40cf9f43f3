"""Sessions for pages: a signed, HttpOnly, SameSite cookie naming the signed-in key, with a CSRF token.

The cookie holds the key's public id and a random CSRF token, signed with OAP_SECRET_KEY; the key's secret
is checked once, at sign-in, and the key is re-checked for revocation on every request. Share links are
signed tokens naming a share-link row, which can expire or be revoked.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from api.errors import Forbidden, NotAuthenticated

COOKIE = "oap_session"
ANON_COOKIE = "oap_csrf"
SESSION_SECONDS = 8 * 60 * 60


def _signer(request: Request, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.services.settings.secret_key, salt=salt)


def read_session(request: Request) -> dict[str, Any] | None:
    """The signed-in session, or None (no cookie, a tampered one, or one older than eight hours)."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        data: dict[str, Any] = _signer(request, "session").loads(raw, max_age=SESSION_SECONDS)
    except BadSignature:
        return None
    return data


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def start_session(request: Request, response: Response, key_id: str) -> None:
    """Sign in: set the session cookie naming ``key_id`` on ``response``."""
    value = _signer(request, "session").dumps({"k": key_id, "c": secrets.token_urlsafe(16)})
    response.set_cookie(
        COOKIE, value, max_age=SESSION_SECONDS, httponly=True, samesite="lax", secure=_secure(request), path="/"
    )


def end_session(response: Response) -> None:
    """Sign out: clear the session cookie on ``response``."""
    response.delete_cookie(COOKIE, path="/")


def csrf_token(request: Request, response: Response | None = None) -> str:
    """The CSRF token for forms: the session's, or (before sign-in) one kept in a signed cookie of its own."""
    session = read_session(request)
    if session is not None:
        return str(session["c"])
    raw = request.cookies.get(ANON_COOKIE)
    if raw:
        try:
            return str(_signer(request, "csrf").loads(raw, max_age=SESSION_SECONDS))
        except BadSignature:
            pass
    token = secrets.token_urlsafe(16)
    if response is not None:
        response.set_cookie(
            ANON_COOKIE,
            _signer(request, "csrf").dumps(token),
            max_age=SESSION_SECONDS,
            httponly=True,
            samesite="strict",
            secure=_secure(request),
            path="/",
        )
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    """Refuse a form post whose CSRF token does not match the session's (or the pre-sign-in cookie's): raises
    Forbidden; returns nothing when it matches."""
    expected = csrf_token(request)
    if not submitted or not secrets.compare_digest(expected, submitted):
        raise Forbidden("the form has expired or did not come from this service; go back, reload and try again")


def share_token(request: Request, share_id: str) -> str:
    """The signed token (URL-safe text) of a share link, naming its id."""
    return _signer(request, "share").dumps(share_id)


def share_id_from(request: Request, token: str) -> str:
    """The share link a token names; raises NotAuthenticated for a token this service did not sign."""
    try:
        return str(_signer(request, "share").loads(token))
    except BadSignature:
        raise NotAuthenticated("this share link is not valid; check you copied all of it") from None
