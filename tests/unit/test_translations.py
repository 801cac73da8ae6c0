"""Japanese lives in one place: each UI area's gettext catalogue. Every catalogue is
complete, keeps its placeholders, holds exactly the msgids its sources use, and shares no
msgid with another; no gateway Python or template carries Japanese outside a msgid."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
GATEWAY = ROOT / "gateway"
CATALOGUES = sorted((GATEWAY / "translations").glob("*/ja/LC_MESSAGES/messages.po"))
PLACEHOLDER = re.compile(r"%\(\w+\)s")
JAPANESE = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
GETTEXT = {"_", "_l", "gettext", "lazy_gettext", "ngettext"}
# A template may name the product and the languages in their own script.
TEMPLATE_WORDS = {"つなぐ", "日本語"}
JINJA_CODE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)


def _table(path: Path) -> dict[str, str]:
    with path.open("rb") as handle:
        return {str(m.id): str(m.string or "") for m in read_po(handle) if m.id}


def test_there_is_a_core_catalogue() -> None:
    assert any(p.parts[-4] == "core" for p in CATALOGUES)


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parts[-4])
def test_every_message_is_translated_with_the_same_placeholders(path: Path) -> None:
    problems = []
    for msgid, msgstr in _table(path).items():
        if not msgstr:
            problems.append(f"untranslated: {msgid!r}")
        elif sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(msgstr)):
            problems.append(f"placeholders differ: {msgid!r} -> {msgstr!r}")
    assert not problems, "\n".join(problems)


def test_a_msgid_lives_in_exactly_one_catalogue() -> None:
    """All areas share one gettext domain: a msgid in two catalogues could mean two things,
    and whichever loads first would silently win on every page."""
    seen: dict[str, str] = {}
    twice = []
    for path in CATALOGUES:
        area = path.parts[-4]
        for msgid in _table(path):
            if msgid in seen:
                twice.append(f"{msgid!r} in {seen[msgid]} and {area}")
            seen[msgid] = area
    assert not twice, "\n".join(twice)


def test_the_catalogues_hold_exactly_what_the_sources_use() -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import extract_messages
    finally:
        sys.path.remove(str(ROOT / "tools"))
    messages = extract_messages.collect()
    stale = []
    for area in extract_messages.areas():
        wanted = {m.msgid for m in messages.values() if extract_messages.home(m) == area}
        have = set(_table(extract_messages.catalogue_path(area)))
        stale += [f"{area}: missing {m!r}" for m in sorted(wanted - have)]
        stale += [f"{area}: unused {m!r}" for m in sorted(have - wanted)]
    assert not stale, "run python tools/extract_messages.py\n" + "\n".join(stale)


def _strings_outside_gettext(tree: ast.AST) -> list[ast.Constant]:
    inside: set[int] = set()
    docstrings: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in GETTEXT and node.args:
                inside.update(id(n) for n in ast.walk(node.args[0]))
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant)
        and isinstance(n.value, str)
        and id(n) not in inside
        and id(n) not in docstrings
    ]


def test_no_gateway_python_carries_japanese_outside_a_msgid() -> None:
    found = []
    for path in sorted(GATEWAY.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in _strings_outside_gettext(tree):
            if JAPANESE.search(node.value):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}")
    assert not found, "put the Japanese in the area's catalogue:\n" + "\n".join(found)


def test_no_template_carries_japanese_outside_a_msgid() -> None:
    found = []
    for path in sorted((GATEWAY / "templates").rglob("*.html")):
        text = JINJA_CODE.sub(" ", path.read_text(encoding="utf-8"))
        for word in TEMPLATE_WORDS:
            text = text.replace(word, " ")
        for line_no, line in enumerate(text.splitlines(), 1):
            if JAPANESE.search(line):
                found.append(f"{path.relative_to(ROOT)}:{line_no}: {line.strip()[:80]}")
    assert not found, "put the Japanese in the area's catalogue:\n" + "\n".join(found)


def test_no_side_file_holds_translations() -> None:
    """The catalogue is the one home: no Python table of Japanese beside it."""
    allowed = {"babel.cfg", "messages.po", "messages.mo"}
    extra = [
        str(p.relative_to(ROOT))
        for p in (GATEWAY / "translations").rglob("*")
        if p.is_file() and p.name not in allowed
    ]
    assert not extra, extra
