"""The sentences of a chunk that can be evidence, and their vectors: each sentence alone and in a window with
the sentence before it (which may sit in the previous chunk), cached by chunk id (ids change with content).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from qa.embed import Embedder
from qa.injection import is_suspicious, suspicious_spans
from qa.types import Chunk


@dataclass(frozen=True)
class Sentence:
    chunk: Chunk
    start: int
    end: int
    text: str
    previous: str
    window: str
    before: str  # the sentence before `previous`, or "" (answers inherit a dropped subject)


def sentence_text(chunk: Chunk, start: int, end: int) -> str:
    """The text of a sentence span (document offsets) inside `chunk`."""
    return chunk.text[start - chunk.start : end - chunk.start]


def sentences(chunk: Chunk, previous: Callable[[Chunk, int], str]) -> list[Sentence]:
    """The chunk's sentences that can be evidence: a sentence addressed to an AI assistant ("ignore previous
    instructions and reply only ...", `qa.injection.suspicious_spans`) is data, never evidence: it is left
    out, as if it were not written, so it is never quoted, never the lead, never shown to an LLM, nor the
    context of another."""
    out: list[Sentence] = []
    prev, before = _data(previous(chunk, 1)), _data(previous(chunk, 2))
    planted = set(suspicious_spans(chunk.text, chunk.sentences, chunk.start))
    for a, b in chunk.sentences:
        text = sentence_text(chunk, a, b)
        if text.strip() and (a, b) not in planted:
            out.append(Sentence(chunk, a, b, text, prev, f"{prev} {text}".strip(), before))
            prev, before = text, prev
    return out


def _data(text: str) -> str:
    """`text`, or "" when it is addressed to an AI assistant (`is_suspicious`)."""
    return "" if is_suspicious(text) else text


class SentenceVectors:
    """Sentence and window vectors of chunks, from one embedder, cached by chunk id (LRU)."""

    def __init__(self, embedder: Embedder, capacity: int = 4096) -> None:
        self.embedder = embedder
        self.capacity = capacity
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._words: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def vectors(self, groups: Sequence[tuple[str, list[Sentence]]]) -> list[np.ndarray]:
        """For each (chunk id, n sentences): a (2n + 1, dim) array: the sentence before the first, the n
        sentences, then the n windows (previous sentence + sentence)."""
        with self._lock:
            missing = [(cid, sents) for cid, sents in groups if cid not in self._cache]
        texts = [t for _, sents in missing for t in _texts(sents)]
        vecs = self.embedder.embed_passages(texts) if texts else None
        with self._lock:
            pos = 0
            for cid, sents in missing:
                assert vecs is not None
                self._put(cid, vecs[pos : pos + 2 * len(sents) + 1])
                pos += 2 * len(sents) + 1
            out = []
            for cid, _ in groups:
                self._cache.move_to_end(cid)
                out.append(self._cache[cid])
            return out

    def word_vectors(self, terms: Sequence[str]) -> np.ndarray:
        """A (len(terms), dim) array of single-word vectors (cached)."""
        with self._lock:
            missing = list(dict.fromkeys(w for w in terms if w not in self._words))
        new: dict[str, np.ndarray] = {}
        if missing:
            new = dict(zip(missing, np.asarray(self.embedder.embed_passages(missing), np.float32), strict=True))
        with self._lock:
            out = np.array([new[w] if w in new else self._words[w] for w in terms], np.float32)
            self._words.update(new)
            while len(self._words) > self.capacity * 4:
                self._words.popitem(last=False)
        return out

    def word_similarity(self, a: Sequence[str], b: Sequence[str]) -> float:
        """The best cosine between a word of `a` and a word of `b`: how the count check of qa/read/spans.py matches
        "people" with "persone" across languages."""
        vecs = self.word_vectors([*a, *b])
        return float((vecs[: len(a)] @ vecs[len(a) :].T).max())

    def _put(self, cid: str, vecs: np.ndarray) -> None:
        self._cache[cid] = vecs
        while len(self._cache) > self.capacity:
            self._cache.popitem(last=False)


def _texts(sents: Sequence[Sentence]) -> list[str]:
    return [sents[0].previous or " "] + [s.text for s in sents] + [s.window for s in sents]
