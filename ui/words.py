"""The page's words in a language, as Gradio updates: every label, placeholder, button and panel title that
follows the question's language, and the language itself for the HTML that handlers draw (`labels`), and the
words the page's scripts need (`i18n_html`).

The strings are `ui.strings`'; `ui.app.worded(parts)` lists the components these updates go to, in `labels`'
order. The page is built with the English words (`labels(FALLBACK, ...)` gives them back unchanged).
Gradio's own words (its upload box's "Drop File Here", the sidebar's toggle) follow the browser's locale.
"""

from __future__ import annotations

import html
from typing import Any

import gradio as gr

from ui import strings
from ui.documents import ALLOWED_TYPES


def panel_title(words: str) -> str:
    """A panel's title (an HTML block, styled by fonte.css)."""
    return f"<div class='fonte-panel-title'>{html.escape(words)}</div>"


def i18n_html(lang: str) -> str:
    """The words the page's scripts need (the confirmations), in `lang`, as data attributes."""
    attrs = " ".join(
        f"data-{key.replace('_', '-')}='{html.escape(strings.text(key, lang, name='{name}'), quote=True)}'"
        for key in ("confirm_new", "confirm_remove", "confirm_delete")
    )
    return f"<div id='fonte-i18n' data-lang='{lang}' {attrs}></div>"


def labels(lang: str, max_file_mb: float) -> tuple[Any, ...]:
    """The page's words in `lang`, one update per component of `ui.app.worded`, in its order: the question box
    and the chat first (`accept` adds their values), then the chat's buttons and feedback, the Sources title,
    the tabs, the sidebar, the collection picker, the Documents tab, the Settings tab, `lang` itself (the page's
    language: the handlers that draw HTML take it), and last the scripts' words. `max_file_mb` is the upload
    limit the Documents tab states."""

    def t(key: str, **fields: Any) -> str:
        return strings.text(key, lang, **fields)

    def title(key: str) -> Any:
        return gr.update(value=panel_title(t(key)))

    return (
        gr.update(placeholder=t("placeholder")),
        gr.update(placeholder=t("chat_placeholder")),
        gr.update(value=t("ask")),
        gr.update(value=t("new_chat")),
        gr.update(value=t("export")),
        gr.update(label=t("exported")),
        gr.update(label=t("feedback")),
        gr.update(placeholder=t("comment")),
        gr.update(value=t("helpful")),
        gr.update(value=t("unhelpful")),
        title("sources"),
        gr.update(label=t("ask")),  # the tabs
        gr.update(label=t("documents")),
        gr.update(label=t("settings")),
        title("conversations"),  # the sidebar
        gr.update(placeholder=t("title_placeholder")),
        gr.update(value=t("rename")),
        gr.update(value=t("delete")),
        gr.update(value=t("sign_out")),
        gr.update(label=t("collection")),  # the picker
        gr.update(label=t("upload_label", types=" ".join(ALLOWED_TYPES))),  # the Documents tab
        gr.update(value=t("upload_note", mb=max_file_mb)),
        title("uploads"),
        title("collection"),
        title("documents"),
        gr.update(label=t("remove_pick")),
        gr.update(value=t("remove")),
        gr.update(value=t("settings_note")),  # the Settings tab
        gr.update(label=t("mode"), info=t("mode_info")),
        gr.update(label=t("top_k")),
        lang,  # the page's language
        i18n_html(lang),
    )
