"""Italian / English detection for questions and quotes: small, rule-based, no model.

Counts Italian and English function words (the stopword lists in `qa/lexicon/`) and a few spelling
cues (accented vowels, Italian elisions, English `-ing`/`'s`). Ties and empty text fall back to `default`.
"""

from __future__ import annotations

import functools
import re

from qa.lexical import stopwords, words

LANGUAGES = ("en", "it")

_IT_CUES = re.compile(r"[àèéìòù]|\b(?:l|un|dell|all|nell|sull|c|d|quest|quell)['’]\w", re.IGNORECASE)
_EN_CUES = re.compile(r"\b\w+ing\b|\b\w+['’]s\b|\bth\w*\b", re.IGNORECASE)


@functools.lru_cache(maxsize=1)
def _exclusive() -> tuple[frozenset[str], frozenset[str]]:
    it, en = stopwords("it"), stopwords("en")
    return it - en, en - it


def detect(text: str, default: str = "en") -> str:
    """`"it"` or `"en"` for `text`; `default` when the text gives no clue either way."""
    it_only, en_only = _exclusive()
    toks = words(text)
    it_score = sum(t in it_only for t in toks) + 1.5 * len(_IT_CUES.findall(text))
    en_score = sum(t in en_only for t in toks) + 0.5 * len(_EN_CUES.findall(text))
    if it_score > en_score:
        return "it"
    if en_score > it_score:
        return "en"
    return default
