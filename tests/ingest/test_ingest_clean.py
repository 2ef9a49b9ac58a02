"""Cleaning rules: general web-page debris goes, content stays, title and byline become metadata."""

from __future__ import annotations

from pathlib import Path

from ingest.clean import clean, normalise

PAGE = """The Harbour Reopens

The Harbour Reopens

Source node: 4410277

By Anna Rossi

The old harbour reopened on Monday after two years of work.

Fishing boats were the first to return.

Timestamp:

More from Local news"""


def test_general_debris_rules_on_an_english_page() -> None:
    c = clean(PAGE, fallback_title="file-stem")
    assert c.title == "The Harbour Reopens"
    assert c.metadata == {"byline": "Anna Rossi"}
    assert (
        c.text
        == "The old harbour reopened on Monday after two years of work.\n\nFishing boats were the first to return."
    )
    assert c.removed == (
        "The Harbour Reopens",
        "The Harbour Reopens",
        "By Anna Rossi",
        "Source node: 4410277",
        "Timestamp:",
        "More from Local news",
    )


def test_seed_document_loses_its_debris(seed_doc: Path) -> None:
    raw = seed_doc.read_text(encoding="utf-8")
    first_line = raw.splitlines()[0].strip()
    c = clean(raw, fallback_title=seed_doc.stem)
    assert c.title == first_line
    assert first_line not in c.text
    lines = {ln.strip() for ln in c.text.splitlines()}
    for debris in c.removed:
        assert debris.strip() not in lines
    removed = " | ".join(c.removed)
    assert "Nodo di origine" in removed and "Timestamp:" in removed and "Di più da" in removed
    assert "byline" in c.metadata and c.metadata["byline"] in c.text  # the author note is content: it stays


def test_content_labels_and_list_intros_stay() -> None:
    text = "A day out\n\nYear: 2023\n\nIngredients:\n- flour\n- water\n\nNote: bring a coat.\n\nRead the sign twice."
    c = clean(text)
    assert "Year: 2023" in c.text and "Ingredients:\n- flour" in c.text and "Note: bring a coat." in c.text
    assert c.text.endswith("Read the sign twice.")


def test_navigation_is_only_dropped_at_the_end() -> None:
    text = "Notes\n\nMore from the archive was found in 1990, the report says.\n\nThe end came later.\n\nRead more"
    c = clean(text)
    assert c.text == "More from the archive was found in 1990, the report says.\n\nThe end came later."


def test_sentence_first_line_is_not_a_title() -> None:
    c = clean("This is a sentence.\n\nAnother one.", fallback_title="stem")
    assert c.title == "stem" and c.text.startswith("This is a sentence.")


def test_declared_title_and_markdown_heading() -> None:
    assert clean("# Owls\n\nOwls hunt at night.").title == "Owls"
    c = clean("Owls - Wildlife site\n\nOwls hunt at night.", declared_title="Owls - Wildlife site")
    assert c.title == "Owls - Wildlife site" and c.text == "Owls hunt at night."


def test_normalise_whitespace_and_controls() -> None:
    assert normalise("a\r\nb  \r\n\n\n\nc\u200b\x07\tz") == "a\nb\n\nc z"
