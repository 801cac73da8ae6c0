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
