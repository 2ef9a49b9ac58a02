"""Questions that ask why, against sentences that do or do not give a reason."""

from __future__ import annotations

import pytest

from qa.abstain.reasons import answers_why, asks_reason, gives_reason, reason_found


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("Why was the regatta moved to Trieste?", True),
        ("Perché la regata è stata spostata?", True),
        ("Come mai il vento era debole?", True),
        ("Per quale motivo è stata annullata la gara?", True),
        ("How come the boats stayed in the harbour?", True),
        ("Where was the regatta held?", False),
        ("Chi ha vinto la regata?", False),
        ("What was the reasoning of the jury called?", False),
    ],
)
def test_asks_reason(question: str, asks: bool) -> None:
    assert asks_reason(question) is asks


@pytest.mark.parametrize(
    ("text", "gives"),
    [
        ("La regata è stata spostata a Trieste perché il porto era chiuso.", True),
        ("Gli organizzatori sono arrivati per preparare le boe.", True),
        ("La gara è stata annullata a causa del vento.", True),
        ("The race was cancelled because of the storm.", True),
        ("The boats left early in order to avoid the tide.", True),
        ("Since the harbour was closed, the boats waited.", True),
        ("La regata si è svolta a Trieste con 40 barche.", False),
        ("Per la prima volta hanno partecipato due squadre giapponesi.", False),
        ("The club has hosted the regatta since 2019.", False),
        ("Tutte le squadre erano presenti, tranne quella di Pola.", False),
    ],
)
def test_gives_reason(text: str, gives: bool) -> None:
    assert gives_reason(text) is gives


def test_a_reason_counts_only_where_the_sentence_is_about_the_question() -> None:
    question = "Why did Pola not take part in the regatta?"
    stated = "Tutte le squadre erano presenti, tranne quella di Pola."
    elsewhere = "Gli organizzatori sono arrivati a Trieste per preparare le boe."
    explained = "La squadra di Pola è rimasta a casa perché la sua barca era danneggiata."
    assert not answers_why(question, elsewhere, "La regata")  # a reason, but for something else
    assert not answers_why(question, stated, "La regata")  # about Pola, but no reason
    assert answers_why(question, explained, "La regata")
    assert reason_found(question, [(stated, ""), (elsewhere, "")]) == 0.0
    assert reason_found(question, [(stated, ""), (explained, "")]) == 1.0
    assert reason_found("Where was the regatta held?", [(stated, "")]) == 1.0  # not a why-question
