"""Citation markers of an answer: the [n] that point into its numbered evidence, and the sentences they close."""

from __future__ import annotations

import re

_MARKER = re.compile(r"\s*\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")
_END = re.compile(r"[.!?…]+(?:\s*\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\])*(?=\s|$)")


def split_answer(text: str) -> list[str]:
    """The sentences of an answer; [n] markers after a full stop stay with the sentence before them."""
    sentences: list[str] = []
    for line in text.splitlines():
        pos = 0
        for m in _END.finditer(line):
            sentences.append(line[pos : m.end()].strip())
            pos = m.end()
        if line[pos:].strip():
            sentences.append(line[pos:].strip())
    return [s for s in sentences if s]


def markers(sentence: str) -> list[int]:
    """The citation numbers of a sentence, in order, without repeats ("[1, 3] ... [2]" -> [1, 3, 2])."""
    seen: list[int] = []
    for m in _MARKER.finditer(sentence):
        for n in re.split(r"\s*[,;]\s*", m.group(1)):
            if int(n) not in seen:
                seen.append(int(n))
    return seen


def strip_markers(sentence: str) -> str:
    """The sentence without its [n] markers."""
    return _MARKER.sub("", sentence).strip()


def renumber(sentence: str, keep: list[int], numbering: dict[int, int]) -> str:
    """`sentence` with only its citations in `keep`, renumbered by `numbering`, each marker before the full stop."""

    def sub(m: re.Match[str]) -> str:
        kept = [n for n in markers(m.group(0)) if n in keep]
        return "".join(f" [{numbering[n]}]" for n in kept)

    text = _MARKER.sub(sub, sentence).strip()
    # "[1] Belgium." -> "Belgium. [1]" (then, as written so, "Belgium [1].")
    lead = re.match(r"(?:\[\d+\]\s*)+", text)
    if lead and text[lead.end() :]:
        text = f"{text[lead.end() :]} {lead.group(0).strip()}"
    # "Belgium. [1]" -> "Belgium [1]."
    return re.sub(r"([.!?…]+)((?:\s\[\d+\])+)$", r"\2\1", text)
