"""German as data for Fonte's rules (qa/language/langdata): only what a reader model replies for "no span"."""

NONE_REPLY = "keine"
