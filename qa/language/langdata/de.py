"""German as data for Fonte's rules (qa/language/langdata): what a reader model replies for "no span", and how
German writes ordinal numbers."""

NONE_REPLY = "keine"

# An ordinal number is written with a full stop ("am 3. März", "der 2. Weltkrieg"): after such a number a full
# stop does not end a sentence (ingest/chunk.py)
ORDINAL_DOT = r"\d{1,3}"
