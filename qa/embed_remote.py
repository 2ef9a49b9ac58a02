"""An OpenAI-compatible `/v1/embeddings` endpoint as an embedder (vLLM, TEI, llama.cpp server, OpenAI).

Chosen as `openai:<model>` in `qa.embed.make_embedder`; the endpoint comes from `Settings.embed_base_url`.
The vector size is asked of the server once, when the embedder is made, and becomes part of the embedder's id
with the model's name (and the prefixes, when set): the index keeps one collection per id, so switching models
or sizes never mixes vectors, and a server that starts answering with another size is refused.
"""

from __future__ import annotations

import hashlib
import re
import time
from typing import Any

import numpy as np

from qa.embed import EmbedOptions, _normalise
from qa.errors import ConfigError, ModelError

RETRY_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})
BACKOFF_S = 0.5  # first wait before a retry; doubled each time
MAX_WAIT_S = 30.0  # the longest wait, whatever a Retry-After header asks
PROBE = "dimension probe"


def remote_id(model: str, dim: int, query_prefix: str = "", passage_prefix: str = "") -> str:
    """A Chroma-safe id naming the model and the vector size, and the prefixes (hashed) when any is set."""
    slug = re.sub(r"[^a-z0-9]+", "-", model.lower()).strip("-")[:60] or "model"
    out = f"openai-{slug}-{dim}"
    if query_prefix or passage_prefix:
        out += "-" + hashlib.sha1(f"{query_prefix}\0{passage_prefix}".encode()).hexdigest()[:6]
    return out


class RemoteEmbedder:
    """Sends texts in batches to `<base_url>/v1/embeddings` and returns their unit vectors."""

    def __init__(self, model: str, opts: EmbedOptions) -> None:
        """Connect to `opts.base_url` and ask the server for one vector, to learn its size.

        Raises:
            ConfigError: no endpoint or no model name. ModelError: the server is unreachable, refuses the model
                or the key, or answers something that is not embeddings.
        """
        import httpx

        if not opts.base_url:
            raise ConfigError(
                f"the openai:{model} embedder needs a server: set FONTE_EMBED_BASE_URL (e.g. http://localhost:8000/v1)."
            )
        if not model:
            raise ConfigError("the openai embedder needs a model name: FONTE_EMBEDDER=openai:<model>.")
        base = opts.base_url.rstrip("/")
        self.url = base + ("/embeddings" if base.endswith("/v1") else "/v1/embeddings")
        self.model = model
        self.batch = max(1, opts.batch)
        self.retries = max(0, opts.retries)
        self.query_prefix, self.passage_prefix = opts.query_prefix, opts.passage_prefix
        headers = {"Authorization": f"Bearer {opts.api_key}"} if opts.api_key else {}
        timeout = httpx.Timeout(opts.timeout_s, connect=min(10.0, opts.timeout_s))
        self._client = httpx.Client(headers=headers, timeout=timeout)
        self.dim = 0
        self.dim = int(self._post([PROBE]).shape[1])
        self.id = remote_id(model, self.dim, self.query_prefix, self.passage_prefix)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._embed([self.passage_prefix + t for t in texts])

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._embed([self.query_prefix + t for t in texts])

    def _embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        parts = [self._post(texts[i : i + self.batch]) for i in range(0, len(texts), self.batch)]
        return np.concatenate(parts)

    def _post(self, texts: list[str]) -> np.ndarray:
        """One request, retried on 429, 5xx and on no answer, waiting longer each time."""
        import httpx

        body = {"model": self.model, "input": texts}
        for attempt in range(self.retries + 1):
            wait = BACKOFF_S * 2**attempt
            try:
                resp = self._client.post(self.url, json=body)
            except httpx.TimeoutException as exc:
                error = ModelError(
                    f"the embeddings server at {self.url} timed out: check that it is running and not overloaded "
                    "(or raise FONTE_EMBED_TIMEOUT_S)."
                )
                error.__cause__ = exc
            except httpx.HTTPError as exc:
                error = ModelError(
                    f"cannot reach the embeddings server at {self.url} ({type(exc).__name__}: {exc}): "
                    "check FONTE_EMBED_BASE_URL and that the server is running."
                )
                error.__cause__ = exc
            else:
                if resp.status_code < 400:
                    return self._vectors(resp, len(texts))
                error = self._refusal(resp)
                if resp.status_code not in RETRY_STATUS:
                    raise error
                wait = _retry_after(resp, wait)
            if attempt < self.retries:
                time.sleep(min(wait, MAX_WAIT_S))
        raise error

    def _refusal(self, resp: Any) -> ModelError:
        detail = resp.text[:300]
        hint = {
            401: "check FONTE_EMBED_API_KEY",
            403: "check FONTE_EMBED_API_KEY",
            404: f"check the model name in FONTE_EMBEDDER=openai:{self.model} and the /v1 path of FONTE_EMBED_BASE_URL",
            400: f"check the model name in FONTE_EMBEDDER=openai:{self.model} and that it is an embedding model",
            413: "lower FONTE_EMBED_BATCH",
        }.get(resp.status_code, "the server is failing or overloaded; try again later")
        return ModelError(f"the embeddings server at {self.url} answered HTTP {resp.status_code} ({detail}): {hint}.")

    def _vectors(self, resp: Any, n: int) -> np.ndarray:
        try:
            rows = sorted(resp.json()["data"], key=lambda d: int(d.get("index", 0)))
            vectors = np.asarray([r["embedding"] for r in rows], np.float32)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ModelError(
                f"the embeddings server at {self.url} did not answer with embeddings ({resp.text[:120]!r}): "
                "check that FONTE_EMBED_BASE_URL is an OpenAI-compatible endpoint."
            ) from exc
        if vectors.ndim != 2 or len(vectors) != n:
            raise ModelError(f"the embeddings server at {self.url} returned {len(vectors)} vectors for {n} texts.")
        if self.dim and vectors.shape[1] != self.dim:
            raise ModelError(
                f"the embeddings server at {self.url} now returns {vectors.shape[1]}-dimensional vectors for "
                f"{self.model}, but this index ({self.id}) holds {self.dim}-dimensional ones: the model behind the "
                "server changed. Serve the same model again, or restart Fonte and ingest again into the index "
                "of the new size."
            )
        return _normalise(vectors)


def _retry_after(resp: Any, default: float) -> float:
    try:
        return max(0.0, float(resp.headers.get("retry-after", default)))
    except ValueError:  # an HTTP date: not worth parsing
        return default
