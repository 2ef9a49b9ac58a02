"""Question sets: JSONL files with RAGAS field names, loaded into frozen `Case`s.

One JSON object a line. RAGAS fields: `user_input` (the question), `reference` (a reference answer),
`reference_contexts` (evidence: whole passages or short verbatim phrases of the source). Fonte's own:
`id`, `language`, `answerable` (default true), `reference_answers` (accepted answers; `reference_answers_en`
is read too), `facts` (a list of facts, each a list of accepted spellings), `reference_context_ids`
(optional gold ids, used only as a cross-check) and `article` (the source article's title, for hold-outs).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from qa.errors import ConfigError


@dataclass(frozen=True)
class Case:
    """One question of a set, with what counts as a right answer and as evidence."""

    id: str
    question: str
    language: str = "en"
    answerable: bool = True
    reference: str = ""
    reference_answers: tuple[str, ...] = ()
    reference_contexts: tuple[str, ...] = ()
    reference_context_ids: tuple[str, ...] = ()
    facts: tuple[tuple[str, ...], ...] = ()
    article: str = ""

    @property
    def accepted_answers(self) -> tuple[str, ...]:
        """Every accepted answer: `reference_answers`, else the `reference`."""
        if self.reference_answers:
            return self.reference_answers
        return (self.reference,) if self.reference.strip() else ()


def _strings(value: Any, field: str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: `{field}` must be a list of strings.")
    return tuple(value)


def _facts(value: Any, where: str) -> tuple[tuple[str, ...], ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ConfigError(f"{where}: `facts` must be a list of facts, each a list of accepted spellings.")
    return tuple(_strings(f, "facts", where) for f in value)


def case_from_dict(obj: dict[str, Any], where: str, fallback_id: str) -> Case:
    """Build a `Case` from one JSON object of a set (RAGAS names, plus Fonte's own fields).

    Raises:
        ConfigError: the question is missing or a field has the wrong type.
    """
    question = obj.get("user_input", obj.get("question"))
    if not isinstance(question, str) or not question.strip():
        raise ConfigError(f"{where}: every line needs a non-empty `user_input` (the question).")
    answers = obj.get("reference_answers", obj.get("reference_answers_en"))
    return Case(
        id=str(obj.get("id") or fallback_id),
        question=question.strip(),
        language=str(obj.get("language") or "en"),
        answerable=bool(obj.get("answerable", True)),
        reference=str(obj.get("reference") or ""),
        reference_answers=_strings(answers, "reference_answers", where),
        reference_contexts=_strings(obj.get("reference_contexts"), "reference_contexts", where),
        reference_context_ids=_strings(obj.get("reference_context_ids"), "reference_context_ids", where),
        facts=_facts(obj.get("facts"), where),
        article=str(obj.get("article") or ""),
    )


def load_set(path: str | Path) -> list[Case]:
    """Read a question set (JSONL); blank lines are skipped.

    Raises:
        ConfigError: the file is missing, a line is not JSON, or ids repeat.
    """
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"question set {p} not found: give the path of a .jsonl file.")
    cases: list[Case] = []
    for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{p}:{n} is not valid JSON ({exc.msg}); each line must be one JSON object.") from None
        if not isinstance(obj, dict):
            raise ConfigError(f"{p}:{n} must be a JSON object.")
        cases.append(case_from_dict(obj, f"{p}:{n}", f"{p.stem}-{n}"))
    ids = [c.id for c in cases]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ConfigError(f"{p}: question ids repeat ({', '.join(dupes[:5])}); make every `id` unique.")
    return cases


def hold_out(cases: Sequence[Case], titles: Iterable[str]) -> list[Case]:
    """Mark as unanswerable the questions about held-out articles (whose passages stay out of the index).

    A case belongs to an article by its `article` field or, failing that, by the title inside its
    `reference_context_ids` (`it::<title>::<n>`).
    """
    held = {t.strip() for t in titles if t.strip()}
    out = []
    for c in cases:
        if held and case_article(c) in held:
            c = replace(c, answerable=False)
        out.append(c)
    return out


def case_article(case: Case) -> str:
    """The article a case is about, from `article` or its first `reference_context_ids` entry."""
    if case.article:
        return case.article
    for rid in case.reference_context_ids:
        parts = rid.split("::")
        if len(parts) >= 3:
            return "::".join(parts[1:-1])
    return ""
