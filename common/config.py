"""Settings, read once from the environment into a frozen object.

Every process (service, worker, gateway, launcher) calls :func:`load_settings`
once at start-up; tests build :class:`Settings` with overrides via
:func:`load_settings` and an explicit ``environ`` mapping.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

SERVICES: tuple[str, ...] = ("auth", "cases", "referrals", "reports", "line")
"""The back-end services, in start-up order."""

PORT_OFFSETS: Mapping[str, int] = MappingProxyType(
    {"gateway": 0, "auth": 1, "cases": 2, "referrals": 3, "reports": 4, "line": 5}
)
"""Each process listens on ``TSUNAGU_PORT`` + its offset, so stacks can run side by side."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from exc


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number, got {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    """Every setting of a Tsunagu process. See the README's settings table."""

    data_dir: Path
    host: str
    port: int
    database_urls: Mapping[str, str]
    service_urls: Mapping[str, str]
    broker_url: str
    broker_namespace: str
    public_url: str
    admin_email: str | None
    admin_password: str | None
    demo: bool
    keys_dir: Path
    secret_key: str | None
    principal_private_key: str | None
    principal_public_key: str | None
    data_key: str | None
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    principal_ttl_seconds: int = 300
    session_cache_seconds: float = 5.0
    login_failure_limit: int = 5
    login_failure_window_minutes: int = 15
    invitation_days: int = 7
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    web_workers: int = 2
    web_threads: int = 4
    upstream_timeout_seconds: float = 10.0
    relay_poll_seconds: float = 0.05
    consumer_poll_seconds: float = 0.05
    broker_visibility_timeout: float = 30.0
    small_cell_threshold: int = 5
    secure_cookies: bool = False
    log_level: str = "INFO"
    log_format: str = "json"
    extra: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    mail_url: str = ""
    """``maildir://<path>`` (default ``<data dir>/mail``), ``smtp://host:port`` or
    ``smtps://user:password@host:port`` (common.mail)."""
    mail_from: str = "Tsunagu <no-reply@localhost>"
    max_body_bytes: int = 1024 * 1024
    """A request body larger than this is refused (413) before it is read."""
    max_import_bytes: int = 10 * 1024 * 1024 + 64 * 1024
    """The same, for a spreadsheet upload (the file and its form's parts)."""
    runtime_dir: Path = field(default_factory=lambda: _runtime_dir(os.environ))
    """Per-boot scratch files that must not share the data disk (the metrics files)."""
    service_key: str | None = None
    """The secret behind internal calls' service credential (common.servicekey); read from
    the keys dir when not given."""
    line_api_url: str = "https://api.line.me"
    """The LINE Messaging API (``TSUNAGU_LINE_API_URL``); the demo and tests point it at a
    local LINE simulator."""
    line_data_api_url: str = "https://api-data.line.me"
    """Where message content (images, files) is downloaded from; the API URL itself when
    ``TSUNAGU_LINE_API_URL`` is set and ``TSUNAGU_LINE_DATA_API_URL`` is not."""

    def database_url(self, service: str) -> str:
        return self.database_urls[service]

    def service_url(self, name: str) -> str:
        return self.service_urls[name]

    def service_port(self, name: str) -> int:
        return self.port + PORT_OFFSETS[name]

    @property
    def embedded(self) -> bool:
        """True when running with no servers: SQLite files and the SQLite broker."""
        return self.broker_url.startswith("sqlite")


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read every ``TSUNAGU_*`` variable once. Missing values take embedded-mode defaults."""
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("TSUNAGU_DATA_DIR") or "instance").resolve()
    host = env.get("TSUNAGU_HOST") or "127.0.0.1"
    port = _int(env, "TSUNAGU_PORT", 8000)

    database_urls = {}
    for service in SERVICES:
        default = f"sqlite:///{data_dir / (service + '.sqlite3')}"
        database_urls[service] = env.get(f"TSUNAGU_{service.upper()}_DATABASE_URL") or default

    service_urls = {}
    for name, offset in PORT_OFFSETS.items():
        default = f"http://{host}:{port + offset}"
        service_urls[name] = (env.get(f"TSUNAGU_{name.upper()}_URL") or default).rstrip("/")

    broker_url = env.get("TSUNAGU_BROKER_URL") or f"sqlite://{data_dir / 'broker.sqlite3'}"
    public_url = (env.get("TSUNAGU_PUBLIC_URL") or service_urls["gateway"]).rstrip("/")

    return Settings(
        data_dir=data_dir,
        host=host,
        port=port,
        database_urls=MappingProxyType(database_urls),
        service_urls=MappingProxyType(service_urls),
        broker_url=broker_url,
        broker_namespace=env.get("TSUNAGU_BROKER_NAMESPACE") or "tsunagu",
        public_url=public_url,
        admin_email=env.get("TSUNAGU_ADMIN_EMAIL") or None,
        admin_password=env.get("TSUNAGU_ADMIN_PASSWORD") or None,
        demo=_bool(env.get("TSUNAGU_DEMO"), True),
        keys_dir=Path(env.get("TSUNAGU_KEYS_DIR") or data_dir / "keys").resolve(),
        secret_key=env.get("TSUNAGU_SECRET_KEY") or None,
        principal_private_key=env.get("TSUNAGU_PRINCIPAL_PRIVATE_KEY") or None,
        principal_public_key=env.get("TSUNAGU_PRINCIPAL_PUBLIC_KEY") or None,
        data_key=env.get("TSUNAGU_DATA_KEY") or None,
        session_idle_minutes=_int(env, "TSUNAGU_SESSION_IDLE_MINUTES", 30),
        session_absolute_hours=_int(env, "TSUNAGU_SESSION_ABSOLUTE_HOURS", 12),
        principal_ttl_seconds=_int(env, "TSUNAGU_PRINCIPAL_TTL_SECONDS", 300),
        session_cache_seconds=_float(env, "TSUNAGU_SESSION_CACHE_SECONDS", 5.0),
        login_failure_limit=_int(env, "TSUNAGU_LOGIN_FAILURE_LIMIT", 5),
        login_failure_window_minutes=_int(env, "TSUNAGU_LOGIN_FAILURE_WINDOW_MINUTES", 15),
        invitation_days=_int(env, "TSUNAGU_INVITATION_DAYS", 7),
        argon2_time_cost=_int(env, "TSUNAGU_ARGON2_TIME_COST", 3),
        argon2_memory_kib=_int(env, "TSUNAGU_ARGON2_MEMORY_KIB", 65536),
        web_workers=_int(env, "TSUNAGU_WEB_WORKERS", 2),
        web_threads=_int(env, "TSUNAGU_WEB_THREADS", 4),
        upstream_timeout_seconds=_float(env, "TSUNAGU_UPSTREAM_TIMEOUT_SECONDS", 10.0),
        relay_poll_seconds=_float(env, "TSUNAGU_RELAY_POLL_SECONDS", 0.05),
        consumer_poll_seconds=_float(env, "TSUNAGU_CONSUMER_POLL_SECONDS", 0.05),
        broker_visibility_timeout=_float(env, "TSUNAGU_BROKER_VISIBILITY_TIMEOUT", 30.0),
        small_cell_threshold=_int(env, "TSUNAGU_SMALL_CELL_THRESHOLD", 5),
        secure_cookies=_bool(env.get("TSUNAGU_SECURE_COOKIES"), public_url.startswith("https:")),
        log_level=(env.get("TSUNAGU_LOG_LEVEL") or "INFO").upper(),
        log_format=env.get("TSUNAGU_LOG_FORMAT") or "json",
        extra=MappingProxyType({k: v for k, v in env.items() if k.startswith("TSUNAGU_X_")}),
        mail_url=env.get("TSUNAGU_MAIL_URL") or f"maildir://{data_dir / 'mail'}",
        mail_from=env.get("TSUNAGU_MAIL_FROM") or _default_sender(public_url),
        service_key=env.get("TSUNAGU_SERVICE_KEY") or None,
        max_body_bytes=_int(env, "TSUNAGU_MAX_BODY_BYTES", 1024 * 1024),
        max_import_bytes=_int(env, "TSUNAGU_MAX_IMPORT_BYTES", 10 * 1024 * 1024 + 64 * 1024),
        runtime_dir=_runtime_dir(env),
        **_line_urls(env),
    )


def _line_urls(env: Mapping[str, str]) -> dict[str, str]:
    api = (env.get("TSUNAGU_LINE_API_URL") or "").rstrip("/")
    data = (env.get("TSUNAGU_LINE_DATA_API_URL") or "").rstrip("/")
    if not api:
        return {"line_data_api_url": data} if data else {}
    return {"line_api_url": api, "line_data_api_url": data or api}


def _runtime_dir(env: Mapping[str, str]) -> Path:
    """``TSUNAGU_RUNTIME_DIR``, else ``$XDG_RUNTIME_DIR/tsunagu``, else a per-user folder
    under the temporary directory — never the data folder: files memory-mapped there
    (prometheus' multiprocess metrics) turn a full data disk into SIGBUS in web workers."""
    if explicit := env.get("TSUNAGU_RUNTIME_DIR"):
        return Path(explicit).resolve()
    if xdg := env.get("XDG_RUNTIME_DIR"):
        return Path(xdg) / "tsunagu"
    import tempfile

    return Path(tempfile.gettempdir()) / f"tsunagu-{os.getuid()}"


def _default_sender(public_url: str) -> str:
    from urllib.parse import urlsplit

    host = urlsplit(public_url).hostname or "localhost"
    if "." not in host or host.replace(".", "").isdigit():
        host = "localhost"
    return f"Tsunagu <no-reply@{host}>"
