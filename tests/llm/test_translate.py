"""The question translated for BM25 in LLM modes, prefixes kept for the model's cache, and the setting that
turns translation off (a scripted model; the real one is in test_local_model)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ingest.pipeline import ingest
from qa.answer.generate import (
    answer_prefix,
    answer_prompt,
    generate,
    read_prefix,
    rewrite_followup,
    translate,
    warm,
)
from qa.answer.llm import ScriptedLLM
from qa.assistant import Assistant
from qa.errors import ConfigError
from qa.index import Index
from qa.read.reader import LLMReader
from qa.settings import Settings
from qa.types import Evidence

EN = "Who was absent from Cyber Coalition 2023?"
IT = "Chi era assente da Cyber Coalition 2023?"


@pytest.fixture(scope="module")
def assistant(seed_doc: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    """An assistant over an index of the (Italian) corpus article whose retriever records its BM25 queries."""
    folder = tmp_path_factory.mktemp("translate-index")
    settings = Settings.from_env(
        {}, index=str(folder), embedder="e5-small", mode="extractive", translate_margin=1.0, top_k=3
    )  # top 3 of the article's 6 chunks: BM25 on the translation can bring in another
    ingest([seed_doc], Index.open(settings))
    a = Assistant.open(settings=settings)
    retrieve = a.retriever.retrieve
    a.lexical_queries = []  # type: ignore[attr-defined]

    def recording(question: str, k: int, **kw: Any) -> Any:
        a.lexical_queries.append(kw.get("lexical_query"))  # type: ignore[attr-defined]
        return retrieve(question, k, **kw)

    a.retriever.retrieve = recording  # type: ignore[method-assign]
    yield a


def _translator(prompt: str) -> str:
    return "Chi era assente da Cyber Coalition 2023?" if "Translate" in prompt else "Montenegro [1]."


def test_english_question_is_translated_into_the_corpus_language_for_bm25(assistant: Assistant) -> None:
    assert assistant.corpus_language() == "it"
    llm = ScriptedLLM(_translator)
    a = assistant.analyse(EN, llm=llm)
    assert llm.prompts and "Italian" in llm.prompts[0] and EN in llm.prompts[0]
    assert assistant.lexical_queries[-1] == IT  # type: ignore[attr-defined]
    assert "translate" in a.timings_ms and a.standalone == EN  # the dense side and evidence keep the question


def test_no_translation_without_an_llm_in_the_corpus_language_or_when_turned_off(assistant: Assistant) -> None:
    llm = ScriptedLLM(_translator)
    assistant.analyse(EN)
    assistant.analyse(IT, llm=llm)
    assert llm.prompts == []
    saved = assistant.settings
    assistant.settings = saved.replace(translate_questions=False)
    try:
        assistant.analyse(EN, llm=llm)
    finally:
        assistant.settings = saved
    assert llm.prompts == [] and assistant.lexical_queries[-3:] == [None, None, None]  # type: ignore[attr-defined]


def test_only_questions_without_a_clear_dense_lead_are_translated(assistant: Assistant) -> None:
    dense = assistant.analyse(EN).retrieved.dense_scores
    lead = dense[0] - dense[1]
    saved = assistant.settings
    asked = []
    try:
        for margin in (lead - 1e-4, lead + 1e-4):
            assistant.settings = saved.replace(translate_margin=margin)
            llm = ScriptedLLM(_translator)
            a = assistant.analyse(EN, llm=llm)
            asked.append((len(llm.prompts), "translate" in a.timings_ms, assistant.lexical_queries[-1]))  # type: ignore[attr-defined]
    finally:
        assistant.settings = saved
    assert asked == [(0, False, None), (1, True, IT)]


def test_no_translation_when_every_passage_is_retrieved_anyway(assistant: Assistant) -> None:
    llm = ScriptedLLM(_translator)
    a = assistant.analyse(EN, llm=llm, top_k=assistant.retriever.chunk_count)
    assert llm.prompts == [] and "translate" not in a.timings_ms
    assistant.analyse(EN, llm=llm, top_k=assistant.retriever.chunk_count - 1)
    assert len(llm.prompts) == 1


def test_an_empty_translation_leaves_bm25_the_question(assistant: Assistant) -> None:
    assistant.analyse(EN, llm=ScriptedLLM([""]))
    assert assistant.lexical_queries[-1] is None  # type: ignore[attr-defined]


def test_translate_questions_setting_reads_yes_and_no() -> None:
    assert Settings.from_env({}).translate_questions is True
    assert Settings.from_env({"FONTE_TRANSLATE_QUESTIONS": "0"}).translate_questions is False
    assert Settings.from_env({"FONTE_TRANSLATE_QUESTIONS": "yes"}).translate_questions is True
    with pytest.raises(ConfigError, match="FONTE_TRANSLATE_QUESTIONS"):
        Settings.from_env({"FONTE_TRANSLATE_QUESTIONS": "maybe"})


def test_answer_and_translation_prompts_start_with_the_prefix_they_keep(
    evidence_for: Callable[..., list[Evidence]],
) -> None:
    ev = evidence_for("Montenegro")
    for lang in ("en", "it"):
        assert answer_prompt(EN, lang, ev).startswith(answer_prefix(lang))
        assert answer_prefix(lang).rstrip().endswith(":\n<evidence>") and "{" not in answer_prefix(lang)
    llm = ScriptedLLM(["Montenegro [1]."])
    list(generate(llm, EN, "en", ev, embedder=_no_embedder()))
    assert llm.kept == [answer_prefix("en")] and llm.prompts[0].startswith(llm.kept[0])
    llm = ScriptedLLM(["Chi era assente?"])
    translate(llm, EN, "it")
    assert llm.prompts[0].startswith(llm.kept[0]) and EN not in llm.kept[0] and "Italian" in llm.kept[0]
    llm = ScriptedLLM(["Who joined Cyber Coalition 2023 for the first time?"])
    rewrite_followup(llm, "and who joined for the first time?", [(EN, "Montenegro [1].")])
    assert len(llm.kept) == 1 and llm.prompts[0].startswith(llm.kept[0]) and EN not in llm.kept[0]
    rewrite = llm.kept[0]
    llm = ScriptedLLM(["Montenegro"])
    LLMReader(llm).read(EN, ev, "en")
    assert llm.prompts[0].startswith(read_prefix()) and "<evidence>" in read_prefix() and EN not in read_prefix()
    llm = ScriptedLLM([""])
    warm(llm)
    assert llm.kept == [answer_prefix("en"), answer_prefix("it"), rewrite, read_prefix()]


def _no_embedder() -> Any:
    from qa.embed import make_embedder

    return make_embedder("hashing")
