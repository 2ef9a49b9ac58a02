"""The `local` LLM backend: a GGUF model run in-process by llama.cpp (llama-cpp-python), its prompts put in
the model's own chat template so that a fixed prefix is read once and kept (`LocalLLM.keep_prefix`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from qa.errors import ModelError

_MARK = "\u241f"  # a character no prompt holds: marks where a kept prefix ends in the templated text


def user_messages(prompt: str) -> Any:
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
        self._table: Any = None  # the tokens as bytes, for `copy`

    def tokens(self, prompt: str) -> tuple[list[int], list[str]]:
        """The tokens of `prompt` sent as a user message in the model's chat template, and the template's
        stop strings."""
        result = self._format(messages=user_messages(prompt))
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
            result = self._format(messages=user_messages(prefix + _MARK))
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
                self._read_prompt(prompt)
                logits = self._last_logits()
            except (ValueError, RuntimeError) as exc:
                raise ModelError(f"the local model failed while judging: {exc}.") from exc
            yes, no = self._answer_tokens()
            return float(max(logits[t] for t in yes) - max(logits[t] for t in no))

    def copy(self, prompt: str, texts: Sequence[str], *, alternatives: Sequence[str] = (), max_tokens: int = 24) -> str:
        """The reply to `prompt`, decoded greedily under `qa.read.copying.SpanCopy`: a verbatim span of one of
        `texts` (whole words, or an affix off) or one of `alternatives`, whatever the model would rather write.

        Raises:
            ModelError: the model failed.
        """
        import numpy as np

        from qa.read.copying import SpanCopy

        with self._lock:
            table = self._token_table()
            try:
                template_stop = self._read_prompt(prompt)
                stops = {self._llama.token_eos(), *table.breaks}
                for s in template_stop:
                    stops.update(self._tokenize(s, False)[:1])
                span = SpanCopy(table, texts, sorted(stops), alternatives)
                out: list[int] = []
                whole = 0  # how many of `out` end at a word's end: a copy cut by max_tokens is cut back there
                for _ in range(max_tokens):
                    allowed = np.asarray(span.allowed(), dtype=np.int64)
                    if not allowed.size:
                        break
                    token = int(allowed[np.argmax(self._last_logits()[allowed])])
                    if token in stops:
                        break
                    span.advance(token)
                    out.append(token)
                    whole = len(out) if span.can_end else whole
                    self._llama.eval([token])
                else:
                    out = out[:whole]
            except (ValueError, RuntimeError) as exc:
                raise ModelError(f"the local model failed while reading: {exc}.") from exc
        return self._llama.detokenize(out).decode("utf-8", "ignore").strip()

    def _read_prompt(self, prompt: str) -> list[str]:
        """Evaluate `prompt` in the chat template (a kept prefix restored, the cache reused); returns the
        template's stop strings."""
        toks, template_stop = self.tokens(prompt)
        self._reuse_kept(toks)
        self._read(toks)
        return template_stop

    def _last_logits(self) -> Any:
        """The logits of the last evaluated position, read from the context (llama-cpp-python keeps none without
        logits_all); a view, valid until the next evaluation."""
        import numpy as np

        return np.ctypeslib.as_array(self._llama._ctx.get_logits(), shape=(self._llama.n_vocab(),))

    def prepare_copy(self) -> None:
        """Read the token table `copy` needs now rather than at the first copy."""
        with self._lock:
            self._token_table()

    def _token_table(self) -> Any:
        """Every token's bytes (`qa.read.copying.TokenTable`), read from the model once (about 0.5 s)."""
        if self._table is None:
            from qa.read.copying import TokenTable

            pieces = [self._llama.detokenize([t], special=False) for t in range(self._llama.n_vocab())]
            self._table = TokenTable.of(pieces)
        return self._table

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
