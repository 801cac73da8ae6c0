"""The page where a person plays LINE users (``GET /``)."""

from __future__ import annotations

from flask import Blueprint, render_template

from tsunagu.linesim.i18n import page_language, words

page = Blueprint(
    "linesim_page",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/_sim/static",
)

STICKERS = (("11537", "52002734"), ("11537", "52002738"), ("11538", "51626494"))
"""A few of LINE's free sample stickers (package, sticker) to send."""


@page.get("/")
def index() -> str:
    language = page_language()
    return render_template(
        "linesim/index.html",
        language=language,
        other_language="en" if language == "ja" else "ja",
        words=words(language),
        stickers=STICKERS,
    )
