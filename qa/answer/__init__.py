"""Stage 6, answer: the analysed question written out as an `Answer`, extractive or by an LLM, with citations.

- `compose.py`: `final_answer`/`stream_llm`, the answer stage `Assistant` calls: an LLM's answer, verified,
  falling back to the extractive one when nothing of it holds; each citation checked against the document.
- `extractive.py`: `extractive_answer` (the evidence sentences, led by their short answer), `make_citation`
  (the one place a `Citation` is built), `abstention_text`.
- `generate.py`: the LLM's grounded answer from numbered evidence, translations, follow-up rewrites; its
  prompts are package data in `prompts/`.
- `llm.py`: the `LLM` protocol (`stream`, `complete`) and `make_llm(mode, settings)` choosing by name
  (`Settings.mode`: `local`, llama.cpp in `llm_local.py` with the packaged model of `model_files.py`; `openai`,
  any OpenAI-compatible server); `ScriptedLLM` is the fake for tests; `extractive` needs no LLM.
- `messages.py`: what Fonte says to a person (abstention, labels) in the question's language.
"""
