"""ui.server and ui.documents helpers: auth parsing, loopback check, launch options, uploads."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.errors import ConfigError
from qa.settings import Settings
from ui.documents import file_rows, file_table_html, safe_name, status_html, store_uploads
from ui.server import blocked_paths, is_loopback, launch_options, parse_auth


def test_parse_auth_value_and_file(tmp_path: Path) -> None:
    assert parse_auth("") is None
    assert parse_auth("ann:s3cr:et") == [("ann", "s3cr:et")]
    f = tmp_path / "creds"
    f.write_text("# staff\nann:one\n\nbob:two\n", encoding="utf-8")
    assert parse_auth(str(f)) == [("ann", "one"), ("bob", "two")]
    with pytest.raises(ConfigError):
        parse_auth("no-colon")
    f.write_text("ann\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        parse_auth(str(f))


@pytest.mark.parametrize(
    ("host", "loop"), [("127.0.0.1", True), ("localhost", True), ("::1", True), ("0.0.0.0", False), ("10.1.2.3", False)]
)
def test_is_loopback(host: str, loop: bool) -> None:
    assert is_loopback(host) is loop


def test_launch_options_are_safe(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    s = Settings(data_dir=str(tmp_path), ui_max_file_mb=2)
    opts = launch_options(s)
    assert opts["share"] is False and opts["server_name"] == "127.0.0.1" and opts["auth"] is None
    assert opts["max_file_size"] == 2 * 1024 * 1024 and opts["allowed_paths"] == []
    assert str(Path(s.index).resolve()) in opts["blocked_paths"] and str(tmp_path.resolve()) in opts["blocked_paths"]
    assert "WARNING" not in capsys.readouterr().err
    launch_options(s.replace(ui_host="0.0.0.0"))
    assert "WITHOUT a login" in capsys.readouterr().err
    launch_options(s.replace(ui_host="0.0.0.0", ui_auth="a:b"))
    assert "WARNING" not in capsys.readouterr().err


def test_blocked_paths_skip_remote_index_and_the_upload_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = Settings(data_dir=str(tmp_path), index="http://127.0.0.1:8000")
    assert all(not p.startswith("http") for p in blocked_paths(s))
    monkeypatch.chdir("/")  # a service started in / must not block Gradio's cache below it
    assert "/" not in blocked_paths(s) and str(tmp_path.resolve()) in blocked_paths(s)


def test_safe_name() -> None:
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("..\\..\\x.txt") == "x.txt"
    assert safe_name("a<b>|c.md") == "a_b_c.md"
    assert safe_name("...") == "upload" and safe_name(".env") == "env"


def test_store_uploads_refuses_unknown_types(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "notes.md").write_text("hello", encoding="utf-8")
    (src / "tool.exe").write_bytes(b"MZ")
    kept, refused = store_uploads([str(src / "notes.md"), str(src / "tool.exe")], tmp_path / "up")
    assert kept == [tmp_path / "up" / "notes.md"] and kept[0].read_text(encoding="utf-8") == "hello"
    assert [(r.path, r.status) for r in refused] == [("tool.exe", "rejected")] and ".pdf" in refused[0].reason
    assert file_rows(None, refused) == [["tool.exe", "rejected", "0", refused[0].reason]]
    table = file_table_html([["<b>.md", "rejected", "0", "not <ok>"]])
    assert "&lt;b&gt;.md" in table and "not &lt;ok&gt;" in table and "fonte-badge-rejected" in table


def test_status_html_escapes_and_counts() -> None:
    out = status_html({"documents": 3, "chunks": 9, "embedder": "<e5>", "mode": "extractive", "last_ingest": None})
    assert "<e5>" not in out and "&lt;e5&gt;" in out and ">3<" in out and "never" in out


def test_importing_ui_switches_telemetry_off() -> None:
    import os

    import ui  # noqa: F401

    on = {"1", "true", "yes"}  # other libraries may rewrite "1" as "True": both mean on
    assert os.environ["GRADIO_ANALYTICS_ENABLED"] == "False" and os.environ["ANONYMIZED_TELEMETRY"] == "False"
    assert os.environ["HF_HUB_OFFLINE"].lower() in on and os.environ["HF_HUB_DISABLE_TELEMETRY"].lower() in on


def test_main_reports_a_bad_index_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ui.server import main

    not_a_folder = tmp_path / "index"
    not_a_folder.write_text("x", encoding="utf-8")
    assert main(["--index", str(not_a_folder), "--mode", "extractive"]) == 2
    err = capsys.readouterr().err
    assert "is a file, not a folder" in err and "Traceback" not in err


def test_documents_are_named_without_server_folders() -> None:
    from qa.index import DocRecord
    from ui.documents import document_info, document_list_html, public_name

    pdf = DocRecord(
        "/srv/data/uploads/memo.pdf",
        "/srv/data/uploads/memo.pdf",
        "<Memo>",
        "h",
        3,
        1.0e9,
        {"file": "/srv/data/uploads/memo.pdf", "pages": "[[0, 1], [120, 2]]", "file_problems": "0"},
    )
    record = DocRecord(
        "/srv/c.jsonl:doc-7",
        "/srv/c.jsonl:doc-7",
        "Doc 7",
        "h",
        1,
        1.0e9,
        {"file": "/srv/c.jsonl", "file_problems": "2"},
    )
    assert public_name(pdf) == "memo.pdf" and public_name(record) == "c.jsonl:doc-7"
    info = document_info(pdf)
    assert (info.pages, info.chunks, info.status) == (2, 3, "ready") and "/" not in info.id
    assert document_info(record).status.startswith("partial") and document_info(record).pages is None
    out = document_list_html([info, document_info(record)])
    assert "&lt;Memo&gt;" in out and "/srv" not in out and "memo.pdf" in out
    assert "/srv" not in status_html({"documents": 1, "chunks": 3, "index": "/srv/data/index"})
