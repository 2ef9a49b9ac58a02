"""Lexical retrieval: BM25 (bm25s) over chunks, tokenized and stemmed per language by qa/language/words.py.

A query is stemmed in its own language and in each language the indexed passages are written in, so a name keeps
matching across languages. Two implementations rank alike:
- `LexicalIndex`: built in memory over a list of chunks (collections up to `Settings.dense_exact_max` chunks);
- `StoredLexical`: the collection's persistent index (`qa.lexical_store`), memory-mapped: rows are chunk ids,
  and no chunk's text is held. Where its version is a delta (`qa.lexical_delta`), the base's rows come first
  (those removed since score 0 and are never returned), then the delta's.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from qa import lexical_delta
from qa.language.words import language_of, stem, tokenize
from qa.lexical_store import (
    Loaded,
    chunk_text_for_search,
    doc_languages,
    passage_languages,
    search_tokens,
)
from qa.types import Chunk

__all__ = ["LexicalIndex", "StoredLexical", "chunk_text_for_search"]


class _BM25Side:
    """What both implementations share: query tokens, `writes`, `idf_coverage`, `search` over `scores`."""

    stem: bool
    languages: tuple[str, ...]
    _bm25: Any

    def __len__(self) -> int:
        raise NotImplementedError

    def _df(self, token: str) -> int:
        raise NotImplementedError

    def _held(self, positions: Sequence[int]) -> set[Any]:
        """The tokens of the rows at `positions`, as `_key` gives them."""
        raise NotImplementedError

    def _key(self, token: str) -> Any:
        return token

    def writes(self, word: str) -> bool:
        """Whether some chunk holds `word` (folded), by stem in a language of the passages where the index stems."""
        if not len(self):
            return False
        forms = {stem(word, lang) for lang in self.languages} if self.stem else {word}
        return any(self._df(f) > 0 for f in forms)

    def query_tokens(self, query: str) -> list[str]:
        """The query's tokens: stemmed in its own language and in each language of the passages."""
        return tokenize(query, self.stem, (language_of(query), *self.languages))

    def idf_coverage(self, query: str, positions: Sequence[int]) -> float:
        """How much of the query's rare-word weight the chunks at `positions` hold: the IDF of each query word
        (a word no passage writes counts as the rarest) found in them, over the IDF of all of them, a word
        counted once across its stems. 1 when the query has no content word. Language-neutral: it reads
        tokens, so a question naming what the collection never mentions ("Beyoncé") scores low anywhere."""
        langs = (language_of(query), *self.languages)
        words_ = tokenize(query, stem=False, languages=langs)
        held = self._held(positions) if positions else set()
        n = len(self)
        total = found = 0.0
        for w in dict.fromkeys(words_):
            forms = {stem(w, lang) for lang in langs} if self.stem else {w}
            df = max((self._df(f) for f in forms), default=0)
            idf = float(np.log((n + 1) / (df + 0.5)))
            total += idf
            found += idf if {self._key(f) for f in forms} & held else 0.0
        return found / total if total > 0 else 1.0

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every row for `query` (zeros where nothing matches)."""
        if not len(self):
            return np.zeros(0, np.float32)
        vocab = self._bm25.vocab_dict
        toks = list(dict.fromkeys(t for t in self.query_tokens(query) if t in vocab))
        if not toks:
            return np.zeros(len(self), np.float32)
        return np.asarray(self._bm25.get_scores(toks), np.float32)

    def search(self, query: str, k: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The `k` best rows with a positive score, best first; `mask` (bool) keeps only some rows."""
        sc = self.scores(query)
        if mask is not None and len(sc):
            sc = np.where(mask, sc, 0.0)
        if not len(sc):
            return []
        k = min(k, len(sc))
        top = np.argpartition(-sc, k - 1)[:k]
        top = top[np.argsort(-sc[top], kind="stable")]
        return [(int(i), float(sc[i])) for i in top if sc[i] > 0]


class LexicalIndex(_BM25Side):
    """BM25 (bm25s, k1=0.9, b=0.4) over a fixed list of chunks; rebuild it when the index changes."""

    def __init__(self, chunks: Sequence[Chunk], k1: float = 0.9, b: float = 0.4, stem: bool = True) -> None:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets its own logger to DEBUG on import
        self.chunks = list(chunks)
        self.stem = stem
        self._bm25 = bm25s.BM25(k1=k1, b=b)
        langs = doc_languages(self.chunks)  # one language a document: its first chunk decides
        self.languages = passage_languages(langs)
        corpus = [search_tokens(c, lang, stem) for c, lang in zip(self.chunks, langs, strict=True)]
        self._df_counts = Counter(t for toks in corpus for t in set(toks))
        self._tokens = [frozenset(toks) for toks in corpus]
        self._position: dict[str, int] | None = None
        if corpus:
            self._bm25.index(corpus, show_progress=False)

    def __len__(self) -> int:
        return len(self.chunks)

    def _df(self, token: str) -> int:
        return self._df_counts.get(token, 0)

    def _held(self, positions: Sequence[int]) -> set[Any]:
        return set().union(*(self._tokens[i] for i in positions))

    def positions(self, chunk_ids: Sequence[str]) -> list[int]:
        """The positions of these chunks in this index (those it holds)."""
        if self._position is None:
            self._position = {c.chunk_id: i for i, c in enumerate(self.chunks)}
        return [self._position[c] for c in chunk_ids if c in self._position]

    def chunk_id(self, row: int) -> str:
        return self.chunks[row].chunk_id

    def sample_ids(self, step: int) -> list[str]:
        return [c.chunk_id for c in self.chunks[::step]]


class StoredLexical(_BM25Side):
    """A collection's persistent BM25 index (`qa.lexical_store.load`), memory-mapped; rows are chunk ids, in the
    order `LexicalIndex` would hold the chunks, and it scores them alike (a delta version: nearly alike, see
    `qa.lexical_delta`). Its length is the rows that count; row numbers run over the removed ones too."""

    stem = True

    def __init__(self, loaded: Loaded) -> None:
        self.loaded = loaded
        self.generation = loaded.generation
        self.languages = loaded.languages
        self._bm25 = loaded.bm25
        self._delta = loaded.delta is not None

    def __len__(self) -> int:
        return self.loaded.delta.live if self.loaded.delta is not None else len(self.loaded.rows)

    def _key(self, token: str) -> Any:
        return lexical_delta.key(self.loaded, token) if self._delta else self._bm25.vocab_dict.get(token, -1)

    def _df(self, token: str) -> int:
        if self._delta:
            return lexical_delta.df(self.loaded, token)
        i = self._bm25.vocab_dict.get(token, -1)
        return int(self.loaded.df[i]) if 0 <= i < len(self.loaded.df) else 0

    def _held(self, positions: Sequence[int]) -> set[Any]:
        if self._delta:
            return lexical_delta.held(self.loaded, positions)
        ptr, toks = self.loaded.row_ptr, self.loaded.row_tokens
        return {int(t) for i in positions for t in toks[ptr[i] : ptr[i + 1]]}

    def scores(self, query: str) -> np.ndarray:
        if self._delta:
            return lexical_delta.scores(self.loaded, self.query_tokens(query))
        return super().scores(query)

    def positions(self, chunk_ids: Sequence[str]) -> list[int]:
        """The rows of these chunks (those it holds)."""
        if self._delta:
            return lexical_delta.positions(self.loaded, chunk_ids)
        ids, by_id = self.loaded.sorted_ids, self.loaded.by_id
        out = []
        for c in chunk_ids:
            key = c.encode()
            at = int(np.searchsorted(ids, key))
            if at < len(ids) and ids[at] == key:
                out.append(int(by_id[at]))
        return out

    def chunk_id(self, row: int) -> str:
        if self._delta:
            return lexical_delta.chunk_id(self.loaded, row)
        return bytes(self.loaded.rows[row]).decode()

    def sample_ids(self, step: int) -> list[str]:
        if self._delta:
            return lexical_delta.sample_ids(self.loaded, step)
        return [bytes(c).decode() for c in self.loaded.rows[::step]]
