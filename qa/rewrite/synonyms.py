"""Read a question in the documents' own words: a word of the question that no document writes becomes the
word of the same meaning that they do write (`qa/language/lexicon/synonyms.txt`).

Neither embedder knows "incentrata" for "concentrato" (use-m3 rates it closest to "rilasciata", e5-small's
sentences put the sentence that answers "Su che cosa era incentrata l'esercitazione?" below the sixth), nor
can BM25 match it; asked with "concentrata", the same question finds that sentence first. Only the question
used for retrieval and evidence changes (`Analysis.standalone`); the answer keeps the question as asked.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from qa.embed import fold
from qa.language.tables import package_text
from qa.language.words import all_stopwords, stem

_WORD = re.compile(r"\w+", re.UNICODE)
SYNONYM_LANGUAGES = ("it", "en")  # the table is optional data for these: questions in other languages skip it


@functools.lru_cache(maxsize=1)
def synonym_groups() -> tuple[tuple[str, ...], ...]:
    """The groups of `qa/language/lexicon/synonyms.txt`, folded."""
    rows = (line.strip() for line in package_text("language/lexicon/synonyms.txt").splitlines())
    return tuple(tuple(fold(w.strip()) for w in r.split(",")) for r in rows if r and not r.startswith("#"))


@functools.lru_cache(maxsize=1)
def _by_stem() -> dict[str, tuple[str, tuple[str, ...]]]:
    out: dict[str, tuple[str, tuple[str, ...]]] = {}
    for group in synonym_groups():
        for w in group:
            out.setdefault(stem(w), (w, group))  # "concentrare" before "concentrate": the Italian ending
    return out


def in_document_words(question: str, written: Callable[[str], bool]) -> str:
    """`question` with each word that no document writes (`written`, given a folded word, matches by stem)
    replaced by the first word of its synonym group that one does: an Italian verb keeps its ending where both
    infinitives share theirs ("incentrata" -> "concentrata"), any other word becomes the group's word as
    listed ("terminata" -> "concluso")."""
    stop = all_stopwords()

    def swap(m: re.Match[str]) -> str:
        word = m.group(0)
        w = fold(word)
        if w in stop or len(w) < 3:
            return word
        s = stem(w)
        entry = _by_stem().get(s)
        if entry is None or written(w):
            return word
        listed, group = entry
        others = [g for g in group if stem(g) != s and written(g)]
        if not others:
            return word
        # a form with the question word's own ending first ("centred" -> "focused", not "focus")
        other = next((g for g in others if g[-2:] == w[-2:]), others[0])
        if listed[-3:] == other[-3:] and w.startswith(s):
            return stem(other) + w[len(s) :]
        return other

    return _WORD.sub(swap, question)
