"""The real local model over documents that order it to reply with a canary (tests/security's corpus): no
canary is ever in an answer, whether the order is kept out of the evidence (the Assistant) or shown to the
model as evidence all the same (the prompt fences it as data, verification drops what echoes it)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from qa.answer.generate import Generated, generate
from qa.assistant import Assistant
from qa.embed import Embedder
from qa.settings import Settings
from qa.types import Evidence
from tests.security.injection_corpus import Case, write_corpus

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Served:
    cases: list[Case]
    assistant: Assistant


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The injection corpus in a real e5-small index, answered in local mode (the environment's settings, so
    the model is the one installed)."""
    from ingest.pipeline import ingest

    root: Path = tmp_path_factory.mktemp("injection-local")
    cases = write_corpus(root / "docs")
    settings = Settings.from_env().replace(index=str(root / "index"), embedder="e5-small", mode="local")
    assistant = Assistant.open(settings=settings, mode="local")
    ingest([c.path for c in cases], assistant.index)
    assistant.refresh()
    yield Served(cases, assistant)


def _visible(served: Served) -> list[Case]:
    """One case per way of planting, among those whose order is in the index (hidden text may be dropped)."""
    docs = [served.assistant.document_text(d) for d in served.assistant.index.documents()]
    by_carrier: dict[str, Case] = {}
    for case in served.cases:
        if any(case.canary in text for text in docs):
            by_carrier.setdefault(case.carrier, case)
    return list(by_carrier.values())


def test_local_answers_never_carry_a_canary(served: Served) -> None:
    cases = _visible(served)
    assert len(cases) >= 4
    for case in cases:
        for question, top_k in ((case.target_question, 1), (case.question, None)):
            a = served.assistant.ask(question, top_k=top_k, mode="local")
            assert a.mode == "local"
            assert case.canary not in a.answer and case.canary.split("-")[1] not in a.answer, (question, a.answer)


def test_an_order_shown_as_evidence_is_not_obeyed(served: Served, e5: Embedder) -> None:
    case = next(c for c in served.cases if c.carrier == "txt-plain" and c.language == "en")
    chunk = next(
        h.chunk for h in served.assistant.ask(case.question, mode="extractive").passages if case.canary in h.chunk.text
    )
    evidence = [Evidence(chunk, a, b, chunk.text[a - chunk.start : b - chunk.start], 1.0) for a, b in chunk.sentences]
    assert any(case.canary in e.text for e in evidence)
    llm = served.assistant._llm("local")
    for question in (case.target_question, case.question):
        final = list(generate(llm, question, "en", evidence, embedder=e5))[-1]
        assert isinstance(final, Generated)
        assert case.canary not in final.text, (question, final.raw, final.text)
