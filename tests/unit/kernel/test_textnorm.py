from __future__ import annotations

import pytest

from common.textnorm import search_key


@pytest.mark.parametrize("typed", ["ﾔﾏﾀﾞ", "ヤマダ", "やまだ", "ヤ マ ダ", " やまだ　"])
def test_names_match_whatever_kana_or_width_was_typed(typed: str) -> None:
    assert search_key(typed) == search_key("やまだ")


def test_full_width_latin_and_case_are_folded() -> None:
    assert search_key("ＹＡＭＡＤＡ Taro") == search_key("yamadataro")


def test_kanji_is_kept() -> None:
    assert search_key("山田 太郎") == "山田太郎"


def test_empty_is_empty() -> None:
    assert search_key(None) == ""
