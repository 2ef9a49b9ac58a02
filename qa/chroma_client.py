"""The Chroma client an index location names: a local folder (`PersistentClient`) or a server URL
(`HttpClient`), telemetry off. With `qa.index`, the only module that imports chromadb."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from qa.errors import ConfigError, StoreError
from qa.settings import Settings

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def connect(settings: Settings) -> Any:
    """The client for `settings.index`.

    Raises:
        ConfigError: the location is a file.
        StoreError: the server cannot be reached.
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.is_remote_index:
        url = urlparse(settings.index)
        try:
            return chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as exc:
            raise StoreError(f"cannot reach the Chroma server at {settings.index}: {exc}") from exc
    path = Path(settings.index).expanduser()
    if path.exists() and not path.is_dir():
        raise ConfigError(f"the index location {path} is a file, not a folder.")
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
