"""Every process Tsunagu runs, by name."""

from __future__ import annotations

from pathlib import Path

from common.config import SERVICES

ROOT = Path(__file__).resolve().parent.parent

WEB_APPS = {
    "gateway": "gateway:create_app()",
    **{service: f"services.{service}:create_app()" for service in SERVICES},
}
WORKERS = {service: f"services.{service}:SERVICE" for service in SERVICES}
"""Each service's definition (common.service), whose ``run_worker`` is its worker process."""


def migrations_dir(service: str) -> Path:
    return ROOT / "services" / service / "migrations"


LINE_SIMULATOR_PORT_VARIABLE = "TSUNAGU_X_LINE_SIMULATOR_PORT"
"""Set by ``make run`` when it starts the LINE simulator for the demo (its port); the
supervisor starts the simulator and the demo seeder finds it by it."""
