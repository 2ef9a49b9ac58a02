"""Grounded generation with an LLM: answers from numbered evidence with verified [n] citations, translations
of quotes, and follow-up questions rewritten into standalone ones.

Prompts are package data (`qa/answer/prompts/*.txt`). The answer is streamed as the model writes it, then checked by
`qa.verify.claims`: what does not hold is dropped, and an empty `Generated.text` tells the caller to fall back to
the extractive answer.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from qa.answer.llm import LLM
from qa.embed import Embedder, make_embedder
from qa.language import langdata
from qa.rewrite import followup
from qa.types import Evidence
from qa.verify.claims import facts_agree, localise_names, package_text, strip_markers, verify_answer

LANGUAGE_NAMES = {
    "en": "English", "it": "Italian", "es": "Spanish", "de": "German", "fr": "French", "pt": "Portuguese",
    "nl": "Dutch", "ar": "Arabic", "ru": "Russian", "pl": "Polish", "sv": "Swedish", "da": "Danish",
    "no": "Norwegian", "fi": "Finnish", "tr": "Turkish", "el": "Greek", "ro": "Romanian", "cs": "Czech",
    "hu": "Hungarian", "ca": "Catalan", "uk": "Ukrainian", "zh": "Chinese", "ja": "Japanese", "ko": "Korean",
}  # fmt: skip
ANSWER_TEMPLATES = ("en", "it")  # instructions written in these languages; others get the English ones
MAX_EVIDENCE = 3  # the prompt holds only the top few sentences: see the note in shown_evidence
MIN_EVIDENCE = 2
EVIDENCE_GAP = 0.02  # a sentence past MIN_EVIDENCE is shown only when it scores this close to the best
EVIDENCE_LEAD = 0.05  # the best sentence is shown alone when it leads the second by this much
MAX_EVIDENCE_CHARS = 400
ANSWER_TOKENS = 200
DEFAULT_EMBEDDER = "e5-small"


@dataclass(frozen=True)
class Generated:
    """The checked answer: `text` with [n] renumbered to the kept citations, or "" when nothing held.

    `cited` holds, in [n] order, the 1-based indices into the `evidence` given to `generate`.
    """

    text: str
    cited: tuple[int, ...]
    raw: str = ""  # what the model wrote, before checking
    dropped: tuple[str, ...] = ()  # answer sentences removed by the check


@functools.lru_cache(maxsize=16)
def template(name: str) -> str:
    """A prompt template of `qa/answer/prompts/` by name (without `.txt`)."""
    return package_text(f"answer/prompts/{name}.txt")


def _language(code: str) -> str:
    return code if code in LANGUAGE_NAMES else "en"


def _answer_template(lang: str) -> str:
    """The answer prompt for `lang`: its own instructions where written, else the English ones (which ask for
    the answer in `lang` all the same)."""
    return f"answer_{lang if lang in ANSWER_TEMPLATES else 'en'}"


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def shown_evidence(evidence: Sequence[Evidence]) -> list[Evidence]:
    """The evidence sentences an answer prompt shows: the best `MIN_EVIDENCE`, then up to `MAX_EVIDENCE` while
    a sentence scores within `EVIDENCE_GAP` of the best.

    Every token of evidence costs about 10 ms of prompt reading before the first word on 2 cores. On the 75
    dev questions an answer string is in the best sentence for 38.7%, in the best two for 52.0%, in three for
    53.3% and in four for 56.0% (evidence p50 59, 114, 163 and 210 tokens); the one question the third
    sentence served scored it within 0.02 of the best, and that rule shows a third sentence for few questions
    (11 of 75; p50 119 tokens). Clipping sentences at 250-300 characters saved fewer tokens and lost answers.
    The best sentence is shown alone when it leads the second by `EVIDENCE_LEAD`: then the second never held
    the answer where the first did not (33 of 74 answered dev questions shown one, 59 of 100 seed ones, none
    lost; at a 0.03 lead 3 of each were lost), and the example question's first token comes in 0.9-1.1 s instead
    of 2.0 (75 tokens to read instead of 152)."""
    top = evidence[0].score if evidence else 0.0
    if len(evidence) > 1 and top - evidence[1].score >= EVIDENCE_LEAD:
        return [evidence[0]]
    return [e for i, e in enumerate(evidence[:MAX_EVIDENCE]) if i < MIN_EVIDENCE or e.score >= top - EVIDENCE_GAP]


_FENCE = re.compile(r"<\s*/?evidence\s*>", re.IGNORECASE)


def _unfenced(text: str) -> str:
    """Evidence text without the prompt's fence tags, so that no document can close the quoted block."""
    return _FENCE.sub(" ", text)


def evidence_block(shown: Sequence[Evidence]) -> str:
    """Evidence sentences numbered from 1, one a line, clipped, without the prompt's fence tags."""
    return "\n".join(f"[{i}] {_clip(_unfenced(e.text), MAX_EVIDENCE_CHARS)}" for i, e in enumerate(shown, 1))


def answer_prompt(question: str, language: str, evidence: Sequence[Evidence]) -> str:
    """The answer prompt: instructions first (a prefix llama.cpp can reuse), then numbered evidence
    (`shown_evidence`) fenced as quoted data between <evidence> tags (documents are data, never instructions:
    qa/injection.py keeps text addressed to an AI out of the evidence), then the question.

    The prompt asks for nothing beyond the evidence but offers no canned refusal: with one (five wordings
    tried), the packaged 1.5B model refused the answerable example question in 6 of 7 trials; without, it
    answered it in 4 of 4. Abstention is decided before generation from calibrated evidence scores, and
    an answer that cites nothing ("the evidence does not say") is dropped by the check anyway."""
    lang = _language(language)
    shown = shown_evidence(evidence)
    numbered = evidence_block(shown)
    return template(_answer_template(lang)).format(
        language_name=LANGUAGE_NAMES[lang], evidence=numbered, question=question.strip()
    )


def _prefix(name: str, field: str, lang: str) -> str:
    """The fixed start of prompt template `name` in `lang`: everything before its `{field}`."""
    return template(name).split("{" + field + "}")[0].format(language_name=LANGUAGE_NAMES[lang])


def answer_prefix(language: str) -> str:
    """The fixed start of every answer prompt in `language`: the instructions, up to the evidence."""
    lang = _language(language)
    return _prefix(_answer_template(lang), "evidence", lang)


def warm(llm: LLM, languages: Sequence[str] = ("en", "it")) -> None:
    """Have `llm` read the answer instructions of `languages`, the follow-up rewrite's and the reader's, ahead of
    the first question.

    Raises:
        ModelError: the model failed.
    """
    for lang in languages:
        llm.keep_prefix(answer_prefix(lang))
    llm.keep_prefix(rewrite_prefix())
    llm.keep_prefix(read_prefix())
    prepare_copy = getattr(llm, "prepare_copy", None)
    if prepare_copy is not None:  # the token table constrained copying reads (`LocalLLM.copy`)
        prepare_copy()


def read_prefix() -> str:
    """The fixed start of every read prompt (qa/read/reader.py): its instructions, up to the evidence."""
    return template("read").split("{evidence}")[0]


def rewrite_prefix() -> str:
    """The fixed start of every follow-up rewrite prompt: its instructions, up to the conversation."""
    return _prefix("rewrite", "history", "en")


def generate(
    llm: LLM, question: str, language: str, evidence: Sequence[Evidence], *, embedder: Embedder | None = None
) -> Iterator[str | Generated]:
    """Answer `question` from `evidence`: yield the model's text pieces as they come, then one `Generated`.

    Args:
        llm: the model.
        question: the standalone question.
        language: "en" or "it", the language the answer must be in.
        evidence: ranked evidence sentences; the prompt numbers the first few from 1.
        embedder: the cross-lingual embedder used to check support (default: e5-small).

    Raises:
        ModelError: the model failed.
    """
    shown = shown_evidence(evidence)
    if not shown:
        yield Generated("", ())
        return
    llm.keep_prefix(answer_prefix(language))  # read once, restored after other prompts (translations, rewrites)
    pieces: list[str] = []
    for piece in llm.stream(answer_prompt(question, language, shown), max_tokens=ANSWER_TOKENS):
        pieces.append(piece)
        yield piece
    raw = "".join(pieces).strip()
    lang = _language(language)
    checked = verify_answer(
        localise_names(raw, lang), question, shown, embedder or make_embedder(DEFAULT_EMBEDDER), language=lang
    )
    yield Generated(checked.text, checked.cited, raw, checked.dropped)


def _clean_reply(text: str) -> str:
    """The reply without a "Translation:"-style label and without wrapping quotes."""
    text = langdata.pattern("REPLY_LABEL", re.IGNORECASE).sub("", text.strip())
    if len(text) >= 2 and text[0] in "\"'“«" and text[-1] in "\"'”»":
        text = text[1:-1].strip()
    return text


def translate(llm: LLM, text: str, target_language: str, cancelled: Callable[[], bool] | None = None) -> str:
    """`text` translated into `target_language` ("en" or "it") by the model; "" when it gave nothing, or when
    `cancelled()` turned true while it wrote (the model is left at once, for whoever waits for it).

    Used for the renderings of quotes and, before retrieval, for the question (see `Assistant.analyse`).
    The instruction part of the prompt is kept by the model, so a call reads little more than `text`.

    Raises:
        ModelError: the model failed.
    """
    lang = _language(target_language)
    llm.keep_prefix(_prefix("translate", "text", lang))
    prompt = template("translate").format(language_name=LANGUAGE_NAMES[lang], text=" ".join(text.split()))
    pieces: list[str] = []
    stream = llm.stream(prompt, max_tokens=min(512, len(text) // 2 + 64), stop=("\n\n",))  # one paragraph
    try:
        for piece in stream:
            if cancelled is not None and cancelled():
                return ""
            pieces.append(piece)
    finally:
        close = getattr(stream, "close", None)
        if close is not None:  # left early, the stream lets the model go
            close()
    reply = "".join(pieces)
    paragraphs = [p for p in re.split(r"\n\s*\n", reply.strip()) if p.strip()]
    return localise_names(_clean_reply(paragraphs[0]), lang) if paragraphs else ""


def _history_text(history: Sequence[tuple[str, str]]) -> str:
    lines = []
    for q, a in history[-2:]:
        lines.append(f"User: {q.strip()}")
        lines.append(f"Assistant: {_clip(strip_markers(a), 200)}")
    return "\n".join(lines)


def _is_rewrite(candidate: str, question: str, history: Sequence[tuple[str, str]]) -> bool:
    """A usable rewrite is one question, not much longer than the question plus the previous one, naming
    nothing the conversation did not."""
    limit = max(160, 2 * (len(question) + len(history[-1][0])))
    said = " ".join([question, *(f"{q} {a}" for q, a in history)])
    return (
        bool(candidate)
        and candidate.endswith("?")
        and "\n" not in candidate
        and len(candidate) <= limit
        and "[" not in candidate
        and candidate.count("?") == 1
        and facts_agree(candidate, said)
    )


def rewrite_followup(llm: LLM, question: str, history: Sequence[tuple[str, str]]) -> str:
    """`question` rewritten with the conversation so far into a standalone question, for retrieval.

    The model's output is used only when it looks like one question of sensible length whose names all come
    from the conversation (a small model sometimes answers instead); otherwise the rule-based
    `qa.rewrite.followup.rewrite` is used. Without history the question is returned as it is.

    Raises:
        ModelError: the model failed.
    """
    if not history:
        return question
    # kept like the answer instructions: 84 tokens to read instead of 50 for a one-turn history, 1.30 s -> 1.00 s
    llm.keep_prefix(rewrite_prefix())
    prompt = template("rewrite").format(history=_history_text(history), question=question.strip())
    reply = llm.complete(prompt, max_tokens=64)
    lines = [line for line in reply.strip().splitlines() if line.strip()]
    candidate = _clean_reply(lines[0]) if lines else ""
    return candidate if _is_rewrite(candidate, question, history) else followup.rewrite(question, history)
