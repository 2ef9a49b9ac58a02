"""One Settings object: the only code in Fonte that reads environment variables (prefix `FONTE_`).

Build it once with `Settings.from_env()` at a program's edge and pass it down; tests build it explicitly
with `Settings(...)` or `settings.replace(...)`.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.errors import ConfigError

DEFAULT_COLLECTION = "default"
_COLLECTION_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9_-]{0,30}[a-z0-9])?$")


def check_collection_name(name: str) -> str:
    """`name` if it can name a document collection (lower-case letters, digits, `_`, `-`; at most 32), else
    ConfigError."""
    if not _COLLECTION_NAME.match(name or ""):
        raise ConfigError(
            f"{name!r} is not a valid collection name: use lower-case letters, digits, _ and - (at most 32, "
            "starting and ending with a letter or digit)."
        )
    return name


def _default_data_dir(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "fonte"


@dataclass(frozen=True)
class Settings:
    """Every knob of Fonte, with defaults that work offline on a 2-core laptop.

    Attributes:
        index: a folder for an embedded Chroma index, or `http://host:port` for a Chroma server.
        collection: the document collection in that index (`default`: the one Fonte always had); each is its
            own pair of Chroma collections (qa/index.py), and the web app grants them to users (ui/accounts.py).
        embedder: embedder backend name (`e5-small`, `use-m3`, `minilm`, `hashing`, a local model folder, or
            `openai:<model>` for an OpenAI-compatible `/v1/embeddings` endpoint: vLLM, TEI, llama.cpp server).
        embed_device: where a sentence-transformers model (`minilm`, a model folder) runs: `auto` (cuda when
            torch sees a GPU, then mps, else cpu) or a torch device (`cpu`, `cuda`, `cuda:1`).
        embed_batch: passages per embedding call in ingest, and per forward pass or request in the backend.
        embed_base_url / embed_api_key / embed_timeout_s / embed_retries: the endpoint of `openai:<model>`
            (its own, not the chat LLM's `openai_*`); requests answered 429 or 5xx, or not answered, are
            retried `embed_retries` times with growing waits.
        embed_query_prefix / embed_passage_prefix: text put before each question / passage sent to the
            endpoint, for models trained with them (e5: `query: ` and `passage: `).
        data_dir: where Fonte keeps its own files (assembled LLM, feedback, locks for server indexes).
        chunk_chars: target chunk size in characters; chunks are whole sentences up to about this size.
        max_file_mb: files larger than this are rejected by ingest.
        docx_max_uncompressed_mb / docx_max_entries: zip-bomb limits for .docx.
        read_timeout_s / read_max_mb: each file is read, cleaned and chunked in a separate process that is
            stopped after this many seconds or past this much memory, and the file rejected with that reason
            (a hostile PDF, a pathological line); the ingest and the web app go on.
        ocr_page_timeout_s: seconds each page to be read by OCR adds to a file's `read_timeout_s` (a dense page
            took 3-6 s on 2 busy cores, bench/bench_pdf.py; the default leaves room for a loaded machine), so
            that a 300-page scan is not stopped by the limit meant for text. A scan stopped anyway resumes at
            the next run from the first page not yet read (`ingest.ocr_cache`).
        ocr: how pages without text (scanned PDFs, images) are read (ingest/ocr.py): `auto` (Tesseract, in
            the language the page reads in), `off` (such files get a "needs OCR" status), or Tesseract language
            codes (`ita`, `ara+eng`).
        page_cache_mb: the most disk the web app's rendered PDF pages (for the highlight of a citation) may take
            under `data_dir/page-images`; past it, the pages used least recently are removed after a render.
        top_k: passages retrieved per question.
        dense_exact_max / dense_ef_search: up to `dense_exact_max` chunks, a worker holds every chunk: the dense
            side of retrieval is exact (every vector in memory, `qa.retrieve.dense.DenseMatrix`: deterministic, and
            cheaper at that size) and BM25 is built in memory. Above it, Chroma's own HNSW index is searched
            (`qa.retrieve.dense.StoreDense`) with this search breadth, BM25 is the collection's persistent index,
            memory-mapped (`qa.lexical_store`), and only the chunks a question needs are read, by id
            (bench/bench_scale.py measures where and how well).
        mode: answer mode: `auto` (local when installed, else extractive), `extractive`, `local`, `openai`.
        reader: how the short answer is found (qa/read/reader.py): `auto` (the LLM in LLM modes, else the evidence
            stage's lead span), `llm`, `lead` or `none`.
        llm_judge: in LLM modes, the model also judges whether the top evidence answers (one prompt read, no
            words generated), and abstention reads that judgement where a model for it was fitted.
        quote_renderings: the page renders an extractive answer's quotes, and the closest passages after an
            abstention in any mode, where they are in another language than the answer's, with an LLM mode that
            can run here (`qa.answer.renderings.render`), after showing the answer with its links (the Sources
            panel fills them in; renderings are kept, so a quote is rendered once); `FONTE_QUOTE_RENDERINGS=0`
            turns it off. LLM modes always render their answer's quotes.
        llm_path: a GGUF file for `local` mode; empty means the packaged model.
        llm_threads: CPU threads for the local LLM.
        translate_questions: in LLM modes, translate the question into the documents' language for the
            lexical (BM25) side of retrieval. On the cross-lingual dev set it raises recall@5 from 0.907 to
            0.960 and costs the local model about 0.8 s before the first token (bench/bench_translate.py);
            `FONTE_TRANSLATE_QUESTIONS=0` turns it off.
        translate_margin: translate only when the best dense match leads the second by less than this
            cosine margin: a clear lead is rarely changed by the lexical side. At 0.01, 41% of the dev
            questions are translated and recall@5 stays 0.960 (the four questions translation lifts into
            the top 5 all lead by under 0.0045); 1 translates every question.
        openai_base_url / openai_model / openai_api_key: the OpenAI-compatible endpoint for `openai` mode.
        abstain_threshold: evidence score under which Fonte abstains; empty means the calibrated value.
        ui_host / ui_port / ui_auth / ui_max_file_mb / ui_concurrency / ui_max_queue: the web app.
        api_ingest_dirs: folders on the server whose files the HTTP API may ingest by path (`POST
            /api/documents/path`), separated by the OS path separator (`:` on Linux); empty (the default)
            allows none, so that only uploads reach the index over HTTP.
        datasets_dir: the shared data folder the evaluation suites read (default: `shared/` beside the checkout).
    """

    index: str = ""
    collection: str = DEFAULT_COLLECTION
    embedder: str = "e5-small"
    embed_device: str = "auto"
    embed_batch: int = 64
    embed_base_url: str = ""
    embed_api_key: str = ""
    embed_timeout_s: float = 60.0
    embed_retries: int = 4
    embed_query_prefix: str = ""
    embed_passage_prefix: str = ""
    data_dir: str = ""
    chunk_chars: int = 900
    max_file_mb: float = 50.0
    docx_max_uncompressed_mb: float = 200.0
    docx_max_entries: int = 2000
    read_timeout_s: float = 120.0
    read_max_mb: float = 3072.0
    ocr_page_timeout_s: float = 30.0
    page_cache_mb: float = 200.0
    ocr: str = "auto"
    top_k: int = 10
    dense_exact_max: int = 20000
    dense_ef_search: int = 200
    mode: str = "auto"
    reader: str = "auto"
    llm_judge: bool = True
    quote_renderings: bool = True
    llm_path: str = ""
    llm_threads: int = 2
    llm_context: int = 4096
    translate_questions: bool = True
    translate_margin: float = 0.01
    openai_base_url: str = ""
    openai_model: str = ""
    openai_api_key: str = ""
    abstain_threshold: float | None = None
    ui_host: str = "127.0.0.1"
    ui_port: int = 7860
    ui_auth: str = ""
    ui_max_file_mb: float = 25.0
    ui_concurrency: int = 2
    ui_max_queue: int = 32
    api_ingest_dirs: str = ""
    datasets_dir: str = ""

    def __post_init__(self) -> None:
        data_dir = self.data_dir or str(_default_data_dir(os.environ))
        object.__setattr__(self, "data_dir", data_dir)
        if not self.index:
            object.__setattr__(self, "index", str(Path(data_dir) / "index"))
        if not self.datasets_dir:
            object.__setattr__(self, "datasets_dir", str(Path(__file__).resolve().parents[2] / "shared"))
        check_collection_name(self.collection)
        if self.chunk_chars < 100:
            raise ConfigError(f"chunk size {self.chunk_chars} is too small: use at least 100 characters.")
        if self.dense_ef_search < 1:
            raise ConfigError(f"dense_ef_search must be at least 1, not {self.dense_ef_search}.")
        if self.embed_batch < 1:
            raise ConfigError(f"embed_batch must be at least 1, not {self.embed_batch}.")
        if self.embed_retries < 0 or self.embed_timeout_s <= 0:
            raise ConfigError("embed_retries must be 0 or more and embed_timeout_s more than 0.")
        if self.top_k < 1:
            raise ConfigError(f"top_k must be at least 1, not {self.top_k}.")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read `FONTE_*` variables (e.g. `FONTE_INDEX`, `FONTE_EMBEDDER`), then apply `overrides`.

        Overrides whose value is None are ignored, so CLI flags can be passed straight through.

        Raises:
            ConfigError: a variable holds a value of the wrong type.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = env.get("FONTE_" + f.name.upper())
            if raw is not None and raw != "":
                values[f.name] = _convert(f.name, str(f.type), raw)
        if "data_dir" not in values:
            values["data_dir"] = str(_default_data_dir(env))
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    @property
    def is_remote_index(self) -> bool:
        return self.index.startswith(("http://", "https://"))


def _convert(name: str, type_name: str, raw: str) -> Any:
    if type_name.startswith("bool"):
        if raw.strip().lower() in ("1", "true", "yes", "on"):
            return True
        if raw.strip().lower() in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"FONTE_{name.upper()}={raw!r} is not a yes/no value: use 1 or 0.")
    try:
        if type_name.startswith("int"):
            return int(raw)
        if type_name.startswith("float"):
            return float(raw)
    except ValueError:
        raise ConfigError(f"FONTE_{name.upper()}={raw!r} is not a number.") from None
    return raw
