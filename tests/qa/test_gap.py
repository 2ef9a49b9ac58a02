"""Candidate short answers, found the same way in any language: the words a sentence adds to the question's."""

from __future__ import annotations

import pytest

from qa.read.gap import candidates


@pytest.mark.parametrize(
    ("question", "sentence", "langs", "expected"),
    [
        (
            "Reflector cookers can reach temperatures in Celsius of up to what?",
            "Reflector cookers can reach temperatures of up to 315 °C (599 °F) and higher.",
            ("en",),
            "315",
        ),
        ("Wer entwickelte Adobe Photoshop?", "Adobe Photoshop wurde von Thomas und John Knoll entwickelt.", ("de",),
         "Thomas und John Knoll"),
        ("¿En qué año se fundó la ciudad?", "La ciudad fue fundada en 1541 por Pedro de Valdivia.", ("es",), "1541"),
        ("متى تأسست المدينة؟", "تأسست المدينة في عام 1541 على يد بيدرو.", ("ar",), "1541"),
    ],
)  # fmt: skip
def test_the_answer_is_among_the_candidates_in_every_language(
    question: str, sentence: str, langs: tuple[str, ...], expected: str
) -> None:
    found = candidates(question, sentence, langs)
    assert expected in [c.text for c in found]
    for c in found:
        assert sentence[c.start : c.end] == c.text  # offsets into the sentence
        assert not set(c.text.lower().split()) & {"adobe", "photoshop", "ciudad", "reflector"}  # not the question's


def test_names_keep_their_particles_and_runs_stop_at_punctuation() -> None:
    found = [
        c.text
        for c in candidates("Who founded the city?", "The city was founded by Pedro de Valdivia, in 1541.", ("en",))
    ]
    assert "Pedro de Valdivia" in found and "1541" in found and not any("," in t for t in found)


def test_a_sentence_sharing_no_word_with_the_question_gives_far_candidates() -> None:
    (c,) = candidates("Who won the race?", "Rocks form layers.", ("en",))
    assert c.matched == 0 and c.distance >= 3
