"""The app on a loopback port, driven with gradio_client: named endpoints return the Answer as JSON."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui.conftest import Served

QUESTION = "Who was absent from Cyber Coalition 2023?"
ABSENT = (("Montenegro",), ("Luxembourg", "Lussemburgo"), ("Belgium", "Belgio"))


def _has_all(text: str) -> bool:
    return all(any(name in text for name in names) for names in ABSENT)


def test_ask_returns_the_three_countries_with_a_citation(client: Any, served: Served) -> None:
    result = client.predict(QUESTION, api_name="/ask")
    assert isinstance(result, dict) and result["abstained"] is False
    assert _has_all(result["answer"])
    cited = [c for c in result["citations"] if _has_all(c["quote"])]
    assert cited, result["citations"]
    c = cited[0]
    assert served.assistant.document_text(c["doc_id"])[c["start"] : c["end"]] == c["quote"]
    assert f"[{c['n']}]" in result["answer"]
    assert result["passages"] and result["mode"] == "extractive"


def test_follow_up_uses_history(client: Any) -> None:
    first = client.predict(QUESTION, api_name="/ask")
    follow = client.predict(
        "And which countries joined for the first time?", [[QUESTION, first["answer"]]], api_name="/ask"
    )
    # the history reached the assistant: the follow-up was rewritten into a standalone question
    assert follow["question"] == "And which countries joined for the first time?"
    assert follow["standalone_question"] != follow["question"] and "Cyber Coalition" in follow["standalone_question"]


def test_status_endpoint(client: Any) -> None:
    st = client.predict(api_name="/status")
    assert st["documents"] >= 1 and st["chunks"] >= 1
    assert "extractive" in st["modes"] and st["embedder"]


def test_only_the_named_endpoints_are_public(client: Any) -> None:
    named = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert set(named) == {"/ask", "/status"}
    params = [p["parameter_name"] for p in named["/ask"]["parameters"]]
    assert params[:2] == ["question", "history"]


def test_a_user_error_comes_back_as_a_short_message(client: Any) -> None:
    with pytest.raises(Exception) as info:
        client.predict(QUESTION, None, 5, "no-such-mode", api_name="/ask")
    msg = str(info.value)
    assert "Traceback" not in msg and 'File "' not in msg


def test_plain_http_call_as_documented(served: Served) -> None:
    """The README's curl recipe: POST /gradio_api/call/ask, then read the event stream."""
    import json

    import httpx

    with httpx.Client(base_url=served.url, timeout=60) as http:
        r = http.post("/gradio_api/call/ask", json={"data": [QUESTION, None, 0, "", ""]})
        event_id = r.json()["event_id"]
        stream = http.get(f"/gradio_api/call/ask/{event_id}").text
    assert "event: complete" in stream
    data = json.loads(stream.split("event: complete\ndata:", 1)[1].strip().splitlines()[0])
    assert data[0]["question"] == QUESTION and data[0]["citations"]
