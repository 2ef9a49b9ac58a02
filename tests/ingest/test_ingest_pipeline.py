"""The pipeline end to end on a real Chroma in a temp folder: incremental cases, rejections, pruning."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from ingest_fixtures import CountingEmbedder, check_index, encrypt_pdf, make_docx, make_pdf

from ingest.pipeline import embed_text, ingest
from qa.index import Index

OWLS = "Owls\n\nOwls hunt at night. Their eyes see well in the dark.\n\nThey fly without a sound."
FOXES = "Foxes are clever animals. They live in forests and in cities."


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _statuses(report) -> dict[str, str]:
    return {Path(f.path).name: f.status for f in report.files}


def test_first_run_then_unchanged(tmp_path: Path, open_index: Callable[..., Index]) -> None:
    docs = tmp_path / "docs"
    _write(docs / "owls.txt", OWLS)
    _write(docs / "sub" / "foxes.md", FOXES)
    ix = open_index()
    calls: list[tuple[int, int, str]] = []
    r1 = ingest([docs], ix, progress=lambda d, t, p: calls.append((d, t, p)))
    assert (r1.added, r1.updated, r1.unchanged, r1.deleted, r1.rejected) == (2, 0, 0, 0, ())
    assert r1.documents == 2 and r1.chunks == len(ix.chunks()) >= 2
    assert calls[-1][:2] == (2, 2)
    hashes = check_index(ix)
    owls = str((docs / "owls.txt").resolve())
    assert ix.documents()[owls].title == "Owls" and ix.document_text(owls).startswith("Owls hunt")
    r2 = ingest([docs], ix)
    assert (r2.added, r2.updated, r2.unchanged, r2.deleted) == (0, 0, 2, 0)
    assert check_index(ix) == hashes


def test_a_long_document_reports_its_progress_while_it_is_embedded(
    tmp_path: Path, open_index: Callable[..., Index]
) -> None:
    # one document of a few hundred chunks (as a 300-page PDF is): the bar moves batch by batch
    sentences = " ".join(f"Quay {i} of the harbour was repaired in the spring of year {1900 + i}." for i in range(2000))
    path = _write(tmp_path / "long.txt", "Harbour works\n\n" + sentences)
    ix = open_index()
    labels: list[str] = []
    report = ingest([path], ix, progress=lambda d, t, label: labels.append(label))
    embedded = [label for label in labels if "chunks embedded" in label]
    assert report.added == 1 and report.chunks > 64
    assert len(embedded) >= 2 and embedded[-1].endswith(f"{report.chunks}/{report.chunks} chunks embedded")
    assert len(ix.chunks()) == report.chunks


def test_touched_file_with_same_bytes_is_unchanged(tmp_path: Path, open_index: Callable[..., Index]) -> None:
    path = _write(tmp_path / "d" / "owls.txt", OWLS)
    counting = CountingEmbedder()
    ix = open_index(counting)
    ingest([path], ix)
    before = counting.passages
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 5_000_000_000))
    r = ingest([path], ix)
    assert r.unchanged == 1 and counting.passages == before


def test_changed_file_is_replaced_whole(tmp_path: Path, open_index: Callable[..., Index]) -> None:
    path = _write(tmp_path / "d" / "owls.txt", OWLS)
    ix = open_index()
    ingest([path.parent], ix)
    _write(path, OWLS.replace("without a sound", "silently over the fields"))
    r = ingest([path.parent], ix)
    assert (r.added, r.updated, r.unchanged) == (0, 1, 0)
    texts = " ".join(c.text for c in ix.chunks())
    assert "silently over the fields" in texts and "without a sound" not in texts
    assert ix._chunks.count() == len(ix.chunks())  # the old version's chunks are gone from the store
    check_index(ix)


def test_renamed_file_reuses_vectors_and_old_path_is_pruned(tmp_path: Path, open_index: Callable[..., Index]) -> None:
    folder = tmp_path / "d"
    old = _write(folder / "owls.txt", OWLS)
    counting = CountingEmbedder()
    ix = open_index(counting)
    ingest([folder], ix)
    embedded = counting.passages
    old.rename(folder / "night-birds.txt")
    r = ingest([folder], ix)
    assert (r.added, r.deleted) == (1, 1)
    assert counting.passages == embedded  # the same content was not embedded again
    assert list(ix.documents(refresh=True)) == [str((folder / "night-birds.txt").resolve())]
    check_index(ix)


def test_prune_only_touches_the_given_folders(tmp_path: Path, open_index: Callable[..., Index]) -> None:
    a = _write(tmp_path / "a" / "owls.txt", OWLS)
    b = _write(tmp_path / "b" / "foxes.txt", FOXES)
    ix = open_index()
    ingest([a.parent, b.parent], ix)
    a.unlink()
    b.unlink()
    r = ingest([a.parent], ix)
    assert r.deleted == 1
    assert list(ix.documents(refresh=True)) == [str(b.resolve())]
    r = ingest([b.parent], ix, prune=False)
    assert r.deleted == 0 and len(ix.documents(refresh=True)) == 1


def test_missing_explicit_file_is_a_rejection(tmp_path: Path, open_index: Callable[..., Index]) -> None:
    r = ingest([tmp_path / "nope.txt"], open_index())
    assert [(Path(f.path).name, f.reason) for f in r.rejected] == [("nope.txt", "no such file or folder.")]


def test_bad_files_never_stop_the_batch(tmp_path: Path, open_index: Callable[..., Index]) -> None:
    d = tmp_path / "d"
    _write(d / "good.txt", OWLS)
    _write(d / "empty.txt", "  \n\n Timestamp:\n")
    (d / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (d / "binary.txt").write_bytes(b"\x00\x01\x02garbage")
    (d / "locked.pdf").write_bytes(encrypt_pdf(make_pdf([["Secret."]]), "pw"))
    (d / "scan.pdf").write_bytes(make_pdf([[]]))
    (d / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    (d / "fake.docx").write_bytes(b"not a zip")
    (d / "big.txt").write_bytes(b"word " * 300_000)
    (d / "ok.pdf").write_bytes(make_pdf([["Badgers dig long tunnels."]]))
    make_docx(d / "ok.docx", "Bees", ["Bees make honey from nectar."])
    (d / "ok.html").write_text("<title>Moles</title><nav>Menu</nav><p>Moles dig in the dark.</p>", encoding="utf-8")
    (d / "cp1252.txt").write_bytes("Perché il caffè è “forte”.".encode("cp1252"))
    (d / "utf16.md").write_bytes("Già così: l’acqua è più fredda.".encode("utf-16"))
    ix = open_index(max_file_mb=1.0)
    r = ingest([d], ix)
    reasons = {Path(f.path).name: f.reason for f in r.rejected}
    assert set(reasons) == {"empty.txt", "image.png", "binary.txt", "locked.pdf", "scan.pdf", "broken.pdf",
                            "fake.docx", "big.txt"}  # fmt: skip
    assert "empty" in reasons["empty.txt"]
    assert any(why in reasons["image.png"] for why in ("corrupt image", "needs OCR"))  # "needs OCR": no Tesseract
    assert "undecodable" in reasons["binary.txt"] and "encrypted" in reasons["locked.pdf"]
    assert "no extractable text" in reasons["scan.pdf"] and "corrupt PDF" in reasons["broken.pdf"]
    assert "corrupt .docx" in reasons["fake.docx"] and "over the 1 MB limit" in reasons["big.txt"]
    kept = {"good.txt", "ok.pdf", "ok.docx", "ok.html", "cp1252.txt", "utf16.md"}
    assert r.added == len(kept) and {Path(p).name for p in ix.documents()} == kept
    texts = {Path(c.doc_id).name: c.text for c in ix.chunks()}
    assert (
        texts["cp1252.txt"] == "Perché il caffè è “forte”." and texts["utf16.md"] == "Già così: l’acqua è più fredda."
    )
    assert (
        texts["ok.html"] == "Moles dig in the dark." and ix.documents()[str((d / "ok.html").resolve())].title == "Moles"
    )
    assert texts["ok.pdf"] == "Badgers dig long tunnels." and texts["ok.docx"] == "Bees make honey from nectar."
    assert all(f.reason for f in r.rejected)
    check_index(ix)


def test_file_that_turns_bad_loses_its_old_version(tmp_path: Path, open_index: Callable[..., Index]) -> None:
    path = _write(tmp_path / "d" / "owls.txt", OWLS)
    ix = open_index()
    ingest([path], ix)
    path.write_bytes(b"")
    r = ingest([path], ix)
    assert r.deleted == 1 and len(r.rejected) == 1 and ix.documents(refresh=True) == {}


def test_beir_corpus_incremental_by_record(tmp_path: Path, open_index: Callable[..., Index]) -> None:
    path = tmp_path / "corpus.jsonl"
    recs = [{"_id": f"r{i}", "title": f"Topic {i}", "text": f"Record {i} talks about topic {i}."} for i in range(5)]

    def write(records: list[dict], extra: str = "") -> None:
        path.write_text("\n".join(json.dumps(r) for r in records) + extra, encoding="utf-8")

    write(recs, "\n{broken\n" + json.dumps({"_id": "zw", "text": "\u200b\u200b"}))
    counting = CountingEmbedder()
    ix = open_index(counting)
    r = ingest([path], ix)
    assert r.added == 5 and [f.path for f in r.rejected] == [f"{path.resolve()}#zw", f"{path.resolve()}:6"]
    assert "empty record" in r.rejected[0].reason and "not valid JSON" in r.rejected[1].reason
    doc_id = f"{path.resolve()}#r0"
    assert ix.documents()[doc_id].title == "Topic 0"
    # The bad line is reported again on the next run even though nothing else changed.
    assert len(ingest([path], ix).rejected) == 2
    write(recs, "\n" + json.dumps({"_id": "zw", "text": "\u200b"}))
    assert [f.path for f in ingest([path], ix).rejected] == [f"{path.resolve()}#zw"]
    assert [f.path for f in ingest([path], ix).rejected] == [f"{path.resolve()}#zw"]
    recs[1]["text"] = "Record 1 now talks about something else."
    embedded = counting.passages
    write(recs[:4])
    r = ingest([path], ix)
    assert (r.added, r.updated, r.unchanged, r.deleted, r.rejected) == (0, 1, 3, 1, ())
    assert counting.passages - embedded == 1
    assert len(ix.documents(refresh=True)) == 4
    check_index(ix)


def test_chunk_size_change_rechunks(tmp_path: Path, open_index: Callable[..., Index]) -> None:
    path = _write(tmp_path / "long.txt", " ".join(f"Sentence number {i} is here." for i in range(200)))
    ingest([path], open_index(chunk_chars=900))
    ix = open_index(chunk_chars=300)
    r = ingest([path], ix)
    assert r.updated == 1
    check_index(ix)


def test_title_is_prepended_to_the_embedded_text_only(tmp_path: Path, open_index: Callable[..., Index]) -> None:
    path = _write(tmp_path / "owls.txt", "Night birds\n\n" + OWLS.split("\n\n", 1)[1])
    ix = open_index()
    ingest([path], ix)
    (chunk,) = ix.chunks()
    assert chunk.title == "Night birds" and chunk.text == ix.document_text(chunk.doc_id)[chunk.start : chunk.end]
    assert embed_text(chunk) == "Night birds\n" + chunk.text
    assert embed_text(replace(chunk, title="Owls hunt")) == chunk.text  # the chunk already names it


def test_same_size_rewrite_in_the_same_clock_tick_is_seen(tmp_path: Path, open_index: Callable[..., Index]) -> None:
    path = _write(tmp_path / "owls.txt", OWLS)
    stamp = time.time_ns() + 30_000_000_000  # "written" after the ingest records it: not settled
    os.utime(path, ns=(stamp, stamp))
    ix = open_index()
    ingest([path], ix)
    _write(path, OWLS.replace("night", "dusk!"))  # same length, same size
    os.utime(path, ns=(stamp, stamp))  # and the same modification time
    r = ingest([path], ix)
    assert r.updated == 1 and "dusk!" in ix.document_text(str(path.resolve()))
