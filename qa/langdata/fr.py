"""French as data for Fonte's rules (qa/langdata): only what a reader model replies for "no span"."""

NONE_REPLY = "aucune"
