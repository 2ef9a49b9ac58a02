"""Roles a question asks about, matched across Italian and English (qa/abstain/roles.py)."""

from __future__ import annotations

from qa.abstain.roles import role_found, roles

TEXT = "Il segretario generale aggiunto ha incontrato i rappresentanti del ministero della Difesa a Tokyo."


def test_a_role_the_text_never_names_is_not_found() -> None:
    assert role_found("What did the Estonian prime minister say?", TEXT) == 0.0
    assert role_found("Come si chiama il comandante delle forze armate?", TEXT) == 0.0
    # "ministero" (ministry) is not "ministro" (minister): whole forms only, no prefixes
    assert role_found("Who is the defence minister?", TEXT) == 0.0


def test_a_role_is_found_in_the_other_language_and_by_its_synonyms() -> None:
    assert role_found("Who is the assistant secretary general?", TEXT) == 1.0
    assert role_found("Who is the prime minister?", "Il presidente del Consiglio ha parlato.") == 1.0
    assert role_found("Chi è l'allenatore della squadra?", "The head coach said the team was ready.") == 1.0


def test_the_longest_form_is_the_role_asked_about() -> None:
    assert roles("the prime minister") == roles("il primo ministro") != roles("the minister")
    assert role_found("Who is the prime minister?", "Il ministro ha parlato.") == 0.0
    assert role_found("What did the minister say?", "The prime minister spoke.") == 0.0


def test_a_question_naming_no_role_is_not_judged() -> None:
    assert roles("Who was absent from the exercise?") == set()
    assert role_found("Who was absent from the exercise?", "") == 1.0
    assert role_found("Who was the kingmaker?", "nothing") == 1.0  # "king" only as a whole word
