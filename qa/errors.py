"""Errors whose messages are fit to show a user: they say what happened and what to do."""


class FonteError(Exception):
    """Base class: `str(error)` is a complete sentence a person can act on."""


class ConfigError(FonteError):
    """A setting is missing or wrong (bad embedder name, unreachable index URL, ...)."""


class StoreError(FonteError):
    """The index cannot be opened or written (locked, wrong embedder, corrupt)."""


class IndexLockedError(StoreError):
    """Another ingest is writing the same index."""


class RejectedInput(FonteError):
    """A file was refused by ingest; the message is the reason shown in the report."""


class ModelError(FonteError):
    """A model could not be loaded or run (missing package, bad hash, server down)."""


class InvalidQuestion(FonteError):
    """A question cannot be asked as given (empty, or too long)."""
