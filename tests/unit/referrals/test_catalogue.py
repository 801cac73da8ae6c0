"""All UI areas share one gettext domain, so a msgid means one thing everywhere: the referrals
catalogue must translate every msgid it shares with another area exactly as that area does
(otherwise whichever catalogue loads first silently wins on every page)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[3] / "gateway" / "translations"
OURS = TRANSLATIONS / "referrals" / "ja" / "LC_MESSAGES" / "messages.po"
OTHERS = sorted(p for p in TRANSLATIONS.glob("*/ja/LC_MESSAGES/messages.po") if p != OURS)


def catalogue(path: Path) -> dict[str, str]:
    with path.open("rb") as handle:
        return {str(m.id): str(m.string) for m in read_po(handle) if m.id and m.string}


@pytest.mark.parametrize("other", OTHERS, ids=lambda p: p.parts[-4])
def test_shared_msgids_are_translated_the_same_way(other: Path) -> None:
    ours, theirs = catalogue(OURS), catalogue(other)
    different = {k: (ours[k], theirs[k]) for k in set(ours) & set(theirs) if ours[k] != theirs[k]}
    assert not different, different
