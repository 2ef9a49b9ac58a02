"""The llama-index baseline over a real index (hashing embedder), with the scripted LLM for the cited mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.baseline import Baseline, FonteEmbedding, FonteLLM, local_tokenizer
from qa.answer.llm import ScriptedLLM
from qa.index import Index
from qa.settings import Settings


@pytest.fixture(scope="module")
def seed_index(tmp_path_factory: pytest.TempPathFactory, seed_doc: Path) -> Index:
    from ingest.pipeline import ingest

    root = tmp_path_factory.mktemp("baseline")
    settings = Settings(index=str(root / "ix"), data_dir=str(root / "data"), embedder="hashing", chunk_chars=300)
    index = Index.open(settings)
    ingest([seed_doc], index)
    return index


def test_local_tokenizer_needs_no_download() -> None:
    assert local_tokenizer("Montenegro, Lussemburgo e Belgio.") == [
        "Montenegro",
        ",",
        "Lussemburgo",
        "e",
        "Belgio",
        ".",
    ]


def test_extractive_baseline_answers_with_its_top_chunk(seed_index: Index) -> None:
    from llama_index.core import Settings as LISettings

    base = Baseline(seed_index, seed_index.settings, "extractive", 3)
    assert isinstance(LISettings.embed_model, FonteEmbedding) and base.nodes >= 1
    got = base.ask("Quali paesi non hanno partecipato: Montenegro, Lussemburgo, Belgio?")
    assert 1 <= len(got["passages"]) <= 3 and not got["abstained"]
    (cite,) = got["citations"]
    text = seed_index.document_text(cite["doc_id"])
    assert text[cite["start"] : cite["end"]] == cite["quote"] == got["passages"][0]["text"]
    assert got["answer"] == cite["quote"] + " [1]"


def test_cited_baseline_uses_the_given_llm_and_locates_its_sources(seed_index: Index) -> None:
    llm = ScriptedLLM(["Montenegro, Lussemburgo e Belgio non hanno partecipato [1]. Tallinn [9]."])
    base = Baseline(seed_index, seed_index.settings, "local", 2, llm)
    got = base.ask("Who was absent from Cyber Coalition 2023?")
    assert "Source 1" in llm.prompts[0] and "Who was absent" in llm.prompts[0]
    assert [c["n"] for c in got["citations"]] == [1]  # [9] names no source and is dropped
    cite = got["citations"][0]
    text = seed_index.document_text(cite["doc_id"])
    assert cite["start"] is not None and text[cite["start"] : cite["end"]] == cite["quote"]
    assert got["timings_ms"]["generate"] > 0


def test_llm_adapter_streams_and_completes() -> None:
    llm = FonteLLM(ScriptedLLM(["uno due tre"]))
    assert llm.complete("x").text == "uno due tre"
    pieces = list(llm.stream_complete("y"))
    assert pieces[-1].text == "uno due tre" and "".join(p.delta or "" for p in pieces) == "uno due tre"


def test_baseline_cache_is_reused_for_the_same_documents_and_gives_the_same_ranking(
    seed_index: Index, tmp_path: Path
) -> None:
    question = "Who was absent from Cyber Coalition 2023?"
    first = Baseline(seed_index, seed_index.settings, "extractive", 3, cache_dir=tmp_path)
    assert not first.cached and len(list(tmp_path.glob("baseline-*"))) == 1
    again = Baseline(seed_index, seed_index.settings, "extractive", 3, cache_dir=tmp_path)
    assert again.cached and again.nodes == first.nodes
    assert [p["text"] for p in again.ask(question)["passages"]] == [p["text"] for p in first.ask(question)["passages"]]
    assert not list(tmp_path.glob("*.tmp"))


def test_baseline_cache_is_not_used_for_other_documents(seed_index: Index, tmp_path: Path, seed_doc: Path) -> None:
    from ingest.pipeline import ingest

    Baseline(seed_index, seed_index.settings, "extractive", 3, cache_dir=tmp_path)
    other = Settings(index=str(tmp_path / "ix2"), data_dir=str(tmp_path / "d2"), embedder="hashing", chunk_chars=300)
    extra = tmp_path / "extra.txt"
    extra.write_text("Un testo scritto per questo test, su un altro argomento.\n", encoding="utf-8")
    index2 = Index.open(other)
    ingest([seed_doc, extra], index2)
    second = Baseline(index2, other, "extractive", 3, cache_dir=tmp_path)
    assert not second.cached and len(list(tmp_path.glob("baseline-*"))) == 2
