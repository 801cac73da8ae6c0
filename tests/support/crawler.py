"""Walks the web UI as a person does: every page reachable by a link, as one signed-in user,
and what a person would notice on each — a server error, a bare id, English in the Japanese
UI. Used by tests/e2e/test_walk_every_page.py."""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from tsunagu.demo.client import GatewayClient

UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I)
ENGLISH_RUN = re.compile(r"\b[A-Za-z][a-z]{2,}(?:[ ,'’-]+[A-Za-z][a-z]+){3,}")
"""Four or more English words in a row: a sentence, not a name or an abbreviation."""
SKIPPED_PATHS = ("/logout", "/static/", "/api/", "/line/webhook/")
SKIPPED_SUFFIXES = (".csv", ".xlsx", "/export", "/download")
ALLOWED_ENGLISH = ("Tsunagu", "Skip to content", "Japan Standard Time")
"""English a Japanese page may carry on purpose (the product's name, the skip link's
screen-reader twin is translated; these are checked elsewhere)."""


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.text: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._hidden += 1
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.text.append(data.strip())


@dataclass
class Finding:
    path: str
    problem: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.path}: {self.problem} {self.detail}".strip()


@dataclass
class Walk:
    visited: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def shape(path: str) -> str:
    """A page's kind: ids and query values left out (``/cases/{id}``, ``/cases/?cursor=``)."""
    parts = urlsplit(path)
    route = UUID.sub("{id}", parts.path)
    keys = sorted({pair.split("=", 1)[0] for pair in parts.query.split("&") if pair})
    return route + ("?" + "&".join(keys) if keys else "")


def walk(
    client: GatewayClient,
    start: str = "/",
    *,
    lang: str = "ja",
    limit: int = 400,
    per_shape: int = 3,
) -> Walk:
    """Breadth first from ``start`` over same-site GET links: every kind of page, up to
    ``per_shape`` of each kind (a list's later pages are their own kind), at most
    ``limit`` pages in all."""
    result = Walk()
    seen = {start}
    shapes: dict[str, int] = {}
    queue = deque([start])
    while queue and len(result.visited) < limit:
        path = queue.popleft()
        kind_of_page = shape(path)
        if shapes.get(kind_of_page, 0) >= per_shape:
            continue
        shapes[kind_of_page] = shapes.get(kind_of_page, 0) + 1
        response = client.request(
            "GET", path, headers={"Accept": "text/html", "Accept-Language": lang}, expect=None
        )
        result.visited.append(path)
        if response.status >= 500:
            result.findings.append(Finding(path, f"answered {response.status}"))
            continue
        if response.status == 404:
            result.findings.append(Finding(path, "a link leads to 404"))
            continue
        kind = dict((k.lower(), v) for k, v in response.headers).get("content-type", "")
        if response.status != 200 or "html" not in kind:
            continue
        page = _Page()
        page.feed(response.body.decode("utf-8", errors="replace"))
        text = "\n".join(page.text)
        result.findings.extend(_problems(path, text, lang))
        for href in page.links:
            target = _internal(path, href)
            if target and target not in seen:
                seen.add(target)
                queue.append(target)
    return result


def _internal(base: str, href: str) -> str | None:
    if href.startswith(("mailto:", "tel:", "javascript:", "#")):
        return None
    parts = urlsplit(urljoin("http://site" + base, href))
    if parts.netloc != "site":
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if path.startswith(SKIPPED_PATHS) or parts.path.endswith(SKIPPED_SUFFIXES):
        return None
    return path


def _problems(path: str, text: str, lang: str) -> list[Finding]:
    found = []
    lowered = text.lower()
    for marker in ("traceback", "internal server error", "werkzeug"):
        if marker in lowered:
            found.append(Finding(path, "shows server-error text", marker))
    for match in UUID.finditer(text):
        if text[max(0, match.start() - 1) : match.start()] == "/":
            continue  # part of a URL a person copies (a LINE channel's webhook URL)
        found.append(Finding(path, "shows a bare id", match.group(0)))
        break
    if lang == "ja":
        cleaned = text
        for allowed in ALLOWED_ENGLISH:
            cleaned = cleaned.replace(allowed, "")
        for match in ENGLISH_RUN.finditer(cleaned):
            found.append(Finding(path, "English in the Japanese UI", repr(match.group(0))))
            break
    return found
