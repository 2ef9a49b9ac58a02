"""Stage 1, rewrite: the question as it will be searched, standalone and in the documents' own words.

Contract: `(question, history) -> standalone question`, history being `(question, answer_text)` pairs.
- `followup.py`: `rewrite(question, history)`, the rule-based rewrite used without an LLM (a follow-up is
  joined to the subject of the previous question).
- With an LLM, `qa.answer.generate.rewrite_followup(llm, question, history)` writes the standalone question.
- `synonyms.py`: `in_document_words`, a question's word that no document writes swapped for the synonym they
  do write (Italian/English data, `SYNONYM_LANGUAGES` only).
`Assistant.analyse` (qa/assistant.py) picks the LLM rewrite where a model is loaded, else the rule.
"""
