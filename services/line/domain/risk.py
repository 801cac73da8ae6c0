"""A first reading of risk from what a LINE user writes, so the desk sees the most urgent
conversations first. A counsellor's judgement replaces it; words only ever raise it."""

from __future__ import annotations

from enum import StrEnum

from common.textnorm import search_key


class Risk(StrEnum):
    NONE = "none"
    WATCH = "watch"
    HIGH = "high"


ORDER = {Risk.HIGH: 0, Risk.WATCH: 1, Risk.NONE: 2}
"""The queue's first sort key: high first."""

HIGH_WORDS = (
    "死にたい",
    "しにたい",
    "自殺",
    "消えたい",
    "きえたい",
    "殺して",
    "飛び降り",
    "首を吊",
    "リストカット",
    "オーバードーズ",
    "遺書",
)
WATCH_WORDS = (
    "つらい",
    "辛い",
    "しんどい",
    "助けて",
    "たすけて",
    "限界",
    "眠れない",
    "暴力",
    "殴られ",
    "いなくなりたい",
)


_HIGH = tuple(search_key(w) for w in HIGH_WORDS)
_WATCH = tuple(search_key(w) for w in WATCH_WORDS)


def risk_of_text(text: str) -> Risk:
    """Width-, case- and kana-insensitive (common.textnorm): しにたい and シニタイ read alike."""
    folded = search_key(text)
    if any(w in folded for w in _HIGH):
        return Risk.HIGH
    if any(w in folded for w in _WATCH):
        return Risk.WATCH
    return Risk.NONE


def raised(current: str, reading: Risk) -> Risk:
    """The higher of the two: a calm message does not lower an earlier alarm."""
    now = Risk(current)
    return reading if ORDER[reading] < ORDER[now] else now
