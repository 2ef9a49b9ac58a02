"""Verification and renumbering of generated answers, with a scripted model and the real e5-small embedder."""

from __future__ import annotations

from collections.abc import Callable

from qa.answer.generate import Generated, generate
from qa.answer.llm import ScriptedLLM
from qa.embed import Embedder
from qa.types import Evidence
from qa.verify.claims import facts_agree, localise_names, markers, split_answer, strip_markers, verify_answer

MakeEvidence = Callable[..., list[Evidence]]

Q = "Who was absent from Cyber Coalition 2023?"


def run(reply: str, evidence: list, embedder: Embedder, question: str = Q, language: str = "en") -> Generated:
    out = list(generate(ScriptedLLM([reply]), question, language, evidence, embedder=embedder))
    assert "".join(p for p in out if isinstance(p, str)) == reply  # the raw pieces are streamed first
    final = out[-1]
    assert isinstance(final, Generated)
    return final


def test_a_supported_claim_keeps_its_citation(evidence_for: MakeEvidence, e5: Embedder) -> None:
    ev = evidence_for("Tallinn", "Montenegro", "nuovi arrivati")
    g = run("Montenegro, Luxembourg and Belgium were absent from Cyber Coalition 2023 [2].", ev, e5)
    assert g.cited == (2,)
    assert g.text == "Montenegro, Luxembourg and Belgium were absent from Cyber Coalition 2023 [1]."


def test_a_citation_to_the_wrong_sentence_is_dropped(evidence_for: MakeEvidence, e5: Embedder) -> None:
    ev = evidence_for("Tallinn", "Montenegro", "nuovi arrivati")
    g = run("Montenegro, Luxembourg and Belgium were absent from Cyber Coalition 2023 [1].", ev, e5)
    assert g.text == "" and g.cited == ()
    assert g.dropped


def test_hallucinated_sentences_are_dropped_and_the_rest_renumbered(evidence_for: MakeEvidence, e5: Embedder) -> None:
    ev = evidence_for("Tallinn", "Montenegro", "nuovi arrivati")
    reply = (
        "France and Germany were also absent from Cyber Coalition 2023 [2]. "
        "The exercise cost 5 million euros [1]. "
        "Japan and South Korea joined for the first time as full participants [3]. "
        "Montenegro, Luxembourg and Belgium did not take part [2]."
    )
    g = run(reply, ev, e5)
    assert g.cited == (3, 2)
    assert g.text == (
        "Japan and South Korea joined for the first time as full participants [1]. "
        "Montenegro, Luxembourg and Belgium did not take part [2]."
    )
    assert len(g.dropped) == 2


def test_citations_to_missing_evidence_are_dropped(evidence_for: MakeEvidence, e5: Embedder) -> None:
    ev = evidence_for("Montenegro", "nuovi arrivati")
    g = run("Montenegro, Luxembourg and Belgium did not take part [1, 7].", ev, e5)
    assert g.text == "Montenegro, Luxembourg and Belgium did not take part [1]." and g.cited == (1,)
    # a sentence citing only evidence that does not exist is read as uncited: cited where it holds, or dropped
    assert run("Montenegro, Luxembourg and Belgium did not take part [7].", ev, e5).cited == (1,)
    assert run("France did not take part [7].", ev, e5).text == ""


def test_a_refusal_or_nothing_leaves_nothing(evidence_for: MakeEvidence, e5: Embedder) -> None:
    ev = evidence_for("Montenegro")
    assert run("The documents do not say.", ev, e5).text == ""
    assert run("Il testo non lo dice.", ev, e5, language="it").text == ""
    assert run("", ev, e5).text == ""


def test_names_are_given_in_the_answer_language(evidence_for: MakeEvidence, e5: Embedder) -> None:
    ev = evidence_for("Tallinn", "Montenegro")
    g = run("Montenegro, Lussemburgo, and Belgio were absent from Cyber Coalition 2023. [2]", ev, e5)
    assert g.text == "Montenegro, Luxembourg, and Belgium were absent from Cyber Coalition 2023 [1]."
    assert g.raw.startswith("Montenegro, Lussemburgo")


def test_an_italian_answer_is_checked_the_same_way(evidence_for: MakeEvidence, e5: Embedder) -> None:
    ev = evidence_for("nuovi arrivati", "Montenegro")
    q = "Chi era assente da Cyber Coalition 2023?"
    g = run("Montenegro, Luxembourg e Belgio non hanno partecipato a Cyber Coalition 2023 [2].", ev, e5, q, "it")
    assert g.text == "Montenegro, Lussemburgo e Belgio non hanno partecipato a Cyber Coalition 2023 [1]."
    assert g.cited == (2,)
    assert run("Montenegro e Francia non hanno partecipato [2].", ev, e5, q, "it").text == ""


def test_two_citations_in_one_sentence(evidence_for: MakeEvidence, e5: Embedder) -> None:
    ev = evidence_for("Tallinn", "Montenegro", "nuovi arrivati")
    g = run(
        "Japan and South Korea joined for the first time [3], while Montenegro, Luxembourg and Belgium "
        "did not take part [2].",
        ev,
        e5,
    )
    assert g.cited == (3, 2)
    assert "[1]" in g.text and "[2]" in g.text and "[3]" not in g.text


def test_numbers_must_agree(evidence_for: MakeEvidence, e5: Embedder) -> None:
    ev = evidence_for("Montenegro")
    q = "How many people took part in Cyber Coalition 2023?"
    assert run("About 1,000 participants took part in the exercise [1].", ev, e5, q).cited == (1,)
    assert run("About 2,500 participants took part in the exercise [1].", ev, e5, q).text == ""


def test_the_subject_may_sit_in_the_previous_sentence(evidence_for: MakeEvidence) -> None:
    (ev,) = evidence_for("Montenegro")
    # "Tallinn" is only in the sentence before the cited one: allowed as context, "Riga" is not.
    assert verify_answer("The exercise in Tallinn had 1,000 participants [1].", "", [ev], None).cited == (1,)
    assert verify_answer("The exercise in Riga had 1,000 participants [1].", "", [ev], None).text == ""


def test_sentence_splitting_and_markers() -> None:
    text = "Japan joined [3]. Belgium was absent. [2][1]\nNo marker here"
    assert split_answer(text) == ["Japan joined [3].", "Belgium was absent. [2][1]", "No marker here"]
    assert markers("A [2, 1] b [2] c [3; 4]") == [2, 1, 3, 4]
    assert strip_markers("Belgium was absent [2].") == "Belgium was absent."


def test_names_agree_across_languages() -> None:
    ev = "I nuovi arrivati Giappone e Corea del Sud si sono uniti. Erano presenti anche funzionari ucraini."
    assert facts_agree("Japan and South Korea joined, with Ukrainian officials.", ev)
    assert facts_agree("Estonian and Japanese officials met.", "Funzionari estoni e giapponesi, in Estonia.")
    assert not facts_agree("Japan and North Korea joined.", ev)
    assert not facts_agree("Australia joined.", "L'Austria si è unita.")
    assert facts_agree("Officials from Ukraine were there.", ev)  # Ucraina -> ucraini
    # roles are read whole: the assistant secretary general is not the secretary general
    aide = "David van Weel, il segretario generale aggiunto della NATO, ha parlato."
    assert facts_agree("David van Weel is NATO's assistant secretary general.", aide)
    assert not facts_agree("David van Weel è il segretario generale della NATO.", aide)
    assert not facts_agree("Officials from Ukraine were there.", "Erano presenti anche funzionari russi.")


def test_localise_names_both_ways() -> None:
    assert localise_names("Lussemburgo, Belgio e Corea del Sud", "en") == "Luxembourg, Belgium e South Korea"
    assert localise_names("Luxembourg and South Korea", "it") == "Lussemburgo and Corea del Sud"


def test_a_wrong_citation_cannot_ride_along_with_a_right_one(evidence_for: MakeEvidence, e5: Embedder) -> None:
    ev = evidence_for("Tallinn", "Montenegro", "nuovi arrivati")
    q = "Quali paesi non hanno partecipato a Cyber Coalition 2023?"
    g = run(
        "[1] Montenegro, Lussemburgo e Belgio non hanno partecipato a Cyber Coalition 2023. [2] [3]", ev, e5, q, "it"
    )
    assert g.cited == (2,)
    assert g.text == "Montenegro, Lussemburgo e Belgio non hanno partecipato a Cyber Coalition 2023 [1]."


def test_talk_about_the_evidence_is_trimmed(evidence_for: MakeEvidence, e5: Embedder) -> None:
    ev = evidence_for("Tallinn", "Montenegro")
    g = run("Montenegro, Luxembourg and Belgium did not take part, as evidenced by evidence [2].", ev, e5)
    assert g.text == "Montenegro, Luxembourg and Belgium did not take part [1]."


def test_a_cited_refusal_is_not_an_answer(evidence_for: MakeEvidence, e5: Embedder) -> None:
    ev = evidence_for("Tallinn", "Montenegro")
    q = "What was the budget of Cyber Coalition 2023?"
    assert run("The budget of Cyber Coalition 2023 is not specified in the evidence [1].", ev, e5, q).text == ""
    q_it = "Qual era il budget di Cyber Coalition 2023?"
    assert run("Il budget di Cyber Coalition 2023 non è specificato [1].", ev, e5, q_it, "it").text == ""


def test_a_citation_that_holds_the_names_only_through_the_sentence_before_does_not_ride_along(
    evidence_for: MakeEvidence, e5: Embedder
) -> None:
    # [2] (the Ukrainian officials) follows the newcomers' sentence, so its context names Japan and South Korea
    # too; [1] states them itself, and the answer cites only [1].
    ev = evidence_for("nuovi arrivati", "ucraini")
    q = "Chi è tornato all'esercitazione dopo qualche anno di assenza?"
    g = run("[1] Giappone e Corea del Sud sono entrati come partecipanti a pieno titolo [2].", ev, e5, q, "it")
    assert g.cited == (1,)
    assert g.text == "Giappone e Corea del Sud sono entrati come partecipanti a pieno titolo [1]."


def test_an_answer_that_states_nothing_of_its_own_is_not_supported(evidence_for: MakeEvidence, e5: Embedder) -> None:
    # The local model once answered "Chi è l'autrice dell'articolo?" with "La risposta è [1]."
    ev = evidence_for("Gosselin-Malo", "Montenegro")
    q = "Chi è l'autrice dell'articolo?"
    assert run("La risposta è [1].", ev, e5, q, "it").text == ""
    assert run("The answer to who the author of the article is can be found in the text [1].", ev, e5, q).text == ""
    g = run("L'autrice dell'articolo è Elisabeth Gosselin-Malo [1].", ev, e5, q, "it")
    assert g.text == "L'autrice dell'articolo è Elisabeth Gosselin-Malo [1]."


def test_a_nationality_must_be_the_one_the_evidence_gives(evidence_for: MakeEvidence, e5: Embedder) -> None:
    # the local model once answered "Di che nazionalità è David van Weel?" with "italiano"
    ev = evidence_for("l'olandese", "Gosselin-Malo")
    q = "Di che nazionalità è David van Weel?"
    right = "L'olandese David van Weel ha concluso una visita in Giappone [1]."
    assert run(right, ev, e5, q, "it").text == right
    assert run(right.replace("olandese", "italiano"), ev, e5, q, "it").text == ""
    english = "The Dutch David van Weel ended a visit to Japan [1]."
    assert run(english, ev, e5, "What nationality is David van Weel?").text == english
    assert run(english.replace("Dutch", "Italian"), ev, e5, "What nationality is David van Weel?").text == ""


def test_a_sentence_written_without_a_marker_is_cited_where_it_holds(evidence_for: MakeEvidence, e5: Embedder) -> None:
    ev = evidence_for("Tallinn", "Montenegro", "nuovi arrivati")
    g = run("Montenegro, Luxembourg and Belgium were absent from Cyber Coalition 2023.", ev, e5)
    assert g.cited == (2,)
    assert g.text == "Montenegro, Luxembourg and Belgium were absent from Cyber Coalition 2023 [1]."
    # the same check as for a marked sentence: what no evidence holds stays out
    g = run("France and Germany were absent from Cyber Coalition 2023.", ev, e5)
    assert g.text == "" and g.cited == ()


def test_a_sentence_in_the_other_language_is_dropped(evidence_for: MakeEvidence, e5: Embedder) -> None:
    ev = evidence_for("Pochi giorni")
    copied = "L'olandese ha concluso una visita di tre giorni in Giappone [1]."
    assert run(copied, ev, e5, "How long was van Weel's visit to Japan?").text == ""
    assert run(
        "Van Weel's visit to Japan lasted three days [1].", ev, e5, "How long was van Weel's visit to Japan?"
    ).cited
    kept = run(copied, ev, e5, "Quanto è durata la visita in Giappone?", language="it")
    assert kept.text == copied and kept.cited == (1,)


def test_a_role_given_to_someone_must_be_in_the_evidence_not_only_the_question(
    evidence_for: MakeEvidence, e5: Embedder
) -> None:
    ev = evidence_for("segretario generale aggiunto", "funzionari ucraini")
    q = "What nationality is NATO's assistant secretary general?"
    # the Ukrainian officials' sentence holds the nationality but not the role the question names
    assert run("NATO's assistant secretary general is Ukrainian [2].", ev, e5, q).text == ""
    assert run("David van Weel is NATO's assistant secretary general [1].", ev, e5, "Who is David van Weel?").cited


def test_a_claim_the_cited_sentence_holds_only_through_the_one_before_is_not_cited_to_it(
    evidence_for: MakeEvidence, e5: Embedder
) -> None:
    # the newcomers' sentence, cited to the next one (the Ukrainian officials), whose context names them
    ev = evidence_for("ucraini", "nuovi arrivati")
    q = "Chi è tornato all'esercitazione dopo qualche anno di assenza?"
    g = run("Giappone e Corea del Sud si sono uniti per la prima volta come partecipanti [1].", ev, e5, q, "it")
    assert g.text == "" and g.cited == ()
    # cited to the sentence that states them, the claim holds
    g = run("Giappone e Corea del Sud si sono uniti per la prima volta come partecipanti [2].", ev, e5, q, "it")
    assert g.cited == (2,)
