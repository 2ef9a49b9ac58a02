"""Where a local sentence-transformers model runs: the GPU when torch sees one, else cpu, unless a setting says.

Only the choice is tested here (this machine has no GPU): torch's answers are replaced, and so is the model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from qa.embed import choose_device, make_embedder
from qa.errors import ModelError
from qa.settings import Settings


def _gpus(monkeypatch: pytest.MonkeyPatch, cuda: bool, mps: bool) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)


@pytest.mark.parametrize(("cuda", "mps", "wanted", "chosen"), [
    (True, False, "auto", "cuda"),
    (True, True, "auto", "cuda"),
    (False, True, "auto", "mps"),
    (False, False, "auto", "cpu"),
    (True, False, "cpu", "cpu"),
    (False, False, "cuda:1", "cuda:1"),
])  # fmt: skip
def test_auto_picks_the_gpu_torch_sees_and_a_setting_overrides(monkeypatch, cuda, mps, wanted, chosen) -> None:  # type: ignore[no-untyped-def]
    _gpus(monkeypatch, cuda, mps)
    assert choose_device(wanted) == chosen


class FakeModel:
    """Stands in for SentenceTransformer: records its device and the batch size it is asked to encode with."""

    made: list[FakeModel] = []

    def __init__(self, path: str, device: str, local_files_only: bool) -> None:
        if device.startswith("cuda:9"):
            raise RuntimeError("CUDA error: invalid device ordinal")
        self.device, self.batches = device, []
        FakeModel.made.append(self)

    def get_embedding_dimension(self) -> int:
        return 8

    def encode(self, texts: list[str], batch_size: int, show_progress_bar: bool) -> np.ndarray:
        self.batches.append(batch_size)
        return np.ones((len(texts), 8), np.float32)


@pytest.fixture
def model_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    import sentence_transformers

    monkeypatch.setattr(sentence_transformers, "SentenceTransformer", FakeModel)
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "config.json").write_text("{}")
    return tmp_path / "model"


def test_a_model_folder_runs_on_the_device_and_batch_of_the_settings(model_folder, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _gpus(monkeypatch, cuda=True, mps=False)
    settings = Settings.from_env({"FONTE_EMBED_BATCH": "7"}, data_dir=str(model_folder.parent))
    emb: Any = make_embedder(str(model_folder), settings=settings)
    assert emb.device == "cuda" and FakeModel.made[-1].device == "cuda"
    emb.embed_passages(["a", "b"])
    assert FakeModel.made[-1].batches == [7]
    forced: Any = make_embedder(str(model_folder), settings=settings.replace(embed_device="cpu"))
    assert forced.device == "cpu" and forced is not emb


def test_a_device_torch_cannot_use_is_a_clear_error(model_folder) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ModelError, match="on device 'cuda:9'.*FONTE_EMBED_DEVICE"):
        make_embedder(str(model_folder), settings=Settings(embed_device="cuda:9"))
