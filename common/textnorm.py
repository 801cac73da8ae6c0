"""Search keys for Japanese names: width-, case- and kana-insensitive.

``ﾔﾏﾀﾞ``, ``ヤマダ``, ``やまだ`` and ``ＹＡＭＡＤＡ``/``yamada`` each normalise to one key,
so a support worker finds a person however the name was typed.
"""

from __future__ import annotations

import unicodedata

_KATAKANA_START = 0x30A1  # ァ
_KATAKANA_END = 0x30F6  # ヶ
_KANA_SHIFT = 0x60  # ァ (U+30A1) - ぁ (U+3041)


def search_key(text: str | None) -> str:
    """NFKC (half-width → full-width kana, full-width → ASCII), katakana → hiragana,
    case-folded, with all whitespace removed."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text).casefold()
    out = []
    for char in folded:
        code = ord(char)
        if _KATAKANA_START <= code <= _KATAKANA_END:
            char = chr(code - _KANA_SHIFT)
        if not char.isspace():
            out.append(char)
    return "".join(out)
