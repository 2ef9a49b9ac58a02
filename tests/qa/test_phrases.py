"""A name of several words counts as found only where the passages hold it whole (qa/abstain/phrases.py)."""

from __future__ import annotations

from qa.abstain.phrases import names, phrase_coverage

PASSAGES = [
    "Following filming in Mexico, Craig was flown to New York to undergo minor surgery.",
    "The score of Twilight Princess was written by Koji Kondo.",
]


def test_a_name_made_of_the_passages_words_but_not_in_them_is_not_found() -> None:
    assert phrase_coverage("Who was flown to New Mexico for surgery?", "en", PASSAGES) == 0.0
    assert phrase_coverage("Who wrote the music for Twilight Kondo?", "en", PASSAGES) == 0.0


def test_a_name_the_passages_hold_is_found_whatever_its_case_and_spacing() -> None:
    assert phrase_coverage("Who was flown to New York?", "en", PASSAGES) == 1.0
    assert phrase_coverage("Who scored TWILIGHT   PRINCESS?", "en", PASSAGES) == 1.0


def test_names_in_another_form_or_script_are_left_to_word_coverage() -> None:
    # the words of "French Revolution" are not in Spanish passages: not counted, so no evidence against
    assert (
        phrase_coverage("When did the French Revolution start?", "en", ["La Revolución Francesa empezó en 1789."])
        == 1.0
    )
    # a script without case has no names to check
    assert phrase_coverage("من كتب موسيقى اللعبة؟", "ar", ["كتب كوجي كوندو الموسيقى."]) == 1.0
    # Cyrillic has case: the same reading holds
    assert (
        phrase_coverage("Кто родился в Нижнем Тагиле?", "ru", ["Он родился в Нижнем Новгороде, в Тагиле жил брат."])
        == 0.0
    )


def test_a_leading_stopword_and_punctuation_end_a_name() -> None:
    assert names("On Today.com, Matt Zoller Seitz gave it how many stars?", "en") == [["matt", "zoller", "seitz"]]
    assert names("What is Legend of Zelda: Twilight Princess?", "en") == [["twilight", "princess"]]
