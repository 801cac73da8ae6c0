"""Japanese first, English second: Flask-Babel with one catalogue per UI area, dates in
JST, fiscal years as 令和N年度."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from flask import Flask, g, request
from flask_babel import Babel, format_date, format_datetime, get_locale

from common.clock import as_utc
from common.fiscal import fiscal_year_label

LOCALES = ("ja", "en")
LANG_COOKIE = "tsunagu_lang"
TRANSLATIONS = Path(__file__).parent / "translations"


def select_locale() -> str:
    chosen = g.get("lang") or request.cookies.get(LANG_COOKIE)
    if chosen in LOCALES:
        return str(chosen)
    best = request.accept_languages.best_match(LOCALES)
    # Japanese unless the browser prefers English over Japanese.
    return "en" if best == "en" and request.accept_languages.quality("ja") == 0 else "ja"


def translation_directories() -> str:
    areas = sorted(p for p in TRANSLATIONS.iterdir() if p.is_dir())
    return ";".join(str(p) for p in areas)


def install_i18n(app: Flask) -> Babel:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "ja")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Tokyo")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = translation_directories()
    babel = Babel(app, locale_selector=select_locale, timezone_selector=lambda: "Asia/Tokyo")

    app.add_template_filter(format_jst, "jst")
    app.add_template_filter(format_jst_date, "jst_date")

    @app.template_filter("fy")
    def fy(value: int | str) -> str:
        return fiscal_year_label(int(value), locale())

    @app.context_processor
    def _locale_context() -> dict[str, object]:
        return {"current_locale": locale(), "locales": LOCALES}

    return babel


def locale() -> str:
    return str(get_locale() or "ja")


def _moment(value: str | datetime | None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return as_utc(value)


def format_jst(value: str | datetime | None, fmt: str = "medium") -> str:
    """An aware moment (or ISO string) in JST: ``2026/11/26 14:30`` (``fmt="date"``: the day)."""
    moment = _moment(value)
    if moment is None:
        return ""
    if fmt == "date":
        return format_date(moment, "yyyy/MM/dd") if locale() == "ja" else format_date(moment)
    if locale() == "ja":
        return format_datetime(moment, "yyyy/MM/dd HH:mm")
    return format_datetime(moment, "yyyy-MM-dd HH:mm")


def format_jst_date(value: str | date | None) -> str:
    """A calendar date (no time of day) as ``2026/11/26``."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return value.strftime("%Y/%m/%d") if locale() == "ja" else value.isoformat()
