"""The demo that ``make run`` seeds on a first start (unless ``TSUNAGU_DEMO=0``).

Everything is created through the gateway's public API, as people would: the platform
admin creates two consortia and their members, invites their people, who accept;
then each area module (``tsunagu/demo/<area>.py`` with ``seed(ctx)``) adds its records.
A marker file in the data folder makes later starts only print the logins.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from pathlib import Path

from common.config import Settings
from tsunagu.bootstrap import DEFAULT_ADMIN_EMAIL
from tsunagu.demo.context import DemoContext
from tsunagu.demo.identity import seed_identity

MARKER = "demo.json"
AREA_ORDER = ("cases", "referrals", "reports", "line")


def _banner(ctx_or_logins: dict[str, dict[str, str]], password: str) -> str:
    lines = ["", "Demo logins (password for all: " + password + "):"]
    for key, login in ctx_or_logins.items():
        lines.append(f"  {login['email']:<44} {login['org']} — {login['role']}  [{key}]")
    return "\n".join(lines) + "\n"


def seed_demo(settings: Settings, admin_password: str | None) -> str | None:
    marker = settings.data_dir / MARKER
    if marker.exists():
        saved = json.loads(marker.read_text())
        if saved.get("line_channel_id"):
            from tsunagu.demo.line import reconnect

            reconnect(settings, saved["line_channel_id"])
        return _banner(saved["logins"], saved["password"])
    if not admin_password:
        return (
            "\nDemo not seeded: set TSUNAGU_ADMIN_PASSWORD (the platform admin signs in "
            "to create it), or start with an empty data folder.\n"
        )
    ctx = DemoContext(settings, settings.admin_email or DEFAULT_ADMIN_EMAIL, admin_password)
    seed_identity(ctx)
    for area in _areas():
        module = importlib.import_module(f"{__name__}.{area}")
        module.seed(ctx)
    saved = {"logins": ctx.logins, "password": ctx.password}
    if ctx.shared.get("line_channel_id"):
        saved["line_channel_id"] = ctx.shared["line_channel_id"]
    marker.write_text(json.dumps(saved, ensure_ascii=False, indent=2))
    return _banner(ctx.logins, ctx.password)


def _areas() -> list[str]:
    present = {m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)])}
    return [a for a in AREA_ORDER if a in present]
