"""Loaders: each format, each encoding, and each way a file is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ingest_fixtures import encrypt_pdf, make_docx, make_pdf, make_zip

from ingest.sources import decode_text, discover, load
from qa.errors import RejectedInput
from qa.settings import Settings

SETTINGS = Settings(index="/nonexistent", data_dir="/nonexistent")
TEXT = "Perché la città è già così? Caffè, però: «più tardi»."


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        b"\xef\xbb\xbf" + TEXT.encode("utf-8"),
        TEXT.encode("utf-16"),  # with BOM, native order
        b"\xfe\xff" + TEXT.encode("utf-16-be"),
        b"\xff\xfe" + TEXT.encode("utf-16-le"),
        TEXT.encode("latin-1"),
        TEXT.encode("cp1252"),
    ],
    ids=["utf8", "utf8-bom", "utf16", "utf16-be", "utf16-le", "latin1", "cp1252"],
)
def test_encodings_are_detected_not_mangled(data: bytes) -> None:
    assert decode_text(data) == TEXT


def test_cp1252_punctuation_and_undefined_bytes() -> None:
    assert decode_text("“Ciao” – l’uomo…".encode("cp1252")) == "“Ciao” – l’uomo…"
    # 0x81 is undefined in CP1252: keep it as its Latin-1 code point instead of failing.
    assert decode_text(b"caff\xe8 \x81") == "caffè \x81"


def test_binary_is_undecodable() -> None:
    with pytest.raises(RejectedInput, match="undecodable"):
        decode_text(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


def test_text_and_markdown(tmp_path: Path) -> None:
    for name in ("a.txt", "b.md"):
        (tmp_path / name).write_text("# Heading\n\nBody text.", encoding="utf-8")
        loaded = load(tmp_path / name, (tmp_path / name).read_bytes(), SETTINGS)
        assert [d.text for d in loaded.documents] == ["# Heading\n\nBody text."]
        assert loaded.documents[0].doc_id == str(tmp_path / name)


def test_html_keeps_text_and_paragraphs_only(tmp_path: Path) -> None:
    page = """<html><head><title>The Lighthouse Keeper</title><style>p {color: red}</style>
    <script>var tracking = "do not index me";</script></head><body>
    <header>Site header menu</header><nav><a href="/">Home</a> | <a href="/news">News</a></nav>
    <h1>The Lighthouse Keeper</h1>
    <p>Marta kept the <b>lighthouse</b> for
       thirty years.</p><p>She wrote every storm in a notebook.<br>Page two of it is lost.</p>
    <aside>Subscribe to our newsletter</aside><ul><li>First item</li><li>Second item</li></ul>
    <footer>Copyright footer</footer><!-- a comment --></body></html>"""
    (tmp_path / "p.html").write_text(page, encoding="utf-8")
    doc = load(tmp_path / "p.html", (tmp_path / "p.html").read_bytes(), SETTINGS).documents[0]
    assert doc.title == "The Lighthouse Keeper"
    assert "Marta kept the lighthouse for thirty years.\n\nShe wrote every storm in a notebook.\nPage two" in doc.text
    assert "First item\n\nSecond item" in doc.text
    for debris in ("tracking", "color", "Site header", "Home", "Subscribe", "Copyright", "comment"):
        assert debris not in doc.text


def test_pdf_pages_become_paragraphs(tmp_path: Path) -> None:
    data = make_pdf([["The owl hunts at night.", "It sees in the dark."], ["Page two is about foxes."]])
    doc = load(tmp_path / "x.pdf", data, SETTINGS).documents[0]
    assert doc.text == "The owl hunts at night.\nIt sees in the dark.\n\nPage two is about foxes."


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: encrypt_pdf(make_pdf([["Secret plans."]]), "secret"), "encrypted PDF"),
        (lambda: make_pdf([[]]), "no extractable text"),
        (lambda: make_pdf([["Cut short."]])[:200], "corrupt PDF"),
        (lambda: b"<html>not a pdf</html>", "corrupt PDF: it does not start with %PDF-"),
    ],
    ids=["encrypted", "no-text", "truncated", "not-pdf"],
)
def test_bad_pdfs_are_rejected_with_reason(tmp_path: Path, make, reason: str) -> None:
    with pytest.raises(RejectedInput, match=reason):
        load(tmp_path / "bad.pdf", make(), SETTINGS)


def test_docx_paragraphs_tables_and_title(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "d.docx", "Garden notes", ["Tomatoes need sun.", "Basil likes water."], [["a", "b"]])
    doc = load(path, path.read_bytes(), SETTINGS).documents[0]
    assert doc.title == "Garden notes"
    # a two-column table without a header row reads as "name: value"
    assert doc.text == "Garden notes\n\nTomatoes need sun.\n\nBasil likes water.\n\na: b"


def test_docx_zip_bombs_are_refused_before_parsing(tmp_path: Path) -> None:
    small = SETTINGS.replace(docx_max_uncompressed_mb=1.0, docx_max_entries=10)
    bomb = make_zip(tmp_path / "bomb.docx", {"word/document.xml": b"\0" * (3 * 1024 * 1024)})
    assert bomb.stat().st_size < 50_000
    with pytest.raises(RejectedInput, match="decompresses to 3 MB, over the limit of 1 MB"):
        load(bomb, bomb.read_bytes(), small)
    many = make_zip(tmp_path / "many.docx", {f"f{i}.xml": b"x" for i in range(11)})
    with pytest.raises(RejectedInput, match="11 zip entries, over the limit of 10"):
        load(many, many.read_bytes(), small)


def test_docx_that_is_not_a_zip_or_not_a_document(tmp_path: Path) -> None:
    with pytest.raises(RejectedInput, match="not a readable zip"):
        load(tmp_path / "x.docx", b"plain text pretending", SETTINGS)
    path = make_zip(tmp_path / "y.docx", {"hello.txt": b"no word document here"})
    with pytest.raises(RejectedInput, match="corrupt .docx"):
        load(path, path.read_bytes(), SETTINGS)


def test_beir_records_and_bad_lines(tmp_path: Path) -> None:
    lines = [
        json.dumps({"_id": "a1", "title": "Owls", "text": "Owls hunt at night.", "lang": "en"}),
        "{not json",
        json.dumps({"_id": "a2", "title": "No text"}),
        "",
        json.dumps({"_id": "a3", "title": "Foxes", "text": "Foxes are clever."}),
        json.dumps({"_id": "a1", "text": "A duplicate id."}),
    ]
    path = tmp_path / "c.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    loaded = load(path, path.read_bytes(), SETTINGS)
    assert [(d.doc_id, d.title, d.text) for d in loaded.documents] == [
        (f"{path}#a1", "Owls", "Owls hunt at night."),
        (f"{path}#a3", "Foxes", "Foxes are clever."),
    ]
    assert loaded.documents[0].metadata["language"] == "en"
    assert [n for n, _ in loaded.problems] == [2, 3, 6]
    assert "not valid JSON" in loaded.problems[0][1] and '"text"' in loaded.problems[1][1]


def test_unsupported_type(tmp_path: Path) -> None:
    with pytest.raises(RejectedInput, match=r"unsupported file type \.odt"):
        load(tmp_path / "x.odt", b"PK\x03\x04", SETTINGS)


def test_discover_walks_folders_skips_hidden_and_reports_missing(tmp_path: Path) -> None:
    (tmp_path / "sub" / ".git").mkdir(parents=True)
    for name in ("b.txt", "sub/a.md", "sub/.git/config", ".hidden.txt"):
        (tmp_path / name).write_text("x")
    found = discover([tmp_path, tmp_path / "b.txt", tmp_path / "gone.txt"])
    assert [t.path.relative_to(tmp_path).as_posix() for t in found.targets] == ["b.txt", "sub/a.md"]
    assert found.refused == [(tmp_path / "gone.txt", "no such file or folder.")] and found.folders == [tmp_path]


def test_folder_notes_are_left_out_of_a_walk_but_ingest_when_named(tmp_path: Path) -> None:
    (tmp_path / "article.txt").write_text("Una notizia breve.", encoding="utf-8")
    (tmp_path / "README.md").write_text("What this folder holds.", encoding="utf-8")
    (tmp_path / "LICENSE").write_text("Terms.", encoding="utf-8")
    assert [t.path.name for t in discover([tmp_path]).targets] == ["article.txt"]
    assert [t.path.name for t in discover([tmp_path / "README.md"]).targets] == ["README.md"]
