"""Questions about what comes next, against passages that do or do not speak of the future."""

from __future__ import annotations

import pytest

from qa.abstain.future import asks_future, future_found, speaks_of_future


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("Where will the next regatta be held?", True),
        ("Dove si svolgerà la prossima regata?", True),
        ("What are the club's plans for the future?", True),
        ("Quale città ospiterà la regata del 2031?", True),
        ("Chi vincerà la regata?", True),
        ("Quale città ha ospitato la regata?", False),
        ("Which boat won the regatta?", False),
        ("What is next to the harbour?", False),
        ("How will the water level change when it rains?", False),
    ],
)
def test_asks_future(question: str, asks: bool) -> None:
    assert asks_future(question) is asks


@pytest.mark.parametrize(
    ("text", "speaks"),
    [
        ("La regata dell'anno prossimo partirà da Trieste.", True),
        ("Gli organizzatori ospiteranno anche una gara giovanile.", True),
        ("The club will move to a new harbour.", True),
        ("La regata si è svolta a Trieste; però il vento era debole.", False),
        ("Il passo successivo fu la costruzione di una nuova rete di boe.", False),
        ("The winners were announced in the city.", False),
    ],
)
def test_speaks_of_future(text: str, speaks: bool) -> None:
    assert speaks_of_future(text) is speaks


def test_future_found() -> None:
    past = "La regata si è svolta a Trieste con quaranta barche."
    ahead = "La prossima regata si terrà a Pola."
    assert future_found("Where will the next regatta take place?", past) == 0.0
    assert future_found("Where will the next regatta take place?", ahead) == 1.0
    assert future_found("Where did the regatta take place?", past) == 1.0
