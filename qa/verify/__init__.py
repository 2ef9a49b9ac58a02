"""Stage 7, verify: each sentence of an LLM's answer checked against the evidence it cites; only what holds stays.

Contract: `verify_answer(answer, question, evidence, embedder) -> Checked` (claims.py): the answer sentences whose
citations hold, renumbered, the evidence they cite, and the sentences dropped.
- `claims.py`: a citation holds when the sentence is close to what it cites and states no fact it lacks.
- `facts.py`: a sentence's numbers and names and whether another text holds them (across Italian and English).
- `markers.py`: the [n] markers of an answer and the sentences they close.
- `echo.py`: an answer sentence that echoes text a document addresses to an AI is dropped (qa/injection.py).
The embedder for similarities is any `qa.embed.Embedder` (`hashing` in tests).
"""
