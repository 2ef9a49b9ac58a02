"""LLM backends behind one small protocol, chosen by name in `make_llm` alone.

- `local`: the packaged GGUF (or `settings.llm_path`) through llama-cpp-python, one model per process
  (`qa/answer/llm_local.py`).
- `openai`: any OpenAI-compatible server (vLLM, Ollama, llama.cpp server) over plain HTTP with SSE streaming.

A prompt is sent as one user message, so the model's own chat template applies on both backends.
`ScriptedLLM` is the fake for tests: it streams given replies and records the prompts it saw.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from qa.answer import model_files
from qa.answer.llm_local import LocalLLM, user_messages
from qa.errors import ModelError
from qa.settings import Settings

MODES = ("extractive", "local", "openai")


@runtime_checkable
class LLM(Protocol):
    """A chat model that turns one prompt (sent as a user message) into text."""

    name: str

    def stream(self, prompt: str, *, max_tokens: int = 256, stop: Sequence[str] = ()) -> Iterator[str]:
        """Yield the reply in pieces as they are generated.

        Raises:
            ModelError: the model cannot run or the server fails.
        """
        ...

    def complete(self, prompt: str, *, max_tokens: int = 256, stop: Sequence[str] = ()) -> str:
        """The whole reply at once."""
        ...

    def keep_prefix(self, prefix: str) -> None:
        """Read `prefix`, the fixed start of prompts to come, ahead of time and keep it, so that those prompts
        cost only what follows it (a no-op where the server caches prefixes itself).

        Raises:
            ModelError: the model failed.
        """
        ...


class OpenAILLM:
    """An OpenAI-compatible `/v1/chat/completions` endpoint, streamed with server-sent events."""

    def __init__(self, base_url: str, model: str, api_key: str = "", *, timeout_s: float = 120.0) -> None:
        import httpx

        base = base_url.rstrip("/")
        self.url = base + ("/chat/completions" if base.endswith("/v1") else "/v1/chat/completions")
        self.model = model
        self.name = f"openai:{model or 'default'}@{base}"
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(headers=headers, timeout=httpx.Timeout(timeout_s, connect=10.0))

    def _body(self, prompt: str, max_tokens: int, stop: Sequence[str]) -> dict[str, Any]:
        body: dict[str, Any] = {
            "messages": user_messages(prompt),
            "max_tokens": max_tokens,
            "temperature": 0.0,
            "stream": True,
        }
        if self.model:
            body["model"] = self.model
        if stop:
            body["stop"] = list(stop)
        return body

    def stream(self, prompt: str, *, max_tokens: int = 256, stop: Sequence[str] = ()) -> Iterator[str]:
        import httpx

        try:
            with self._client.stream("POST", self.url, json=self._body(prompt, max_tokens, stop)) as resp:
                if resp.status_code >= 400:
                    detail = resp.read().decode("utf-8", "replace")[:300]
                    raise ModelError(
                        f"the LLM server at {self.url} answered HTTP {resp.status_code}: {detail}. "
                        "Check FONTE_OPENAI_MODEL and FONTE_OPENAI_API_KEY."
                    )
                yield from _sse_pieces(resp.iter_lines(), self.url)
        except httpx.TimeoutException as exc:
            raise ModelError(
                f"the LLM server at {self.url} timed out: check that it is running and not overloaded."
            ) from exc
        except httpx.HTTPError as exc:
            raise ModelError(
                f"cannot reach the LLM server at {self.url} ({type(exc).__name__}: {exc}): "
                "check FONTE_OPENAI_BASE_URL and that the server is running."
            ) from exc

    def keep_prefix(self, prefix: str) -> None:
        """Nothing to do: OpenAI-compatible servers (vLLM, llama.cpp server) reuse shared prefixes themselves."""

    def complete(self, prompt: str, *, max_tokens: int = 256, stop: Sequence[str] = ()) -> str:
        return "".join(self.stream(prompt, max_tokens=max_tokens, stop=stop))


def _sse_pieces(lines: Iterator[str], url: str) -> Iterator[str]:
    """Content pieces from the `data: {...}` lines of an OpenAI chat-completions stream."""
    for line in lines:
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            return
        try:
            event = json.loads(data)
        except ValueError as exc:
            raise ModelError(f"the LLM server at {url} sent a malformed event: {data[:120]!r}.") from exc
        if "error" in event:
            raise ModelError(f"the LLM server at {url} reported an error: {event['error']}.")
        choices = event.get("choices") or [{}]
        piece = (choices[0].get("delta") or {}).get("content")
        if piece:
            yield piece


class ScriptedLLM:
    """A fake for tests: replies are given (a list used in turn, or a function of the prompt) and streamed
    in word-sized pieces; `prompts` records what it was asked."""

    name = "scripted"

    def __init__(self, replies: Sequence[str] | Callable[[str], str]) -> None:
        self._replies = replies
        self.prompts: list[str] = []
        self.kept: list[str] = []

    def stream(self, prompt: str, *, max_tokens: int = 256, stop: Sequence[str] = ()) -> Iterator[str]:
        self.prompts.append(prompt)
        if callable(self._replies):
            reply = self._replies(prompt)
        else:
            reply = self._replies[min(len(self.prompts), len(self._replies)) - 1]
        for s in stop:
            reply = reply.split(s)[0] if s else reply
        words = reply.split(" ")
        for i, word in enumerate(words):
            yield word if i == 0 else " " + word

    def keep_prefix(self, prefix: str) -> None:
        self.kept.append(prefix)

    def complete(self, prompt: str, *, max_tokens: int = 256, stop: Sequence[str] = ()) -> str:
        return "".join(self.stream(prompt, max_tokens=max_tokens, stop=stop))


_local_lock = threading.Lock()
_local: tuple[tuple[Path, int, int], LocalLLM] | None = None


def _local_llm(settings: Settings) -> LocalLLM:
    """The process's one loaded local model; another path, context size or thread count replaces it."""
    global _local
    path = model_files.model_path(settings)
    key = (path, settings.llm_context, settings.llm_threads)
    with _local_lock:
        if _local is None or _local[0] != key:
            _local = None  # release the old model before loading another
            _local = (key, LocalLLM(path, n_ctx=settings.llm_context, threads=settings.llm_threads))
        return _local[1]


@functools.cache
def llama_cpp_installed() -> bool:
    """True when llama-cpp-python imports (checked once per process: it loads llama.cpp's library)."""
    if importlib.util.find_spec("llama_cpp") is None:
        return False
    try:
        import llama_cpp  # noqa: F401
    except (ImportError, OSError):  # installed but broken, e.g. its shared library is missing
        return False
    return True


def available_modes(settings: Settings) -> list[str]:
    """The answer modes that can run now: always `extractive`; `local` when llama-cpp-python and a model are
    installed; `openai` when an endpoint is configured (its reachability is checked on first use)."""
    modes = ["extractive"]
    if llama_cpp_installed() and model_files.model_present(settings):
        modes.append("local")
    if settings.openai_base_url:
        modes.append("openai")
    return modes


def make_llm(mode: str, settings: Settings) -> LLM:
    """The one place an LLM backend is chosen by name.

    Args:
        mode: `local` or `openai`.
        settings: model path, threads and context size, or the endpoint's URL, model and key.

    Raises:
        ModelError: the backend is not installed or configured, or the model fails to load or verify.
    """
    if mode == "local":
        if not llama_cpp_installed():
            raise ModelError(
                "the local mode needs llama-cpp-python: run scripts/install_local_model.sh "
                "(or pip install llama-cpp-python==0.3.36)."
            )
        return _local_llm(settings)
    if mode == "openai":
        if not settings.openai_base_url:
            raise ModelError("the openai mode needs a server: set FONTE_OPENAI_BASE_URL (and FONTE_OPENAI_MODEL).")
        return OpenAILLM(settings.openai_base_url, settings.openai_model, settings.openai_api_key)
    raise ModelError(f"unknown LLM mode {mode!r}: use 'local' or 'openai' (or 'extractive' for no LLM).")
