"""Answer kinds and short-answer spans (qa/read/spans.py), on sentences written for these tests."""

from __future__ import annotations

import pytest

from qa.read.spans import anchors_found, candidates, lead_agrees, lead_span, lead_text, localise_lead, question_kind


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("What was the budget of the festival?", "money"),
        ("Quanto è costata la mostra?", "money"),
        ("How much money was spent on the bridge?", "money"),
        ("How many days did the minister spend in Rome?", "duration"),
        ("Quanto è durata la visita?", "duration"),
        ("How many people took part?", "count"),
        ("Quanti partecipanti ha avuto la gara?", "count"),
        ("In che giorno ha parlato il sindaco?", "date"),
        ("Since what year has the museum been closed?", "date"),
        ("In which country was the summit held?", "country_place"),
        ("Which country hosted the summit?", "country_place"),  # the host, not its guests
        ("Quale paese ha ospitato il vertice?", "country_place"),
        ("Quali paesi hanno firmato l'accordo?", "country"),
        ("In which city is the author based?", "city"),
        ("Dove si è svolta la gara?", "place"),
        ("Who opened the exhibition?", "names"),
        ("Who is Maria De Santis?", "identity"),  # asks what she is, not for a name
        ("Chi era Paolo Neri?", "identity"),
        ("What nationality is the architect?", "nationality"),
        ("Di che nazionalità è la regista?", "nationality"),
        ("Who is the director of the festival?", "names"),
        ("Who wrote the report?", "author"),
        ("Chi è l'autore del libro?", "author"),
        ("Why did the talks fail?", None),
        ("What did the mayor say about the bridge?", None),
    ],
)
def test_question_kind(question: str, kind: str | None) -> None:
    assert question_kind(question) == kind


@pytest.mark.parametrize(
    ("question", "sentence", "span"),
    [
        (
            "Who was absent?",
            "Hanno votato tutti, ad eccezione di Francia, Spagna e Grecia, che no.",
            "Francia, Spagna e Grecia",
        ),
        ("How many people took part?", "Ha coinvolto 2,500 volontari da quasi tutte le regioni.", "2,500 volontari"),
        ("When did he speak?", "Lo ha detto durante una conferenza il 14 marzo.", "14 marzo"),
        ("In che mese ha parlato?", "Lo ha detto durante una conferenza il 14 marzo.", "14 marzo"),
        ("Da quanto tempo mancavano i greci?", "Erano presenti anche i delegati greci, assenti dal 2017.", "dal 2017"),
        ("When did the style spread?", "Lo stile si diffuse in Francia a partire dagli anni Venti.", "anni Venti"),
        # a date relative to the day of writing answers "when", never "in what year"
        ("When did the fair close?", "I librai hanno chiuso questa settimana la fiera.", "questa settimana"),
        ("Quando è arrivato?", "Il ministro è arrivato ieri a Lisbona.", "ieri"),
        ("Where was the race?", "La gara si è svolta nella capitale, a Lisbona, in estate.", "Lisbona"),
        # a body by its head noun and name, not the name alone ("Difesa")
        (
            "Who did the mayor meet in Lisbon?",
            "Il sindaco è andato a Lisbona per incontrare i rappresentanti del ministero della Difesa.",
            "ministero della Difesa",
        ),
        ("Who funded the study?", "The study was funded by the Department of Energy.", "Department of Energy"),
        ("Which country hosted the summit?", "Il vertice, con Cile e Perù, si è tenuto in Portogallo.", "Portogallo"),
        ("Quanto è costata la mostra?", "La mostra è costata 3 milioni di euro al comune.", "3 milioni di euro"),
        (
            "How long did the visit last?",
            "Il ministro ha concluso una visita di quattro giorni a Roma.",
            "quattro giorni",
        ),
        ("How long had the team been away?", "Erano presenti anche i delegati greci, assenti dal 2017.", "dal 2017"),
        # asked how many were missing, the number of those present is no answer; the names left out are
        (
            "How many regions did not vote?",
            "Hanno votato 2,500 volontari di tutte le regioni, ad eccezione di Umbria e Molise.",
            "Umbria e Molise",
        ),
        (
            "How many regions voted?",
            "Hanno votato 2,500 volontari di tutte le regioni, tranne il Molise.",
            "2,500 volontari",
        ),
        # asked who was missing, what the sentence leaves out comes before the names it lists
        ("Quali paesi erano assenti?", "Francia e Spagna hanno giocato, ad eccezione del Portogallo.", "Portogallo"),
        (
            "In which country was the summit held?",
            "I delegati di Francia e Spagna si sono riuniti in Portogallo.",
            "Portogallo",
        ),
        (
            "Who is the festival director?",
            "Secondo la Francia, ha detto Maria De Santis, il festival crescerà.",
            "Maria De Santis",
        ),
        (
            "Who is Maria De Santis?",
            "Lo ha detto Maria De Santis, sindaco di Lisbona dal 2020.",
            "sindaco di Lisbona dal 2020",
        ),
        ("Who wrote the report?", "Paolo Neri è giornalista per La Stampa di Torino.", "Paolo Neri"),
        # an elided article opening the sentence is no part of a name ("L’evento Festival del Mare")
        (
            "Who organised the Festival del Mare?",
            "L’evento Festival del Mare è stato organizzato dalla Regione Puglia.",
            "Regione Puglia",
        ),
        ("Chi è l'autrice del rapporto?", "By Anna Berg, Berlin correspondent.", "Anna Berg"),
        ("Di che nazionalità è Maria De Santis?", "Maria De Santis, svizzera, vive a Lisbona.", "svizzera"),
        ("What nationality is Maria De Santis?", "Maria De Santis, a Swiss architect, lives in Spain.", "Swiss"),
    ],
)
def test_lead_span(question: str, sentence: str, span: str) -> None:
    got = lead_span(question, sentence)
    assert got == span and got in sentence


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        # a count is not a date, a duration, a year or part of a name the question uses
        ("How many people took part?", "L'incontro si è tenuto il 14 marzo."),
        ("How many people took part?", "La visita è durata quattro giorni."),
        ("How many people took part?", "Il progetto è nato nel 2017."),
        ("How many people took part in Expo 2015?", "L'evento Expo 2015 si è tenuto a Milano."),
        ("In what year did the fair close?", "I librai hanno chiuso questa settimana la fiera."),
        # no amount of money where none is written
        ("What was the budget of the festival?", "Il festival ha coinvolto 2,500 volontari."),
        # a start ("dal 2017") is no number of days, nor how long something lasted
        ("How many days did the regatta last?", "Erano presenti anche i delegati greci, assenti dal 2017."),
        ("How long did the minister stay in Rome?", "Erano presenti anche i delegati greci, assenti dal 2017."),
        # nothing new: the question already holds the only name
        ("Who met Maria De Santis?", "Maria De Santis è arrivata ieri."),
        # the guests do not answer which country hosted
        ("Which country hosted the summit?", "Al vertice hanno preso parte anche Cile e Perù."),
        # a city question is not answered by a country
        ("In which city is the author based?", "L'autrice vive in Portogallo."),
        # the countries left out do not answer which took part (they do answer who was absent, above)
        ("Which countries voted?", "Hanno votato tutti, ad eccezione di Francia, Spagna e Grecia, che no."),
        ("Which countries voted?", "Hanno votato tutti i paesi except Portugal and Spain."),
        # "Svizzera", the country, is not a nationality
        ("Di che nazionalità è Maria De Santis?", "Maria De Santis vive in Svizzera da anni."),
        # what a named person is: a role, not another name
        ("Who is Maria De Santis?", "Maria De Santis ha incontrato Paolo Neri a Lisbona."),
        # a group's noun must be one the lexicon knows for people: "principi" are as often principles
        ("Whose principles did the theory build on?", "Come era consuetudine, i principi russi furono accolti."),
        # who wrote a text is a name where writing or a writer's trade is spoken of, not any name
        ("Who wrote the report?", "Secondo Maria De Santis il festival crescerà."),
    ],
)
def test_no_span_of_the_wrong_kind(question: str, sentence: str) -> None:
    assert lead_span(question, sentence) is None


def test_anchors_bind_numbers_to_their_sentence_and_names_to_the_subject_before() -> None:
    question = "How many delegates from Spain came?"
    sentence = "Sono arrivati 40 delegati."
    assert lead_span(question, sentence, context="La Spagna ha mandato una delegazione.") == "40 delegati"
    assert lead_span(question, sentence, context="La Francia ha mandato una delegazione.") is None
    # a number two sentences away from its subject is not bound to it; a place of residence is
    assert lead_span(question, sentence, context="Ieri.", earlier="La Spagna ha mandato una delegazione.") is None
    where = "Dove vive la corrispondente di Radio Nord?"
    assert (
        lead_span(where, "Vive a Lisbona.", context="Scrive di sport.", earlier="Anna è corrispondente di Radio Nord.")
        == "Lisbona"
    )
    # a date dates what its own sentence names: the year the Greeks were last absent is not when Paolo Neri
    # went to Lisbon, though the sentence before names him
    when = "When did Paolo Neri visit Lisbon?"
    greeks = "Erano presenti anche i delegati greci, assenti dal 2017."
    assert lead_span(when, greeks, context="Paolo Neri ha parlato ai delegati.") is None
    assert lead_span(when, "Paolo Neri è arrivato a Lisbona nel 2017.", context="Ieri.") == "2017"


def test_names_no_retrieved_passage_writes_do_not_bind() -> None:
    # Italian writes "Middle Ages" as "medioevo": no passage can name it, so "France" alone binds the year
    question = "When did France join the Middle Ages league?"
    sentence = "La Francia entrò nella lega medievale nel 1340."
    assert lead_span(question, sentence) is None
    assert lead_span(question, sentence, unwritten={"Middle", "Ages"}) == "1340"
    assert lead_span(question, "La Spagna entrò nella lega medievale nel 1340.", unwritten={"Middle", "Ages"}) is None


def test_anchor_share_works_across_languages() -> None:
    assert anchors_found("Where did Japan and Spain meet?", "Il Giappone e la Spagna si sono incontrati.") == 1.0
    assert anchors_found("Who won Super Bowl 50?", "La gara si è svolta a Lisbona.") == 0.0
    assert anchors_found("Why did it fail?", "anything") == 1.0


def test_candidates_of_a_question_without_kind_are_empty() -> None:
    assert candidates("Why did the talks fail?", "Le trattative sono fallite il 14 marzo a Lisbona.") == []


def test_a_count_answered_by_names_opens_with_their_number() -> None:
    assert (
        lead_text("How many countries stayed away?", "Francia, Spagna e Grecia", "en") == "3: France, Spain and Greece"
    )
    assert lead_text("Quanti paesi erano assenti?", "Francia e Spagna", "it") == "2: Francia e Spagna"
    assert lead_text("Which countries stayed away?", "Francia, Spagna e Grecia", "en") == "France, Spain and Greece"
    assert lead_text("How many people took part?", "2,500 volontari", "en") == localise_lead("2,500 volontari", "en")


def test_localise_lead_gives_names_in_the_question_language() -> None:
    assert localise_lead("Francia, Spagna e Grecia", "en") == "France, Spain and Greece"
    assert localise_lead("Portugal", "it") == "Portogallo"
    assert localise_lead("2,500 pescatori", "en") == "2,500 pescatori"  # a noun the table does not know
    assert localise_lead("svizzera", "en") == "Swiss" and localise_lead("Swiss", "it") == "svizzero"
    assert localise_lead("Svizzera", "en") == "Switzerland"  # the country
    assert localise_lead("questa settimana", "en") == "this week"
    assert localise_lead("last week", "it") == "la settimana scorsa"
    assert localise_lead("ministero della Difesa", "en") == "Ministry of Defence"
    assert localise_lead("Ministry of Defence", "it") == "ministero della Difesa"


def test_people_named_by_a_nationality_answer_who_and_read_in_the_question_language() -> None:
    sentence = "Al vertice NATO erano presenti anche funzionari polacchi, assenti dal 2015."
    assert lead_span("Which officials came back to the NATO summit?", sentence) == "funzionari polacchi"
    assert lead_span("Chi è tornato al vertice NATO?", sentence) == "funzionari polacchi"
    assert localise_lead("funzionari polacchi", "en") == "Polish officials"
    assert localise_lead("German officials", "it") == "funzionari tedeschi"
    assert localise_lead("pescatori polacchi", "en") == "Poles"  # a noun the table does not know
    assert localise_lead("funzionari polacchi", "it") == "funzionari polacchi"
    # a nationality standing for a person ("l'olandese") is not a group; a person's name comes first
    assert lead_span("Who was at the summit?", "Al vertice c'era l'olandese.") is None
    assert lead_span("Who was at the summit?", "Al vertice c'erano Anna Nowak e funzionari polacchi.") == "Anna Nowak"


def test_localise_lead_gives_counts_and_durations_in_the_question_language() -> None:
    assert localise_lead("tre giorni", "en") == "three days"
    assert localise_lead("1,000 partecipanti", "en") == "1,000 participants"
    assert localise_lead("2,500 volontari", "en") == "2,500 volunteers"
    assert localise_lead("una settimana e tre giorni", "en") == "one week and three days"
    assert localise_lead("about 40 countries", "it") == "circa 40 paesi"
    assert localise_lead("28 novembre", "en") == "28 November" and localise_lead("28 November", "it") == "28 novembre"
    assert localise_lead("anni Venti", "en") == "1920s" and localise_lead("1920s", "it") == "anni Venti"
    # only a span with a number: words and names elsewhere are left as they are
    assert localise_lead("una delle loro esercitazioni", "en") == "una delle loro esercitazioni"
    assert localise_lead("Sei Nazioni", "en") == "Sei Nazioni"


@pytest.fixture(scope="module")
def similar() -> object:
    """Word similarity from the real evidence embedder (use-m3), as evidence scoring uses it."""
    from qa.embed import make_embedder
    from qa.evidence.score import SentenceVectors

    return SentenceVectors(make_embedder("use-m3")).word_similarity


@pytest.mark.parametrize(
    ("question", "sentence", "lead"),
    [
        (
            "How many people took part in the Lisbon marathon?",
            "Alla maratona di Lisbona hanno corso 2.500 persone.",
            "2.500 persone",
        ),
        (
            "How many volunteers helped at the Lisbon marathon?",
            "Alla maratona di Lisbona c'erano 300 volontari.",
            "300 volontari",
        ),
        ("How many runners finished the Lisbon marathon?", "La maratona di Lisbona ha avuto 4.000 spettatori.", None),
        ("Quanti abitanti ha Lisbona?", "A Lisbona sono arrivati 4.000 corridori per la maratona.", None),
        ("How many countries sent runners to Lisbon?", "A Lisbona sono arrivati corridori da 40 paesi.", "40 paesi"),
        # in Italian the counted noun comes first: the verb after it ("organizza") is not what is counted
        (
            "Quante gare organizza Lisbona ogni anno?",
            "Alla maratona di Lisbona hanno partecipato 2.500 partecipanti.",
            None,
        ),
        ("Quante persone organizza Lisbona?", "Lisbona ha 2.500 partecipanti alla maratona.", "2.500 partecipanti"),
        # the three days are the visit's, not the festival's, though the sentence names the festival
        (
            "Quanto è durato il festival?",
            "Prima del festival, il sindaco ha fatto una visita di tre giorni a Praga.",
            None,
        ),
        ("How long did the festival last?", "Prima del festival, il sindaco ha fatto una visita di tre giorni.", None),
        ("How long was the mayor's visit?", "Il sindaco ha fatto una visita di tre giorni a Praga.", "tre giorni"),
        ("Quanto è durata la visita del sindaco?", "Il sindaco ha fatto una visita di tre giorni.", "tre giorni"),
        # a sentence naming every name of the question gives their duration, whatever noun governs it
        (
            "How many days did Paolo Neri spend in Lisbon?",
            "Paolo Neri ha fatto una visita di tre giorni a Lisbona.",
            "tre giorni",
        ),
        (
            "How many days did the mayor spend in Lisbon?",
            "Il sindaco ha fatto una visita di tre giorni a Lisbona.",
            "tre giorni",
        ),
        # no noun governs the duration, or one that only frames the time: the verb's subject is what lasted
        ("Quanto è durato il festival?", "Il festival è durato cinque giorni.", "cinque giorni"),
        (
            "How long did the festival take to build?",
            "Il festival fu allestito nel giro di due settimane.",
            "due settimane",
        ),
        # a date must date what is asked: the press conference's day is not when Portugal joined the union
        (
            "When did Portugal join the union?",
            "Il Portogallo ha un ruolo importante, ha detto il ministro durante una conferenza stampa il 3 maggio.",
            None,
        ),
        (
            "When did the fair close?",
            "I librai del Portogallo hanno chiuso questa settimana la fiera.",
            "questa settimana",
        ),
        ("Quando è finita la fiera?", "La fiera si è conclusa il 3 maggio a Lisbona.", "3 maggio"),
    ],
)
def test_a_count_duration_or_date_must_be_of_what_the_question_asks_about(
    question: str, sentence: str, lead: str | None, similar: object
) -> None:
    assert lead_span(question, sentence, similar=similar) == lead  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("question", "lead", "answer", "agrees"),
    [
        ("How many people took part?", "2,500 volontari", "About 2500 volunteers took part [1].", True),
        ("How many people took part?", "2,500 volontari", "About 250 volunteers took part [1].", False),
        # a date without figures must be said itself, in either language
        ("When did the fair close?", "questa settimana", "The fair closed this week [1].", True),
        ("When did the fair close?", "questa settimana", "The fair closed on [1].", False),
        ("Quando ha chiuso la fiera?", "questa settimana", "La fiera ha chiuso questa settimana [1].", True),
        ("Which countries were absent?", "Francia e Grecia", "France and Greece were absent [1].", True),
        ("Which countries were absent?", "Francia e Grecia", "Greece was absent [1].", False),
        ("Who else attended?", "funzionari polacchi", "Polish officials attended too [1].", True),
        ("Who else attended?", "funzionari polacchi", "Spain and Italy attended [1].", False),
        ("Why did the talks fail?", None, "Anything at all [1].", True),
        # who: a name of the lead, in either language
        ("Who did the mayor meet?", "ministero della Difesa", "He met officials of the Defense Ministry [1].", True),
        ("Chi ha incontrato il sindaco?", "ministero della Difesa", "Il sindaco ha incontrato Anna Neri [1].", False),
        ("Who did the mayor meet?", "Anna Neri", "The mayor met Anna Neri in Lisbon [1].", True),
    ],
)
def test_lead_agrees(question: str, lead: str | None, answer: str, agrees: bool) -> None:
    assert lead_agrees(question, lead, answer) is agrees
