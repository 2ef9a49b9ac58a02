"""LLM backends behind one small protocol, chosen by name in `make_llm` alone.

- `local`: the packaged GGUF (or `settings.llm_path`) through llama-cpp-python, one model per process.
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

from qa import model_files
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


_MARK = "\u241f"  # a character no prompt holds: marks where a kept prefix ends in the templated text


def _messages(prompt: str) -> Any:
    """One user message, in the shape llama.cpp's chat formatter takes (its TypedDicts)."""
    return [{"role": "user", "content": prompt}]


class LocalLLM:
    """A GGUF model run in-process by llama.cpp; calls are serialised (one context, one generation at a time).

    Prompts are put in the model's own chat template here, so their tokens are known before generation:
    llama.cpp then reads only what follows the longest token prefix shared with the previous prompt, and a
    prefix given to `keep_prefix` (the fixed instructions of the answer prompt) is restored from a saved
    state when other prompts (translations, rewrites) came in between.

    `flash_attn` and `n_ubatch=256` read a prompt about 5% faster than the defaults on 2 cores (188 tokens
    after a cached prefix: 1.81-2.0 s against 1.97-2.18 s); the kept prefix is what makes the first token
    fast (bench/bench_llm.py: cold and warm).
    """

    def __init__(self, path: Path, *, n_ctx: int = 4096, threads: int = 2) -> None:
        try:
            from llama_cpp import Llama
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter
        except ImportError as exc:
            raise ModelError(
                "the local mode needs llama-cpp-python: run scripts/install_local_model.sh "
                "(or pip install llama-cpp-python==0.3.36)."
            ) from exc
        try:
            self._llama = Llama(
                model_path=str(path),
                n_ctx=n_ctx,
                n_threads=threads,
                n_threads_batch=threads,
                n_ubatch=256,
                flash_attn=True,
                verbose=False,
            )
        except (ValueError, RuntimeError) as exc:
            raise ModelError(f"llama.cpp could not load {path}: {exc}. Check that it is a complete GGUF file.") from exc
        template = self._llama.metadata.get("tokenizer.chat_template")
        if not template:
            raise ModelError(f"{path} holds no chat template: use an instruction-tuned GGUF (FONTE_LLM_PATH).")
        eos, bos = self._llama.token_eos(), self._llama.token_bos()
        self._format = Jinja2ChatFormatter(
            template=template,
            eos_token=self._llama.detokenize([eos], special=True).decode("utf-8", "replace") if eos >= 0 else "",
            bos_token=self._llama.detokenize([bos], special=True).decode("utf-8", "replace") if bos >= 0 else "",
        )
        self.name = f"local:{path.name}"
        self.path = path
        self._lock = threading.Lock()
        self._kept: dict[str, tuple[list[int], bytes]] = {}  # prefix text -> (its tokens, saved sequence state)
        self.last_read = 0  # prompt tokens the last call had to read (the rest came from the cache)

    def tokens(self, prompt: str) -> tuple[list[int], list[str]]:
        """The tokens of `prompt` sent as a user message in the model's chat template, and the template's
        stop strings."""
        result = self._format(messages=_messages(prompt))
        stop = result.stop if isinstance(result.stop, list) else [result.stop] if result.stop else []
        return self._tokenize(result.prompt, not result.added_special), stop

    def _tokenize(self, text: str, add_bos: bool) -> list[int]:
        return self._llama.tokenize(text.encode("utf-8"), add_bos=add_bos, special=True)

    def _cached(self) -> list[int]:
        return [int(t) for t in self._llama.input_ids[: self._llama.n_tokens]]

    def keep_prefix(self, prefix: str) -> None:
        """Read `prefix` (the start of a user message) now and save the state, unless already kept."""
        with self._lock:
            if prefix in self._kept:
                return
            result = self._format(messages=_messages(prefix + _MARK))
            head = result.prompt.split(_MARK)[0]
            # the last token may merge with the text that follows the prefix: leave it out
            toks = self._tokenize(head, not result.added_special)[:-1]
            if not toks:
                return
            try:
                self._read(toks)
            except RuntimeError as exc:
                raise ModelError(f"the local model failed while reading its instructions: {exc}.") from exc
            self._kept[prefix] = (toks, self._save())

    def _read(self, toks: list[int]) -> None:
        """Evaluate `toks`, reusing the longest prefix already in the cache."""
        same = min(self._llama.longest_token_prefix(self._cached(), toks), len(toks) - 1)
        self._llama.n_tokens = same  # eval() drops the cache after n_tokens
        self._llama.eval(toks[same:])

    def _save(self) -> bytes:
        import ctypes

        import llama_cpp

        ctx = self._llama.ctx
        size = llama_cpp.llama_state_seq_get_size(ctx, 0)
        buf = (ctypes.c_uint8 * size)()
        n = llama_cpp.llama_state_seq_get_data(ctx, buf, size, 0)
        return bytes(buf[:n])

    def _restore(self, toks: list[int], state: bytes) -> None:
        import ctypes

        import llama_cpp

        self._llama._ctx.kv_cache_seq_rm(-1, 0, -1)
        buf = (ctypes.c_uint8 * len(state)).from_buffer_copy(state)
        if llama_cpp.llama_state_seq_set_data(self._llama.ctx, buf, len(state), 0) != len(state):
            self._llama.reset()  # not restored: the prompt is read whole
            return
        self._llama.input_ids[: len(toks)] = toks
        self._llama.n_tokens = len(toks)
        self._llama._requires_eval = True

    def _reuse_kept(self, toks: list[int]) -> None:
        """Restore the kept prefix that shares more tokens with `toks` than the cache does, if any."""
        best = self._llama.longest_token_prefix(self._cached(), toks)
        for kept, state in self._kept.values():
            if len(kept) > best and self._llama.longest_token_prefix(kept, toks) == len(kept):
                self._restore(kept, state)
                best = len(kept)

    def stream(self, prompt: str, *, max_tokens: int = 256, stop: Sequence[str] = ()) -> Iterator[str]:
        with self._lock:
            try:
                toks, template_stop = self.tokens(prompt)
                self._reuse_kept(toks)
                self.last_read = len(toks) - min(self._llama.longest_token_prefix(self._cached(), toks), len(toks) - 1)
                chunks: Any = self._llama.create_completion(
                    prompt=toks,
                    max_tokens=max_tokens,
                    stop=[*stop, *template_stop] or None,
                    temperature=0.0,
                    repeat_penalty=1.0,
                    stream=True,
                )
                for chunk in chunks:
                    piece = chunk["choices"][0]["text"]
                    if piece:
                        yield piece
            except ValueError as exc:  # llama.cpp raises ValueError when the prompt exceeds n_ctx
                raise ModelError(f"the local model could not answer: {exc}. Raise FONTE_LLM_CONTEXT.") from exc
            except RuntimeError as exc:  # a failed decode (out of memory, ...)
                raise ModelError(f"the local model failed while answering: {exc}. Try again or restart.") from exc

    def yes_no(self, prompt: str) -> float:
        """How much more the model would open its reply to `prompt` with "yes" than with "no": the difference
        of the best logits of their tokens (any case) at the first position. One prompt read, no generation.

        Raises:
            ModelError: the model failed.
        """
        with self._lock:
            try:
                toks, _ = self.tokens(prompt)
                self._reuse_kept(toks)
                self._read(toks)
                # llama-cpp-python keeps no logits without logits_all: read the last position's from the context
                import numpy as np

                logits = np.ctypeslib.as_array(self._llama._ctx.get_logits(), shape=(self._llama.n_vocab(),))
            except (ValueError, RuntimeError) as exc:
                raise ModelError(f"the local model failed while judging: {exc}.") from exc
            yes, no = self._answer_tokens()
            return float(max(logits[t] for t in yes) - max(logits[t] for t in no))

    def _answer_tokens(self) -> tuple[list[int], list[int]]:
        def first(words: Sequence[str]) -> list[int]:
            return sorted({self._llama.tokenize(w.encode(), add_bos=False, special=False)[0] for w in words})

        return first(("yes", "Yes", "YES", " yes", " Yes")), first(("no", "No", "NO", " no", " No"))

    def forget(self) -> None:
        """Empty the cache and the kept prefixes (benchmarks use it to time a cold start)."""
        with self._lock:
            self._kept.clear()
            self._llama.reset()
            self._llama._ctx.kv_cache_seq_rm(-1, 0, -1)

    def complete(self, prompt: str, *, max_tokens: int = 256, stop: Sequence[str] = ()) -> str:
        return "".join(self.stream(prompt, max_tokens=max_tokens, stop=stop))


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
            "messages": _messages(prompt),
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
