"""Language, shared by every stage: which language a text is in, its words, and the optional language data.

- `identify.py`: `detect(text)`, py3langid over the candidate languages; every language decision goes through it.
- `words.py`: Unicode tokens, accent folding, stopwords and Snowball stems per language (`tokenize`, `stem`).
- `tables.py`: the optional Italian/English name tables (`TABLE_LANGUAGES`) and `package_text` for data files.
- `langdata/`: a language's grammar as data (words and regex sources), read through `langdata.source`/`pattern`.
- `lexicon/`: data files: stopwords, exonyms, demonyms, roles, synonyms, lead words, messages, injection phrases.

No protocol: detection and stemming are libraries; a language without data gets no rule, never a wrong one.
"""
