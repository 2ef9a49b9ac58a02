"""Stages 3-4, rerank and select evidence: the sentences of the top chunks that answer, best first.

Contract: `score_sentences(question, question_vector, hits, vectors, previous, ...) -> list[Evidence]`, each `Evidence`
a sentence located in its document (`text == document_text[start:end]`) with its score and, where it holds one, its
short-answer span (`lead`, from qa/read/spans.py).
- `score.py`: `rerank` (the chunks), `score_sentences` (every sentence alone and in a window with the one
  before it, weighed by `EvidenceConfig`), `aligner`/`term_alignment` (question words matched one by one).
- `sentences.py`: a chunk's candidate sentences (never one addressed to an AI, qa/injection.py) and
  `SentenceVectors`, their cached vectors from the evidence embedder (any `qa.embed.Embedder`).
"""
