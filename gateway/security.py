"""Security headers and CSRF checks for the gateway."""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, Response, request, session

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'; object-src 'none'"
)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def security_headers(*, secure: bool, cacheable: bool = False) -> list[tuple[str, str]]:
    """Headers every answer carries. Pages and API answers carry personal data: no cache may
    keep them (only static files are ``cacheable``)."""
    headers = [
        ("Content-Security-Policy", CSP),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        # Invitation links carry a secret in the path: never leak it as a referrer.
        ("Referrer-Policy", "no-referrer"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]
    if secure:
        headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    if not cacheable:
        headers.append(("Cache-Control", "no-store"))
    return headers


def install_security_headers(app: Flask, *, secure: bool) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        static = request.path.startswith("/static/")
        for name, value in security_headers(secure=secure or request.is_secure, cacheable=static):
            response.headers[name] = value
        return response


def tokens_match(expected: str | None, given: str | None) -> bool:
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def anonymous_csrf_token() -> str:
    """A token for forms shown before sign-in (login, invitation), kept in the signed
    Flask session cookie: it stops cross-site sign-in (login CSRF)."""
    token = session.get("pre_csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["pre_csrf"] = token
    return str(token)
