"""Lexical retrieval: a BM25 index (bm25s) over chunks, tokenized and stemmed per language by qa/language/words.py.

A query is stemmed in its own language and in each language the indexed passages are written in, so a name keeps
matching across languages.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence

import numpy as np

from qa.language.words import language_of, stem, tokenize
from qa.types import Chunk


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
