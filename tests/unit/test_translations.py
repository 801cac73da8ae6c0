"""Every Japanese catalogue is complete, and no translation drops or invents a placeholder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

CATALOGUES = sorted(
    (Path(__file__).resolve().parents[2] / "gateway" / "translations").glob(
        "*/ja/LC_MESSAGES/messages.po"
    )
)
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def test_there_is_a_core_catalogue() -> None:
    assert any(p.parts[-4] == "core" for p in CATALOGUES)


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parts[-4])
def test_every_message_is_translated_with_the_same_placeholders(path: Path) -> None:
    with path.open("rb") as handle:
        catalog = read_po(handle)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        msgstr = message.string if isinstance(message.string, str) else message.string[0]
        if not msgstr:
            problems.append(f"untranslated: {msgid!r}")
        elif sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(msgstr)):
            problems.append(f"placeholders differ: {msgid!r} -> {msgstr!r}")
    assert not problems, "\n".join(problems)


def _table(path: Path) -> dict[str, str]:
    with path.open("rb") as handle:
        return {str(m.id): str(m.string) for m in read_po(handle) if m.id and m.string}


def test_a_msgid_means_the_same_in_every_area() -> None:
    """All areas share one gettext domain: if two catalogues translate one msgid differently,
    whichever loads first silently wins on every page."""
    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for path in CATALOGUES:
        area = path.parts[-4]
        for msgid, msgstr in _table(path).items():
            if msgid in seen and seen[msgid][1] != msgstr:
                clashes.append(f"{msgid!r}: {seen[msgid][0]}={seen[msgid][1]!r} {area}={msgstr!r}")
            seen.setdefault(msgid, (area, msgstr))
    assert not clashes, "\n".join(clashes)
