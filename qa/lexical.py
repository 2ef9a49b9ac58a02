"""Lexical retrieval: an accent-folding tokenizer for Italian and English, and a BM25 index (bm25s) over chunks.

No NLTK: the stopword lists ship as package data in `qa/lexicon/`, and stemming (optional, PyStemmer) uses
the Italian Snowball stemmer for every text, so that names and numbers stay comparable across languages.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from qa.embed import fold
from qa.types import Chunk

LEXICON = Path(__file__).resolve().parent / "lexicon"
_WORD = re.compile(r"\w+", re.UNICODE)


@functools.lru_cache(maxsize=4)
def stopwords(language: str) -> frozenset[str]:
    """The folded stopwords of `language` (`it` or `en`), read from `qa/lexicon/<language>.txt`."""
    text = (LEXICON / f"{language}.txt").read_text(encoding="utf-8")
    words = (fold(line.strip()) for line in text.splitlines())
    return frozenset(w for w in words if w and not w.startswith("#"))


@functools.lru_cache(maxsize=1)
def all_stopwords() -> frozenset[str]:
    """Italian and English stopwords together (questions and documents may be in either)."""
    return stopwords("it") | stopwords("en")


@functools.lru_cache(maxsize=1)
def _stemmer() -> Callable[[str], str]:
    try:
        import Stemmer
    except ImportError:  # pragma: no cover - pystemmer is a dependency; stay usable without it
        return lambda w: w
    stem = Stemmer.Stemmer("italian")
    return stem.stemWord  # type: ignore[no-any-return]


def stem(word: str) -> str:
    """The Italian Snowball stem of a folded word (the word itself without PyStemmer)."""
    return _stemmer()(word)


def words(text: str) -> list[str]:
    """Folded word tokens of `text` (elisions like `l'evento` give `l` and `evento`)."""
    return _WORD.findall(fold(text))


def tokenize(text: str, stem: bool = True) -> list[str]:
    """Content tokens for BM25: folded, stopwords dropped, optionally stemmed."""
    stop = all_stopwords()
    toks = [w for w in words(text) if w not in stop and (len(w) > 1 or w.isdigit())]
    if stem:
        s = _stemmer()
        toks = [s(w) for w in toks]
    return toks


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
        corpus = [tokenize(chunk_text_for_search(c), stem) or ["\u2205"] for c in self.chunks]
        if corpus:
            self._bm25.index(corpus, show_progress=False)

    def __len__(self) -> int:
        return len(self.chunks)

    def writes(self, word: str) -> bool:
        """Whether some chunk holds `word` (folded), by stem where the index stems."""
        return (stem(word) if self.stem else word) in self._bm25.vocab_dict if self.chunks else False

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for `query` (zeros where nothing matches)."""
        if not self.chunks:
            return np.zeros(0, np.float32)
        vocab = self._bm25.vocab_dict
        toks = [t for t in tokenize(query, self.stem) if t in vocab]
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
