"""Lexical retrieval: a Unicode, accent-folding tokenizer with stopwords and Snowball stemming per language, and
a BM25 index (bm25s) over chunks.

No NLTK, nothing fetched: Italian and English stopwords are curated package data (`qa/lexicon/`), other
languages' come from the `stopwordsiso` package when it is installed; stems come from PyStemmer's Snowball
stemmers, each text stemmed in its own language (`qa.language.detect`). A query is stemmed in its own language
and in each language the indexed passages are written in, so a name keeps matching across languages.
"""

from __future__ import annotations

import functools
import logging
import re
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from qa.embed import fold
from qa.types import Chunk

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
    """The folded stopwords of `language`: `qa/lexicon/<language>.txt` for Italian and English, else the
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
    """The language `text` is tokenized in (`qa.language.detect`; English when unsure, or for a text of under
    three words, whose language no model can tell)."""
    from qa.language import detect

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


def chunk_text_for_search(chunk: Chunk) -> str:
    """The text indexed for a chunk: its title first (unless the chunk starts with it), then its text."""
    return chunk.text if chunk.text.startswith(chunk.title) else f"{chunk.title}\n{chunk.text}"


class LexicalIndex:
    """BM25 (bm25s, k1=0.9, b=0.4) over a fixed list of chunks; rebuild it when the index changes."""

    def __init__(self, chunks: Sequence[Chunk], k1: float = 0.9, b: float = 0.4, stem: bool = True) -> None:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets its own logger to DEBUG on import
        self.chunks = list(chunks)
        self.stem = stem
        self._bm25 = bm25s.BM25(k1=k1, b=b)
        by_doc: dict[str, str] = {}  # one language a document: its first chunk decides
        langs = [by_doc.setdefault(c.doc_id, language_of(c.text)) for c in self.chunks]
        counts = Counter(langs)
        # the languages the passages are written in (each at least 5% of them): queries are stemmed in each
        self.languages = tuple(lang for lang, n in counts.most_common(4) if n >= 0.05 * len(langs)) or ("en",)
        corpus = [
            tokenize(chunk_text_for_search(c), stem, (lang,)) or ["\u2205"]
            for c, lang in zip(self.chunks, langs, strict=True)
        ]
        self._df = Counter(t for toks in corpus for t in set(toks))
        self._tokens = [frozenset(toks) for toks in corpus]
        self._position: dict[str, int] | None = None
        if corpus:
            self._bm25.index(corpus, show_progress=False)

    def __len__(self) -> int:
        return len(self.chunks)

    def writes(self, word: str) -> bool:
        """Whether some chunk holds `word` (folded), by stem in a language of the passages where the index stems."""
        if not self.chunks:
            return False
        forms = {stem(word, lang) for lang in self.languages} if self.stem else {word}
        return any(f in self._bm25.vocab_dict for f in forms)

    def query_tokens(self, query: str) -> list[str]:
        """The query's tokens: stemmed in its own language and in each language of the passages."""
        return tokenize(query, self.stem, (language_of(query), *self.languages))

    def positions(self, chunk_ids: Sequence[str]) -> list[int]:
        """The positions of these chunks in this index (those it holds)."""
        if self._position is None:
            self._position = {c.chunk_id: i for i, c in enumerate(self.chunks)}
        return [self._position[c] for c in chunk_ids if c in self._position]

    def idf_coverage(self, query: str, positions: Sequence[int]) -> float:
        """How much of the query's rare-word weight the chunks at `positions` hold: the IDF of each query word
        (a word no passage writes counts as the rarest) found in them, over the IDF of all of them, a word
        counted once across its stems. 1 when the query has no content word. Language-neutral: it reads
        tokens, so a question naming what the collection never mentions ("Beyoncé") scores low anywhere."""
        langs = (language_of(query), *self.languages)
        words_ = tokenize(query, stem=False, languages=langs)
        held = frozenset().union(*(self._tokens[i] for i in positions)) if positions else frozenset()
        n = len(self.chunks)
        total = found = 0.0
        for w in dict.fromkeys(words_):
            forms = {stem(w, lang) for lang in langs} if self.stem else {w}
            df = max((self._df.get(f, 0) for f in forms), default=0)
            idf = float(np.log((n + 1) / (df + 0.5)))
            total += idf
            found += idf if forms & held else 0.0
        return found / total if total > 0 else 1.0

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for `query` (zeros where nothing matches)."""
        if not self.chunks:
            return np.zeros(0, np.float32)
        vocab = self._bm25.vocab_dict
        toks = list(dict.fromkeys(t for t in self.query_tokens(query) if t in vocab))
        if not toks:
            return np.zeros(len(self.chunks), np.float32)
        return np.asarray(self._bm25.get_scores(toks), np.float32)

    def search(self, query: str, k: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The `k` best chunk positions with a positive score, best first; `mask` (bool) keeps only some chunks."""
        sc = self.scores(query)
        if mask is not None and len(sc):
            sc = np.where(mask, sc, 0.0)
        if not len(sc):
            return []
        k = min(k, len(sc))
        top = np.argpartition(-sc, k - 1)[:k]
        top = top[np.argsort(-sc[top], kind="stable")]
        return [(int(i), float(sc[i])) for i in top if sc[i] > 0]
