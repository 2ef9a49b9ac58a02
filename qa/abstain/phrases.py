"""Whether the question's names of several words stand in the passages as the question writes them.

A question about something the documents do not hold often borrows their words: "Who wrote the music for
Twilight Kondo?" over passages naming *Twilight Princess* and the composer *Kondo*; "Who was flown to New
Mexico?" where the film's star was flown to *New York*. Every word is found, so word coverage and the
embedders rate the passage close; the name as a whole is nowhere. `phrase_coverage` is the share of the
question's names of two or more capitalised words, each word of which the passages hold, that the passages
hold as one phrase (in order, punctuation and case aside). A name whose words are not all there (another
language's form, "French Revolution" over "Revolución Francesa") is not counted: word coverage reads that.
Scripts without case give no names, and the feature is 1, as it is for a question without such names.
Capitals are read in any cased script; a first word that is a stopword of the question's language ("On
Today.com ...") is not part of a name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa.embed import fold
from qa.language.words import stopwords

_TOKEN = re.compile(r"[^\W_]+(?:['’.\-][^\W_]+)*")
_BREAK = re.compile(r"[^\w\s'’.\-]")  # punctuation between two words ends a name ("Zelda: Twilight")


def names(question: str, language: str) -> list[list[str]]:
    """The runs of two or more capitalised words of `question`, folded, in order."""
    stop = stopwords(language)
    toks = list(_TOKEN.finditer(question))
    runs: list[list[str]] = []
    run: list[str] = []
    for i, t in enumerate(toks):
        word = t.group(0)
        capital = word[:1].isupper() and not (i == 0 and fold(word) in stop)
        if run and (not capital or _BREAK.search(question, toks[i - 1].end(), t.start())):
            runs.append(run)
            run = []
        if capital:
            run.append(fold(word))
    runs.append(run)
    return [r for r in runs if len(r) >= 2]


def phrase_coverage(question: str, language: str, passages: Sequence[str]) -> float:
    """The share of the question's names (`names`) whose words are all in `passages` that stand there whole."""
    body = " ".join(fold(p) for p in passages)
    words = set(_TOKEN.findall(body))
    counted = found = 0
    for name in names(question, language):
        if all(w in words for w in name):
            counted += 1
            pattern = r"(?<!\w)" + r"\W+".join(re.escape(w) for w in name) + r"(?!\w)"
            found += bool(re.search(pattern, body))
    return 1.0 if counted == 0 else found / counted
