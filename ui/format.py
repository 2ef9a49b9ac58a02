"""Turn answers into safe chat Markdown and source-panel HTML: plain functions, no Gradio.

Everything that comes from a document or a model is escaped, so it shows as text: a markdown image
`![x](http://evil/...)`, a raw `<img>` or `<script>`, a bare URL. The only live markup is what these functions
write themselves: the `[n]` citation links (in-page anchors) and the layout of the source cards.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from qa.answer.messages import message
from qa.injection import is_suspicious
from qa.types import Answer, Citation, Hit, place_label
from ui import strings

_MARKER = re.compile(r"\[(\d{1,3})\]")
# CommonMark lets any ASCII punctuation be backslash-escaped; escaping all of it leaves no markdown syntax
# alive (links, images, emphasis, lists, tables, autolinks via "http:" / "www.").
_MD_PUNCT = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:=\"'$^%/@,?])")
_PASSAGE_CHARS = 1200
_SNIPPET_CHARS = 160
CLOSEST = 3  # the closest passages an abstention lists in the chat (and in an export)

SOURCES_EMPTY = "Ask a question: the sources of the answer appear here. Click a [n] marker to open one."


def escape_markdown(text: str) -> str:
    """Escape `text` so that a Markdown renderer shows it verbatim: no HTML, links, images or formatting."""
    # & < > become entities first (no raw HTML survives); entities hold only letters, "&" and ";", which the
    # punctuation escape leaves alone so they stay entities.
    return _MD_PUNCT.sub(r"\\\1", html.escape(text, quote=False))


def cite_anchor(turn: int, n: int) -> str:
    """The in-page anchor of citation `n` of answer number `turn` (0-based)."""
    return f"#fonte-cite-{turn}-{n}"


def link_markers(text: str, turn: int, valid: set[int]) -> str:
    """Escape `text` and turn each `[n]` whose `n` is in `valid` into a link to that citation."""
    out: list[str] = []
    pos = 0
    for m in _MARKER.finditer(text):
        n = int(m.group(1))
        if n not in valid:
            continue
        out.append(escape_markdown(text[pos : m.start()]))
        out.append(f"[\\[{n}\\]]({cite_anchor(turn, n)})")
        pos = m.end()
    out.append(escape_markdown(text[pos:]))
    return "".join(out)


def streaming_markdown(partial: str) -> str:
    """The answer while it streams: escaped text, markers not yet linked, with a typing cursor."""
    return escape_markdown(partial) + " ▍"


def _lang(answer: Answer) -> str:
    return answer.language.lower()[:2] or "en"


def _label(key: str, lang: str) -> str:
    """A label in the answer's language (qa/language/lexicon/messages.json; English for a language it lacks)."""
    return message(key, lang)


def _snippet(text: str, limit: int = _SNIPPET_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit] + " …"


def answer_markdown(answer: Answer, turn: int) -> str:
    """The chat message for a finished answer: linked [n] markers, a source list, or an abstention."""
    if answer.abstained:
        return abstention_markdown(answer)
    body = link_markers(answer.answer, turn, {c.n for c in answer.citations})
    if not answer.citations:
        return body
    by_doc: dict[tuple[str, str], list[int]] = {}
    for c in answer.citations:
        by_doc.setdefault((c.title or file_name(c.source), c.source), []).append(c.n)
    lines = [body, "", "---"]
    for (title, source), ns in by_doc.items():
        links = " ".join(f"[\\[{n}\\]]({cite_anchor(turn, n)})" for n in ns)
        lines.append(f"{links} {escape_markdown(title)} · *{escape_markdown(file_name(source))}*  ")
    return "\n".join(lines)


def abstention_markdown(answer: Answer) -> str:
    """An abstention: a distinct heading, the assistant's words, and the closest passages it found."""
    lang = _lang(answer)
    lines = [f"**⚠ {_label('not_found', lang)}**", "", "> " + escape_markdown(answer.answer).replace("\n", "\n> ")]
    if answer.passages:
        lines += ["", f"*{_label('closest', lang)}:*", ""]
        for hit in answer.passages[:CLOSEST]:
            c = hit.chunk
            title = escape_markdown(c.title or file_name(c.source))
            warn = f" *{escape_markdown(_label('suspicious', lang))}*" if is_suspicious(c.text) else ""
            lines.append(f"{hit.rank}\\. **{title}**: {escape_markdown(_snippet(c.text))}{warn}  ")
    return "\n".join(lines)


def error_markdown(message: str) -> str:
    """A short error in the chat (the message is a user-safe `FonteError` text or a generic one)."""
    return f"**⛔ {escape_markdown(message)}**"


def file_name(source: str) -> str:
    """The file name of a source path (`/srv/docs/a.html` -> `a.html`, `/x/set.jsonl#id` -> `set.jsonl`): what
    a user is shown, never the server's folders."""
    base = source.split("#", 1)[0].replace("\\", "/").rsplit("/", 1)[-1]
    return base or source


# ---- sources panel (HTML) ---------------------------------------------------------------------------


def highlight(passage: str, passage_start: int, start: int, end: int) -> str:
    """`passage` (which begins at document offset `passage_start`) as HTML with `[start, end)` in <mark>.

    Offsets outside the passage are clipped; the text is escaped either way.
    """
    a = min(max(start - passage_start, 0), len(passage))
    b = min(max(end - passage_start, a), len(passage))
    esc = html.escape
    return f"{esc(passage[:a])}<mark class='fonte-quote'>{esc(passage[a:b])}</mark>{esc(passage[b:])}"


def passage_for(
    citation: Citation, hits: tuple[Hit, ...], document_text: Callable[[str], str] | None
) -> tuple[str, int]:
    """The passage that holds the cited sentence, and its document offset.

    The retrieved chunk that contains the quote if there is one, else a window of the document around it,
    else the quote alone.
    """
    for hit in hits:
        c = hit.chunk
        if c.doc_id == citation.doc_id and c.start <= citation.start and citation.end <= c.end:
            return c.text, c.start
    if document_text is not None:
        try:
            text = document_text(citation.doc_id)
        except Exception:  # a document deleted since the answer: show the quote alone
            text = ""
        if text[citation.start : citation.end] == citation.quote:
            a, b = _window(text, citation.start, citation.end, _PASSAGE_CHARS // 2)
            return text[a:b], a
    return citation.quote, citation.start


def _window(text: str, start: int, end: int, margin: int) -> tuple[int, int]:
    """About `margin` characters either side of `[start, end)`, cut at spaces rather than inside words."""
    a, b = max(0, start - margin), min(len(text), end + margin)
    if a > 0:
        space = text.find(" ", a, start)
        a = space + 1 if space != -1 else a
    if b < len(text):
        space = text.rfind(" ", end, b)
        b = space if space != -1 else b
    return a, b


def suspicious_html(text: str, lang: str = "en") -> str:
    """A visible warning when `text` holds text addressed to an AI assistant (`qa.injection.is_suspicious`),
    else ""."""
    if not is_suspicious(text):
        return ""
    return f"<div class='fonte-suspicious' role='note'>{html.escape(_label('suspicious', lang))}</div>"


def _place(citation: Citation) -> str:
    place = place_label(citation.page, citation.section)
    return f" · {place}" if place else ""


def source_card(
    citation: Citation, passage: str, passage_start: int, turn: int, active: bool, lang: str = "en", page: str = ""
) -> str:
    """One citation as an HTML card: number, title, file, a warning where the passage holds text addressed to
    an AI assistant, highlighted passage, its rendering, and `page` (the HTML of the cited page with its
    highlight, `ui.pages.page_html`, or "")."""
    esc = html.escape
    anchor = cite_anchor(turn, citation.n)[1:]
    parts = [
        f"<div class='fonte-card{' fonte-active' if active else ''}' id='{anchor}' data-n='{citation.n}'>",
        f"<div class='fonte-card-head'><span class='fonte-n'>[{citation.n}]</span>"
        f"<span class='fonte-title'>{esc(citation.title or file_name(citation.source))}</span></div>",
        # the file and the page or section; not the character offsets (jargon to a reader: the export keeps them)
        f"<div class='fonte-file'>{esc(file_name(citation.source))}{esc(_place(citation))}</div>",
        suspicious_html(passage, lang),
        f"<div class='fonte-passage'>{highlight(passage, passage_start, citation.start, citation.end)}</div>",
    ]
    parts += [translation_html(citation.translation, lang), page, "</div>"]
    return "".join(parts)


def sources_html(
    answer: Answer | None,
    turn: int,
    active: int | None = None,
    document_text: Callable[[str], str] | None = None,
    page_html: Callable[[Citation, Answer], str] | None = None,
) -> str:
    """The Sources panel for one answer; citation `active` is marked and comes first, with its page as it looks
    in the PDF where `page_html` gives one (HTML, or "" for a document without pages)."""
    if answer is None:
        return f"<div class='fonte-empty'>{html.escape(SOURCES_EMPTY)}</div>"
    if not answer.citations:
        return _closest_html(answer)
    cites = sorted(answer.citations, key=lambda c: (c.n != active, c.n))
    cards = []
    for c in cites:
        passage, start = passage_for(c, answer.passages, document_text)
        page = page_html(c, answer) if page_html is not None and c.n == active else ""
        cards.append(source_card(c, passage, start, turn, c.n == active, _lang(answer), page))
    head = f"<div class='fonte-sources-q'>{html.escape(answer.question)}</div>"
    return f"<div class='fonte-sources'>{head}{''.join(cards)}</div>"


def translation_html(rendering: str | None, lang: str) -> str:
    """A quote's or passage's rendering in the reader's language, labelled ("" when there is none)."""
    if not rendering:
        return ""
    label = html.escape(strings.text("translation", lang))
    return f"<div class='fonte-translation'><span class='fonte-label'>{label}</span>{html.escape(rendering)}</div>"


def _closest_html(answer: Answer) -> str:
    esc = html.escape
    lang = _lang(answer)
    items = [
        f"<div class='fonte-card'><div class='fonte-card-head'><span class='fonte-n'>#{h.rank}</span>"
        f"<span class='fonte-title'>{esc(h.chunk.title or file_name(h.chunk.source))}</span></div>"
        f"<div class='fonte-file'>{esc(file_name(h.chunk.source))}</div>"
        f"{suspicious_html(h.chunk.text, lang)}<div class='fonte-passage'>{esc(h.chunk.text)}</div>"
        f"{translation_html(h.translation, lang)}</div>"
        for h in answer.passages[:5]
    ]
    title = f"{_label('not_found', lang)}: {_label('closest', lang).lower()}"
    head = f"<div class='fonte-abstain-head'>{esc(title)}</div>"
    return f"<div class='fonte-sources'>{head}{''.join(items)}</div>"
