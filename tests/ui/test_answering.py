"""The chat's flow without a browser: one question at a time per page, a status line while nothing streams, Stop,
a draft that changed said to be revised, and the page's words in the question's language."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import gradio as gr
import pytest

from qa.answer.renderings import Renderings
from qa.settings import Settings
from qa.types import Answer
from ui import strings
from ui.answering import status_html
from ui.chat import Jobs, Tick, pump
from ui.format import escape_markdown
from ui.handlers import Handlers, Turn
from ui.words import labels


class Scripted:
    """An assistant that streams `pieces` (a float is a pause of that many seconds), then `final` as the Answer:
    the real one cannot be made to pause or to revise its draft on demand."""

    def __init__(self, pieces: list[str | float], final: str) -> None:
        self.pieces, self.final = pieces, final
        self.closed = threading.Event()
        self.settings = Settings(collection="default")
        self.index = SimpleNamespace(documents=lambda refresh=False: {})  # no document with pages to show
        self.renderings = Renderings()

    def stream(self, question: str, *_a: Any, **_k: Any) -> Iterator[Any]:
        try:
            for piece in self.pieces:
                if isinstance(piece, float):
                    time.sleep(piece)
                else:
                    yield piece
            yield Answer(question=question, answer=self.final, abstained=False, language="en")
        finally:
            self.closed.set()

    def document_text(self, doc_id: str) -> str:
        return ""

    def can_translate(self) -> bool:
        return False


def _handlers(assistant: Any, settings: Settings) -> Handlers:
    return Handlers(assistant, settings)


def test_jobs_refuse_a_second_question_and_stop_one_not_started() -> None:
    jobs = Jobs()
    ticket = jobs.open("page", "first?", "en")
    assert ticket and jobs.open("page", "second?", "en") is None and jobs.busy("page")
    assert jobs.open("other page", "theirs?", "en")  # other pages are not held up
    job = jobs.stop("page")
    assert job is not None and not job.started and job.question == "first?"
    assert jobs.claim(ticket, "page") is None and not jobs.busy("page")  # its answer will not run
    again = jobs.open("page", "second?", "en")
    assert again and jobs.claim(again, "other page") is None  # a ticket is good for its own page only
    assert jobs.claim(again, "page") is not None and jobs.claim(again, "page") is None  # claimed once


def test_pump_ticks_while_the_stream_is_silent_and_stop_closes_it() -> None:
    source = Scripted(["a", 0.35, "b", 2.0, "never"], "x")
    stop = threading.Event()
    seen: list[Any] = []
    for item in pump(lambda: source.stream("q"), stop, tick_s=0.1):
        seen.append(item)
        if item == "b":
            stop.set()
    assert seen[0] == "a" and "b" in seen and "never" not in seen
    assert any(isinstance(i, Tick) for i in seen[1 : seen.index("b")])
    assert source.closed.wait(20)  # the producer closed the stream at its next item (after its 2 s pause)


def test_a_second_question_while_one_is_answered_is_refused_visibly(ui_settings: Settings) -> None:
    h = _handlers(Scripted(["The answer."], "The answer."), ui_settings)
    first = h.accept("Where is the archive?", [])
    assert first[0]["value"] == "" and first[1]  # box emptied, ticket given
    assert "Searching" in first[3] and first[4]["visible"] is True  # status line, Stop shown
    second = h.accept("And when does it move?", [])
    assert second[1] == first[1] or not isinstance(second[1], str)  # no new ticket: the box keeps the question
    assert "value" not in second[0] and strings.text("busy", "en") in second[3]
    steps = list(h.answer(first[1], [], None, 5))
    assert steps[-1][1][0].answer.answer == "The answer." and steps[-1][3] == ""
    assert h.accept("And when does it move?", [])[1]  # the page may ask again


def test_an_answer_that_differs_from_its_draft_says_it_was_revised(ui_settings: Settings) -> None:
    # the check dropped a claim the documents do not hold (the extractive fallback rewrites more still)
    h = _handlers(Scripted(["Absent: Montenegro", " and Portugal."], "Absent: Montenegro [1]."), ui_settings)
    ticket = h.accept("Who was absent?", [])[1]
    steps = list(h.answer(ticket, [], None, 5))
    drafts = [s[0][-1]["content"] for s in steps if isinstance(s[0], list) and "▍" in s[0][-1]["content"]]
    # the streamed text is marked a draft
    assert drafts and all(escape_markdown(strings.text("draft", "en")) in d for d in drafts)
    (turn,) = steps[-1][1]
    revised = strings.text("revised", "en")
    assert turn.note == revised and escape_markdown(revised) in steps[-1][0][-1]["content"]
    # spacing, renumbered markers and a marker moved before the full stop (as the local model's answer comes
    # back from the check: "2023. [1]" -> "2023 [1].") are no revision
    same = _handlers(
        Scripted(
            ["Absent: Luxembourg [3]", " and Belgium in 2023. [1]"], "Absent:  Luxembourg [1] and Belgium in 2023 [2]."
        ),
        ui_settings,
    )
    steps = list(same.answer(same.accept("Who was absent?", [])[1], [], None, 5))
    assert steps[-1][1][0].note == "" and "↻" not in steps[-1][0][-1]["content"]


def test_names_stream_in_the_readers_language(ui_settings: Settings) -> None:
    """An English answer streamed "Lussemburgo" and "Giappone" and swapped them later (issue 26): the draft gives
    the names as the checked answer will, so the same answer is no revision."""
    final = "Absent: Montenegro, Luxembourg and Belgium; Japan joined [1]."
    h = _handlers(
        Scripted(["Absent: Montenegro, Lussemburgo", " and Belgio; Giappone joined [1]."], final), ui_settings
    )
    steps = list(h.answer(h.accept("Who was absent from the exercise and who joined?", [])[1], [], None, 5))
    drafts = [s[0][-1]["content"] for s in steps if isinstance(s[0], list) and "▍" in s[0][-1]["content"]]
    assert "Luxembourg" in drafts[0] and "Lussemburgo" not in " ".join(drafts) and "Japan" in drafts[-1]
    assert steps[-1][1][0].note == ""
    it = _handlers(Scripted(["Assenti: Lussemburgo."], "Assenti: Lussemburgo."), ui_settings)
    ticket = it.accept("Quali paesi non hanno partecipato all'esercitazione?", [])[1]
    steps = list(it.answer(ticket, [], None, 5))
    assert "Lussemburgo" in steps[-2][0][-1]["content"] and steps[-1][1][0].note == ""  # Italian keeps its own


def test_the_status_line_counts_while_claims_are_checked(ui_settings: Settings) -> None:
    h = _handlers(Scripted(["Done.", 2.5], "Done."), ui_settings)
    steps = list(h.answer(h.accept("Is it done?", [])[1], [], None, 5))
    lines = [s[3] for s in steps if isinstance(s[3], str) and s[3]]
    assert any("data-phase='writing'" in x for x in lines)
    checking = [x for x in lines if "data-phase='checking'" in x]
    assert checking and any(" s</div>" in x for x in checking)  # after two seconds it shows the seconds


def test_stop_ends_the_answer_and_keeps_nothing_unchecked(ui_settings: Settings) -> None:
    source = Scripted(["Half an ans", 30.0, "wer."], "Half an answer.")
    h = _handlers(source, ui_settings)
    ticket = h.accept("Anything?", [])[1]
    steps: list[Any] = []
    runner = threading.Thread(target=lambda: steps.extend(h.answer(ticket, [], None, 5)))
    runner.start()
    deadline = time.monotonic() + 10
    while not any(isinstance(s[0], list) and "Half" in s[0][-1]["content"] for s in steps):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    chat, turns, status, stop = h.stop([])
    assert "stopping" in status  # the answer in progress ends itself
    runner.join(5)
    assert not runner.is_alive()
    (turn,) = steps[-1][1]
    assert turn.answer is None and turn.error == strings.text("stopped", "en")
    assert "Half" not in steps[-1][0][-1]["content"] and steps[-1][4]["visible"] is False
    assert h.accept("Next?", [])[1]  # the page may ask again


def test_stop_before_the_answer_started_closes_the_question_at_once(ui_settings: Settings) -> None:
    h = _handlers(Scripted(["x"], "x"), ui_settings)
    ticket = h.accept("Chi ha vinto la gara per il nuovo archivio comunale?", [])[1]
    chat, turns, status, stop = h.stop([Turn("earlier", error="e")])
    assert [t.question for t in turns] == ["earlier", "Chi ha vinto la gara per il nuovo archivio comunale?"]
    assert turns[-1].error == strings.text("stopped", "it") and stop["visible"] is False
    assert list(h.answer(ticket, [], None, 5))[-1][0] == {"__type__": "update"}  # nothing runs for it


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("Where will the archive move to?", "en"),
        ("Dove si trasferirà l'archivio e quando inizia il trasloco?", "it"),
        ("¿Dónde se trasladará el archivo y cuándo empieza la mudanza?", "es"),
        ("Wohin zieht das Archiv um und wann beginnt der Umzug?", "de"),
        ("Où l'archive va-t-elle déménager et quand le déménagement commence-t-il ?", "fr"),
        ("Waar verhuist het archief naartoe en wanneer begint de verhuizing?", "en"),  # no Dutch table
        ("アーカイブはどこに移りますか?", "en"),
        ("", "en"),
    ],
)
def test_the_page_speaks_the_questions_language_or_english(question: str, lang: str) -> None:
    assert strings.ui_language(question) == lang


def test_every_language_has_every_string_and_no_placeholder_names_two_languages() -> None:
    keys = set(strings.STRINGS["en"])
    assert set(strings.languages()) >= {"en", "it", "es", "de", "fr"}
    for lang, table in strings.STRINGS.items():
        assert set(table) == keys, lang
        assert "English or Italian" not in table["placeholder"]
    assert strings.text("ask", "nl") == "Ask"  # the fallback is English
    box, _chat, ask, *_rest, words = labels("de", 25)
    assert box["placeholder"] == strings.text("placeholder", "de") and ask["value"] == "Fragen"
    assert "data-confirm-new" in words and "data-lang='de'" in words


def test_accept_relabels_the_page_in_the_questions_language(ui_settings: Settings) -> None:
    h = _handlers(Scripted(["x"], "x"), ui_settings)
    out = h.accept("Où l'archive va-t-elle déménager et quand le déménagement commence-t-il ?", [])
    assert out[0]["placeholder"] == strings.text("placeholder", "fr") and out[4]["value"] == "Arrêter"
    assert out[5]["value"] == "Demander" and strings.text("searching", "fr") in out[3]
    assert status_html("", "fr") == ""


def test_a_reopened_conversation_speaks_its_last_questions_language(ui_settings: Settings) -> None:
    h = _handlers(Scripted(["x"], "x"), ui_settings)
    turns = [Turn("Who was absent?", error="e"), Turn("Wohin zieht das Archiv um und wann beginnt der Umzug?")]
    assert h.relabel(turns)[2]["value"] == "Fragen" and h.relabel(turns)[11]["label"] == "Fragen"  # the tab
    # a fresh page keeps its words: English as drawn, or those of a question asked while it loaded
    assert h.relabel([]) == (gr.skip(),) * len(h.relabel(turns))


def test_the_feedback_note_speaks_the_conversations_language_and_the_box_empties(ui_settings: Settings) -> None:
    h = _handlers(Scripted(["x"], "x"), ui_settings)
    question = "Chi non ha partecipato all'esercitazione Cyber Coalition del 2023?"
    turns = [Turn(question, Answer(question, "Montenegro [1].", False, "it"))]
    note, box = h.vote(turns, -1, True, "giusto")
    assert note == strings.text("thanks_comment", "it") and box == ""
    assert h.vote([], -1, True, "")[0] == strings.text("rate_first", "en")


class Translating(Scripted):
    """Streams the answer, then the checked Answer with its citation, pauses (the model translating the quote),
    then the same Answer with the quote's rendering: what `Assistant.stream` gives in LLM modes."""

    QUOTE = "Ha coinvolto 1,000 partecipanti, ad eccezione di Montenegro, Lussemburgo e Belgio."

    def stream(self, question: str, *_a: Any, **_k: Any) -> Iterator[Any]:
        from qa.types import Citation

        cite = Citation(1, "d", "seed.txt", "Cyber Coalition", self.QUOTE, 0, len(self.QUOTE))
        answer = Answer(
            question=question, answer=self.final, abstained=False, language="en", citations=(cite,), mode="local"
        )
        yield self.final
        yield answer
        time.sleep(0.5)
        done = dataclasses.replace(cite, translation="It involved 1,000 participants, except Montenegro.")
        yield dataclasses.replace(answer, citations=(done,))


def test_links_come_with_the_checked_answer_and_an_opened_citation_stays_open(ui_settings: Settings) -> None:
    h = _handlers(Translating([], "Montenegro, Luxembourg and Belgium [1]."), ui_settings)
    steps = h.answer(h.accept("Who was absent?", [])[1], [], None, 5)
    # checked: the answer with its [1] link, the turns that hold it and its sources, while the quotes are rendered
    checked = next(s for s in steps if isinstance(s[3], str) and "data-phase='translating'" in s[3])
    chat, turns, panel = checked[0], checked[1], checked[2]
    assert "#fonte-cite-0-1" in chat[-1]["content"] and turns[0].answer.citations[0].translation is None
    assert "Lussemburgo" in panel and "fonte-active" not in panel
    # the reader opens [1] meanwhile (the page sends the turns it holds: the checked ones)
    opened = h.open_source("0-1", turns)
    assert "fonte-active" in opened
    *_, final = steps
    assert final[3] == "" and final[1][0].note == ""
    assert final[1][0].answer.citations[0].translation.startswith("It involved 1,000 participants")
    # the final redraw keeps [1] open, now with its rendering, and leaves the chat as it was drawn
    assert "fonte-active" in final[2] and "It involved 1,000 participants" in final[2]
    assert not isinstance(final[0], list)  # gr.skip(): the chat drawn when checked is the chat


def test_stop_while_the_quotes_are_rendered_keeps_the_checked_answer(ui_settings: Settings) -> None:
    source = Translating([], "Montenegro, Luxembourg and Belgium [1].")
    h = _handlers(source, ui_settings)
    steps = h.answer(h.accept("Who was absent?", [])[1], [], None, 5)
    next(s for s in steps if isinstance(s[3], str) and "data-phase='translating'" in s[3])
    h.stop([])
    *_, final = steps
    (turn,) = final[1]
    assert turn.answer is not None and turn.error == ""
    assert turn.answer.citations[0].translation is None  # checked, without the rendering it was stopped in


class ExtractiveWithTranslator(Scripted):
    """An extractive answer quoting Italian text, where a model that can render quotes is installed."""

    def __init__(self) -> None:
        super().__init__([], "Montenegro, Luxembourg and Belgium [1].")
        self.prompts: list[str] = []

    def stream(self, question: str, *_a: Any, **_k: Any) -> Iterator[Any]:
        from qa.types import Citation

        cite = Citation(1, "d", "seed.txt", "Cyber Coalition", Translating.QUOTE, 0, len(Translating.QUOTE))
        yield self.final
        yield Answer(question=question, answer=self.final, abstained=False, language="en", citations=(cite,))

    def can_translate(self) -> bool:
        return True

    def translator(self) -> Any:
        from qa.answer.llm import ScriptedLLM

        return ScriptedLLM(lambda prompt: self.prompts.append(prompt) or "It involved 1,000 participants.")


def test_an_extractive_answer_gets_its_quotes_rendered_once_shown(ui_settings: Settings) -> None:
    source = ExtractiveWithTranslator()
    h = _handlers(source, ui_settings)
    steps = list(h.answer(h.accept("Who was absent?", [])[1], [], None, 5))
    # shown with its links first, then the model renders its quote
    shown = [s for s in steps if isinstance(s[3], str) and "data-phase='translating'" in s[3]]
    assert "#fonte-cite-0-1" in shown[0][0][-1]["content"] and shown[0][1][0].answer.citations
    assert source.prompts and "Lussemburgo" in source.prompts[0]
    (turn,) = steps[-1][1]
    assert turn.answer.citations[0].translation == "It involved 1,000 participants."
    assert "It involved 1,000 participants." in steps[-1][2] and steps[-1][3] == ""
    # where no model can render them, the extractive answer is shown once, as it is
    plain = _handlers(Scripted([], "x"), ui_settings)
    assert not [s for s in plain.answer(plain.accept("Who?", [])[1], [], None, 5) if "translating" in str(s[3])]


class NotFoundWithTranslator(ExtractiveWithTranslator):
    """An abstention whose closest passages are Italian, where a model that can render them is installed."""

    def stream(self, question: str, *_a: Any, **_k: Any) -> Iterator[Any]:
        from qa.types import Chunk, Hit

        end = len(Translating.QUOTE)
        chunk = Chunk("c1", "d", "seed.txt", "Cyber Coalition", 0, 0, end, Translating.QUOTE, ((0, end),))
        yield Answer(question, "The documents don't say.", True, "en", passages=(Hit(chunk, 0.5, 1),))


def test_the_closest_passages_are_rendered_after_not_found_is_shown(ui_settings: Settings) -> None:
    source = NotFoundWithTranslator()
    h = _handlers(source, ui_settings)
    steps = list(h.answer(h.accept("Who won the 2018 World Cup?", [])[1], [], None, 5))
    # "not found" and its closest passage are shown first, the status line saying what comes
    shown = next(s for s in steps if isinstance(s[3], str) and "data-phase='translating_passages'" in s[3])
    assert "Lussemburgo" in shown[2] and "fonte-translation" not in shown[2]
    assert source.prompts and "Lussemburgo" in source.prompts[0]
    (turn,) = steps[-1][1]
    assert turn.answer.abstained and turn.answer.passages[0].translation == "It involved 1,000 participants."
    assert "It involved 1,000 participants." in steps[-1][2] and steps[-1][3] == ""


def test_a_new_question_while_the_quotes_are_rendered_goes_ahead_and_the_answer_stands(ui_settings: Settings) -> None:
    h = _handlers(Translating([], "Montenegro, Luxembourg and Belgium [1]."), ui_settings)
    steps = h.answer(h.accept("Who was absent?", [])[1], [], None, 5)
    checked = next(s for s in steps if isinstance(s[3], str) and "data-phase='translating'" in s[3])
    # the page holds the checked answer; the reader asks again instead of waiting for the rendering
    accepted = h.accept("And who joined for the first time?", checked[1])
    chat = accepted[2]["value"] if isinstance(accepted[2], dict) else accepted[2]
    assert isinstance(accepted[1], str) and "And who joined" in chat[-2]["content"]
    assert "#fonte-cite-0-1" in chat[1]["content"]  # the first answer stays in the chat, with its link
    # the first answer's handler ends without drawing again: the turns are the new question's now
    assert all(not isinstance(s[1], list) for s in steps)
    assert h.jobs.current("local") is not None and h.jobs.current("local").question.startswith("And who")
    # while the new question is answered (before anything of it is shown), a third is refused
    refused = h.accept("A third?", checked[1])
    assert not isinstance(refused[1], str) and "data-phase='busy'" in refused[3]  # no ticket; the page says why
    assert h.jobs.current("local").question.startswith("And who")
