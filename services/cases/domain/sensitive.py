"""The dictionary of 要配慮個人情報 terms (APPI art. 2(3)): words that, written in a free
text such as a consultation summary, mean the text likely carries sensitive information — an
illness, a disability, treatment, a criminal record. The writer is warned and chooses: move
the text into a sensitive note, or keep it marked sensitive (shown only to roles with
sensitive-read, shared only under a consent naming ``sensitive``).

Matching folds width, case and kana (common.textnorm), so 「ｳﾂ病」 finds 「うつ病」. Each org
adds its own terms to the defaults. Pure: no storage."""

from __future__ import annotations

from collections.abc import Iterable

from common.textnorm import search_key

DEFAULT_TERMS: tuple[str, ...] = (
    # illness and treatment (病歴・診療)
    "病気",
    "病院",
    "通院",
    "入院",
    "服薬",
    "投薬",
    "処方",
    "診断",
    "精神科",
    "心療内科",
    "うつ病",
    "統合失調症",
    "双極性",
    "パニック障害",
    "適応障害",
    "依存症",
    # disability (障害)
    "障害",
    "障がい",
    "発達障害",
    "自閉症",
    "ADHD",
    "知的障害",
    "障害者手帳",
    "療育手帳",
    # criminal record and victims (犯罪の経歴・犯罪被害)
    "逮捕",
    "前科",
    "服役",
    "刑務所",
    "少年院",
    "保護観察",
    "犯罪被害",
)
MAX_TERM_LENGTH = 50
MAX_ORG_TERMS = 500


def found_terms(text: str | None, terms: Iterable[str]) -> list[str]:
    """The terms that occur in ``text``, each once, in the dictionary's order."""
    folded = search_key(text)
    if not folded:
        return []
    found: list[str] = []
    for term in terms:
        key = search_key(term)
        if key and key in folded and term not in found:
            found.append(term)
    return found
