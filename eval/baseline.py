"""The baseline: llama-index's starter pipeline over the same documents, embedder, top-k and LLM.

`VectorStoreIndex` with the default `SentenceSplitter` (1,024-token chunks, 200 overlap) in the in-memory
vector store, over the cleaned texts that Fonte's index holds. Extractive mode answers with the top chunk;
LLM modes answer through a `CitationQueryEngine`. The only module of Fonte that uses llama-index's
high-level API. Nothing here may reach a network: the tokenizer, embedder and LLM are all set explicitly.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import shutil
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from llama_index.core import Document as LIDocument
from llama_index.core import Settings as LISettings
from llama_index.core import StorageContext, VectorStoreIndex, load_index_from_storage
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.llms import CompletionResponse, CompletionResponseGen, CustomLLM, LLMMetadata
from llama_index.core.llms.callbacks import llm_completion_callback
from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.query_engine import CitationQueryEngine
from pydantic import PrivateAttr

from qa.answer.llm import LLM
from qa.embed import Embedder
from qa.index import Index
from qa.settings import Settings

_WORDS = re.compile(r"\w+|[^\w\s]", re.UNICODE)
_SOURCE = re.compile(r"^Source \d+:\n", re.MULTILINE)
_CITED = re.compile(r"\[(\d+)\]")


def local_tokenizer(text: str) -> list[str]:
    """Words and punctuation: a local stand-in for tiktoken, so nothing is fetched to count tokens."""
    return _WORDS.findall(text)


class FonteEmbedding(BaseEmbedding):
    """A llama-index embedding model over one of Fonte's embedders (the same vectors Fonte uses)."""

    _embedder: Any = PrivateAttr()

    def __init__(self, embedder: Embedder, **kwargs: Any) -> None:
        super().__init__(model_name=f"fonte:{embedder.id}", embed_batch_size=32, **kwargs)
        self._embedder = embedder

    def _get_query_embedding(self, query: str) -> list[float]:
        return [float(x) for x in self._embedder.embed_queries([query])[0]]

    def _get_text_embedding(self, text: str) -> list[float]:
        return [float(x) for x in self._embedder.embed_passages([text])[0]]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return [[float(x) for x in v] for v in self._embedder.embed_passages(list(texts))]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


class FonteLLM(CustomLLM):
    """A llama-index LLM over Fonte's `qa.answer.llm` backend (the same model and server Fonte answers with)."""

    context_window: int = 4096
    num_output: int = 256
    _llm: Any = PrivateAttr()

    def __init__(self, llm: LLM, context_window: int = 4096, num_output: int = 256) -> None:
        super().__init__(context_window=context_window, num_output=num_output)
        self._llm = llm

    @property
    def metadata(self) -> LLMMetadata:
        name = str(getattr(self._llm, "name", "fonte-llm"))
        return LLMMetadata(context_window=self.context_window, num_output=self.num_output, model_name=name)

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return CompletionResponse(text=self._llm.complete(prompt, max_tokens=self.num_output))

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        def gen() -> Iterator[CompletionResponse]:
            text = ""
            for piece in self._llm.stream(prompt, max_tokens=self.num_output):
                text += piece
                yield CompletionResponse(text=text, delta=piece)

        return gen()


class Baseline:
    """The starter pipeline, built once over the documents of a Fonte index; `ask` mirrors `Answer.to_dict()`.

    With `cache_dir`, the built vector index is persisted there (llama-index's own storage format), keyed by
    the embedder and the documents' texts, and loaded instead of re-embedded when nothing changed.
    """

    def __init__(
        self,
        index: Index,
        settings: Settings,
        mode: str,
        top_k: int,
        llm: LLM | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.mode = mode
        self.top_k = top_k
        self._texts: dict[str, str] = {}
        LISettings.embed_model = FonteEmbedding(index.embedder)
        LISettings.tokenizer = local_tokenizer
        self._llm = FonteLLM(llm, settings.llm_context) if llm is not None else None
        with contextlib.redirect_stdout(sys.stderr):  # llama-index prints a notice when it picks MockLLM
            LISettings.llm = self._llm  # type: ignore[assignment]  # None selects MockLLM, never OpenAI
        docs = self._documents(index)
        started = time.perf_counter()
        self.vindex, self.cached = self._vector_index(docs, index.embedder.id, cache_dir)
        self.build_seconds = time.perf_counter() - started
        self.nodes = len(self.vindex.docstore.docs)
        self._engine = None
        if self._llm is not None:
            self._engine = CitationQueryEngine.from_args(
                self.vindex,
                llm=self._llm,
                similarity_top_k=top_k,
                text_splitter=SentenceSplitter(chunk_size=512, chunk_overlap=20, tokenizer=local_tokenizer),
            )

    def _vector_index(
        self, docs: list[LIDocument], embedder_id: str, cache_dir: Path | None
    ) -> tuple[VectorStoreIndex, bool]:
        """The vector index of `docs`: loaded from `cache_dir` when built there before, else built (and saved)."""
        folder = None
        if cache_dir is not None:
            digest = hashlib.sha256(embedder_id.encode())
            for d in docs:
                digest.update(f"\0{d.id_}\0{d.text}".encode())
            folder = Path(cache_dir) / f"baseline-{digest.hexdigest()[:16]}"
            if (folder / "docstore.json").exists():
                storage = StorageContext.from_defaults(persist_dir=str(folder))
                return load_index_from_storage(storage), True  # type: ignore[return-value]
        vindex = VectorStoreIndex.from_documents(docs, transformations=[SentenceSplitter(tokenizer=local_tokenizer)])
        if folder is not None:
            tmp = folder.with_name(folder.name + ".tmp")
            for stale in (tmp, folder):
                shutil.rmtree(stale, ignore_errors=True)
            vindex.storage_context.persist(persist_dir=str(tmp))
            tmp.rename(folder)  # whole or absent: a crash mid-write leaves no half cache
        return vindex, False

    def _documents(self, index: Index) -> list[LIDocument]:
        out = []
        for doc_id, rec in sorted(index.documents(refresh=True).items()):
            text = index.document_text(doc_id)
            self._texts[doc_id] = text
            meta = {"title": rec.title, "doc_id": doc_id, "source": rec.source}
            out.append(
                LIDocument(
                    text=text,
                    id_=doc_id,
                    metadata=meta,
                    excluded_embed_metadata_keys=["doc_id", "source"],
                    excluded_llm_metadata_keys=["doc_id", "source"],
                )
            )
        return out

    def ask(self, question: str) -> dict[str, Any]:
        """Answer one question; the result has the keys of `Answer.to_dict()`."""
        t0 = time.perf_counter()
        retriever = self.vindex.as_retriever(similarity_top_k=self.top_k)
        hits = retriever.retrieve(question)
        t1 = time.perf_counter()
        passages = [_passage(i + 1, h) for i, h in enumerate(hits)]
        if self._engine is None:
            cites = [_citation(1, hits[0], self._texts)] if hits else []
            answer = f"{hits[0].node.get_content()} [1]" if hits else ""
            generate = 0.0
        else:
            response = self._engine.query(question)
            answer = str(response)
            cites = _cited(answer, response.source_nodes, self._texts)
            generate = (time.perf_counter() - t1) * 1000
        total = (time.perf_counter() - t0) * 1000
        timings = {"retrieve": (t1 - t0) * 1000, "generate": generate, "total": total}
        return {
            "question": question,
            "answer": answer,
            "abstained": False,
            "citations": cites,
            "passages": passages,
            "mode": f"baseline-{self.mode}",
            "timings_ms": timings,
        }


def _passage(rank: int, hit: Any) -> dict[str, Any]:
    node = hit.node
    return {
        "rank": rank,
        "doc_id": node.metadata.get("doc_id", ""),
        "source": node.metadata.get("source", ""),
        "title": node.metadata.get("title", ""),
        "text": node.get_content(),
        "start": node.start_char_idx,
        "end": node.end_char_idx,
        "score": float(hit.score or 0.0),
    }


def _citation(n: int, hit: Any, texts: dict[str, str], quote: str | None = None) -> dict[str, Any]:
    """A citation of a retrieved node: its own offsets when it has them, else where its text is found."""
    node = hit.node
    doc_id = str(node.metadata.get("doc_id", ""))
    quote = node.get_content() if quote is None else quote
    start, end = node.start_char_idx, node.end_char_idx
    if start is None or end is None or node.get_content() != quote:
        pos = texts.get(doc_id, "").find(quote)
        start, end = (pos, pos + len(quote)) if pos >= 0 else (None, None)
    return {
        "n": n,
        "doc_id": doc_id,
        "source": node.metadata.get("source", ""),
        "title": node.metadata.get("title", ""),
        "quote": quote,
        "start": start,
        "end": end,
    }


def _cited(answer: str, sources: Sequence[Any], texts: dict[str, str]) -> list[dict[str, Any]]:
    """The `Source n` nodes that the answer's [n] markers name (ignoring markers without a source)."""
    out = []
    for n in sorted({int(x) for x in _CITED.findall(answer)}):
        if 1 <= n <= len(sources):
            quote = _SOURCE.sub("", sources[n - 1].node.get_content(), count=1).strip()
            out.append(_citation(n, sources[n - 1], texts, quote))
    return out
