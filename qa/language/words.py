"""Words: a Unicode, accent-folding tokenizer with stopwords and Snowball stemming per language (the BM25 index
over them is qa/retrieve/lexical.py).

No NLTK, nothing fetched: Italian and English stopwords are curated package data (`qa/language/lexicon/`), other
languages' come from the `stopwordsiso` package when it is installed; stems come from PyStemmer's Snowball
stemmers, each text stemmed in its own language (`qa.language.identify`). A query is stemmed in its own language
and in each language the indexed passages are written in, so a name keeps matching across languages.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from qa.embed import fold

LEXICON = Path(__file__).resolve().parent / "lexicon"
_WORD = re.compile(r"\w+", re.UNICODE)


SNOWBALL = {
    "ar": "arabic", "ca": "catalan", "da": "danish", "de": "german", "el": "greek", "en": "english",
    "es": "spanish", "eu": "basque", "fi": "finnish", "fr": "french", "ga": "irish", "hi": "hindi",
    "hu": "hungarian", "hy": "armenian", "id": "indonesian", "it": "italian", "lt": "lithuanian", "ne": "nepali",
    "nl": "dutch", "no": "norwegian", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian",
    "sv": "swedish", "ta": "tamil", "tr": "turkish",
}  # fmt: skip
_CURATED = ("it", "en")


@functools.lru_cache(maxsize=64)
def stopwords(language: str) -> frozenset[str]:
    """The folded stopwords of `language`: `qa/language/lexicon/<language>.txt` for Italian and English, else the
    `stopwordsiso` list (empty when neither has one)."""
    if language in _CURATED:
        lines = (LEXICON / f"{language}.txt").read_text(encoding="utf-8").splitlines()
    else:
        try:
            import stopwordsiso

            lines = sorted(stopwordsiso.stopwords(language)) if stopwordsiso.has_lang(language) else []
        except ImportError:  # optional data
            lines = []
    words = (fold(line.strip()) for line in lines)
    return frozenset(w for w in words if w and not w.startswith("#"))


@functools.lru_cache(maxsize=1)
def all_stopwords() -> frozenset[str]:
    """Italian and English stopwords together (questions and documents may be in either)."""
    return stopwords("it") | stopwords("en")


@functools.lru_cache(maxsize=64)
def _stemmer(language: str = "it") -> Callable[[str], str]:
    try:
        import Stemmer
    except ImportError:  # pragma: no cover - pystemmer is a dependency; stay usable without it
        return lambda w: w
    if language not in SNOWBALL:
        return lambda w: w
    return Stemmer.Stemmer(SNOWBALL[language]).stemWord  # type: ignore[no-any-return]


def stem(word: str, language: str = "it") -> str:
    """The Snowball stem of a folded word in `language` (the word itself where there is no stemmer)."""
    return _stemmer(language)(word)


@functools.lru_cache(maxsize=65536)
def language_of(text: str) -> str:
    """The language `text` is tokenized in (`qa.language.identify`; English when unsure, or for a text of under
    three words, whose language no model can tell)."""
    from qa.language.identify import detect

    if len(_WORD.findall(text[:200])) < 3:
        return "en"
    return detect(text[:2000], default="en")


def words(text: str) -> list[str]:
    """Folded word tokens of `text` (elisions like `l'evento` give `l` and `evento`)."""
    return _WORD.findall(fold(text))


@functools.lru_cache(maxsize=64)
def _stopwords_of(languages: tuple[str, ...]) -> frozenset[str]:
    """Italian and English stopwords with those of `languages`."""
    return all_stopwords().union(*(stopwords(lang) for lang in languages if lang not in _CURATED))


def tokenize(text: str, stem: bool = True, languages: Sequence[str] | None = None) -> list[str]:
    """Content tokens for BM25: folded, stopwords of Italian, English and `languages` dropped, optionally
    stemmed in each of `languages` (default: the text's own, `language_of`); with several languages a word
    gives each distinct stem once."""
    langs = tuple(dict.fromkeys(languages if languages is not None else (language_of(text),)))
    stop = _stopwords_of(langs)
    toks = [w for w in words(text) if w not in stop and (len(w) > 1 or w.isdigit())]
    if not stem:
        return toks
    stemmers = [_stemmer(lang) for lang in langs] or [_stemmer("en")]
    return [t for w in toks for t in dict.fromkeys(s(w) for s in stemmers)]


def content_words(text: str) -> list[str]:
    """The distinct folded content words of `text` (no stopwords, numbers or words under 3 letters)."""
    return list(dict.fromkeys(w for w in tokenize(text, stem=False) if len(w) > 2 and not w.isdigit()))


def shares_root(a: str, b: str) -> bool:
    """Whether folded word `b` is `a` or starts with its first five letters ("partecipanti" ~ "partecipato"):
    a root without a stemmer, which also meets some names across languages ("ukrainian" ~ "ucraini" does not)."""
    return a == b or (len(a) >= 5 and b.startswith(a[:5]))
