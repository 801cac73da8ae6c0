"""UI areas. Each area is a module or a package in this folder and exports:

- ``bp``: its Blueprint (a package's page-group modules add their pages to it);
- optionally ``NAV``: a list of :class:`NavItem` for the main navigation;
- optionally ``dashboard_cards() -> list[dict]`` for the home page.

Areas are discovered, so adding one touches no shared file. See docs/ui.md.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, url_for
from flask_login import current_user


@dataclass(frozen=True)
class NavItem:
    label: Any  # a lazy_gettext string
    endpoint: str
    permission: str | None = None
    order: int = 50
    visible: Callable[[], bool] | None = None

    def shown(self) -> bool:
        if not current_user.is_authenticated:
            return False
        if self.permission and not current_user.can(self.permission):
            return False
        return self.visible() if self.visible else True


def register_views(app: Flask) -> None:
    from gateway import ui

    nav: list[NavItem] = []
    cards: list[Callable[[], list[dict[str, Any]]]] = []
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        blueprint = getattr(module, "bp", None)
        if blueprint is None:
            continue
        app.register_blueprint(blueprint)
        nav.extend(getattr(module, "NAV", []))
        if hasattr(module, "dashboard_cards"):
            cards.append(module.dashboard_cards)
    nav.sort(key=lambda item: item.order)
    app.extensions["nav"] = nav
    app.extensions["dashboard_cards"] = cards
    ui.install(app)

    @app.context_processor
    def _nav() -> dict[str, Any]:
        items = [
            {"label": item.label, "url": url_for(item.endpoint), "endpoint": item.endpoint}
            for item in nav
            if item.shown()
        ]
        return {"nav_items": items}
