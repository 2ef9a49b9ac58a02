"""Stage 5, read: the short answer, a verbatim span of the evidence with its offsets, or none.

Protocol: `Reader.read(question, evidence, language) -> ShortAnswer | None` (reader.py), chosen by name in
`make_reader` from `Settings.reader`: `llm` (the model copies a span of the numbered evidence), `gap` (runs of
words a top sentence adds to the question, ranked by weights fitted in `reader.json`), `lead` (the evidence
stage's span), `none` (the fake that never answers); `auto` is llm, else gap, else lead.
- `gap.py`: the gap reader's candidates and their features (no word list of any language).
- `kinds.py`: what a question asks for (`question_kind`), what it counts, its anchors.
- `spans.py`: the short-answer candidates of a sentence bound to the question (`lead_span`), over
  `finders.py` (the spans of each kind a sentence holds); `lead.py`: how a lead opens an answer.
"""
