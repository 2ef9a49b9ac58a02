"""Italian and English grammar as data: the words and regex sources that Fonte's rules read (qa/language/langdata).

Written for the two languages at once: Fonte's documents and questions mix them (an English question over
Italian news), so a rule finds "28 novembre" for "When ...?" and "Montenegro, Lussemburgo e Belgio" for "Which
countries ...?". Nothing here decides anything: the logic that reads a name is in the module named beside it.
Regex sources are strings (compiled by their readers, with their flags); word sets are space-separated words.
"""

# ---- names, lists and places (qa/read/spans.py, qa/read/finders.py, qa/read/lead.py) ------------------------------

# a capitalised word, but not an elided article before a common noun ("L’evento", "Nell'ambito")
CAP = r"[A-ZÀ-ÖØ-Þ](?![\w-]*['’](?!s\b)[a-zà-ù])[\w'’-]*\w"
NAME = rf"{CAP}(?:\s+(?:(?:de|di|da|del|della|van|von|der|of|the)\s+)?{CAP})*"
LIST = rf"{NAME}(?:\s*,\s*{NAME})*\s*,?\s+(?:e|ed|and|o|or)\s+{NAME}"
LIST_SEPARATOR = r"\s*,\s*(?:(?:e|ed|and|o|or)\s+)?|\s+(?:e|ed|and|o|or)\s+"
AND_BEFORE_NAME = r"\s+(?:e|ed)\s+(?=[A-ZÀ-ÖØ-Þ])"  # Italian "e" between names, read as " and " in English
PLACE = rf"\b(?:in|a|ad|at|nella|nel|to|da|from)\s+(?:(?:la|il|the)\s+)?({NAME})"
# a body named by a lower-case head noun and a name: "ministero della Difesa", not "Difesa"
BODY = (
    r"\b(?:[mM]inister[oi]|[mM]inistry|[dD]ipartimento|[dD]epartment|[aA]genzia|[aA]gency|[cC]ommissione"
    r"|[cC]ommission|[iI]stituto|[iI]nstitute|[uU]niversità|[uU]niversity)\s+"
    rf"(?:(?:di|del|della|dello|dei|degli|delle)\s+|dell['’]\s*|of\s+(?:the\s+)?)({NAME})"
)
# people named by a nationality: Italian puts the noun first ("funzionari ucraini"), English the adjective
GROUP_IT = r"(?P<noun>[a-zà-ù]{4,})\s+(?P<nat>[a-zà-ù]+)"
GROUP_EN = r"(?P<nat>[A-Z][a-z]+)\s+(?P<noun>[a-z]{4,})"
GROUP_NOUN_BEFORE = r"(?<![\w'’])[a-zà-ù]{4,}\s+$"  # the noun before a lower-case (Italian) nationality
GROUP_NOUN_AFTER = r"\s+[a-z]{4,}(?!\w)"  # the noun after a capitalised (English) nationality
# Who wrote a text: a name in a sentence that speaks of writing it, or of a writer's trade (a news article's
# closing line, "X è corrispondente per l'Europa per Defense News", or a byline, "By X").
WRITER = (
    r"\b(?:autor[ei]|autrice|scritt[oa] da|scrisse|ha scritto|scrive|corrispondente|giornalista|reporter|inviat[oa]"
    r"|redattore|redattrice|editorialista|wrote|written by|writes|author|correspondent|journalist|writer|editor"
    r"|columnist)\b"
)
BYLINE = r"^\W*By\s+(?=[A-ZÀ-ÖØ-Þ])"
# A span right after "ad eccezione di" / "except" names what is left out: no answer to "Which countries took
# part?", only to a question about who is missing ("Who was absent?", "Chi non ha partecipato?").
EXCLUDING = (
    r"\b(?:ad eccezione d\w*|eccetto|tranne|salvo|fuorché|esclus[oaie]|except(?: for)?|apart from|other than"
    r"|with the exception of|excluding|but not)\s+"
)
ASKS_EXCLUDED = (
    r"\b(?:not|n't|never|absent|missing|miss(?:ed)?|skip(?:ped)?|stayed away|except\w*|exclud\w*|non|mai"
    r"|assent\w*|mancat\w*|mancav\w*|esclus\w*|tranne|eccetto)\b"
)

# ---- dates, amounts, counts and durations (qa/read/finders.py, qa/read/spans.py) ----------------------------------

MONTHS = (
    "gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|dicembre|"
    "january|february|march|april|may|june|july|august|september|october|november|december"
)
TENS = "venti|trenta|quaranta|cinquanta|sessanta|settanta|ottanta|novanta"  # also decades: "anni Cinquanta"
# "questa settimana", "last week", "ieri": when, but no answer to "in what year" or "which month" (so not
# "quest'anno" either: "che quest'anno non hanno partecipato" answers no question of when)
RELATIVE = (
    r"\b(?:questa settimana|(?:la )?settimana scorsa|(?:la )?scorsa settimana|ieri|this week|last week|yesterday)\b"
)
DATE = (
    rf"\b(?:\d{{1,2}}\s+)?(?:{MONTHS})(?:\s+\d{{4}})?\b|\b(?:1\d|20)\d\d\b"
    # before the present: "~74.000 (BP", "22.000-14.000 yr BP", "11.600 anni fa", "500 a.C."
    r"|~?\b\d+(?:[.,]\d+)*(?:\s*-\s*\d+(?:[.,]\d+)*)?\s*(?:\(\s*)?(?:yr\s+)?"
    r"(?:BP\b|anni fa\b|years ago\b|a\.\s?C\.|BC\b)"
    # decades: "anni '50", "anni Cinquanta", "1950s"
    rf"|\banni\s+(?:['’]?\d0|{TENS})\b|\b(?:1\d|20)\d0s\b"
    # days and weeks before the day of writing (`RELATIVE`)
    rf"|{RELATIVE}"
)
ASKS_CALENDAR = r"\b(?:what|which|in che|in quale) (?:year|month|anno|mese)\b|\bin what (?:year|month)\b"
_NUM = r"\d+(?:[.,]\d+)*"
NUMBER_WORDS = (
    f"due|tre|quattro|cinque|sei|sette|otto|nove|dieci|undici|dodici|tredici|quattordici|quindici|sedici|{TENS}|"
    "cento|mille|two|three|four|five|six|seven|eight|"
    "nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|"
    "ninety|hundred|thousand|dozen|dozzina"
)
_TIME_UNITS = (
    r"giorn[oi]|settiman[ae]|mes[ei]|ann[oi]|or[ae]|minut[oi]|secol[oi]|decenn[io]|days?|weeks?|months?|years?|"
    r"hours?|minutes?|centur(?:y|ies)|decades?"
)
_SCALE = r"(?:milion[ei]|miliard[oi]|mila|million|billion|thousand)"
_CURRENCY = r"(?:euro|dollar[oi]|dollars?|sterlin[ae]|pounds?|franchi|francs?|yen|usd|eur)\b|[€$£]"
MONEY = rf"[€$£]\s?{_NUM}(?:\s+{_SCALE})?|\b{_NUM}(?:\s+{_SCALE})?\s*(?:di\s+|of\s+)?(?:{_CURRENCY})"
COUNT = rf"\b({_NUM}|(?:{NUMBER_WORDS})\b)(\s*%|\s+{_SCALE})?(\s+[a-zà-ù]+)?"
DURATION = rf"\b(?:{_NUM}|{NUMBER_WORDS})\s+(?:{_TIME_UNITS})\b|\b(?:dal|dall'|fin dal|since|from)\s+(?:1\d|20)\d\d\b"
# a duration from a start ("dal 2019", "since 2019") answers how long something has been going on, or since when
SINCE = r"(?:dal|dall'|fin dal|since|from)\s"
ASKS_SINCE = r"\bhow long (?:have|has|had)\b|\bsince when\b|\bda quanto\b|\bda quando\b|\bda quanti\b"
NOT_COUNTED = rf"\s*(?:{MONTHS}|{_TIME_UNITS})\b"
PLURAL = r"\w{2,}[^s\W]s|people|men|women|children"  # an English plural noun
COUNTED = r"\b(?:how many|quant[iea])\s+([^?.!;:,]*)"
NOUN_FIRST_COUNT = "quant"  # a count question whose noun comes first ("Quante esercitazioni informatiche ...")
# the noun a duration measures: "una visita di tre giorni", "a visit of three days"; a noun that only frames the
# time ("nel giro di tre giorni", "over a period of") does not say what lasted
MEASURED = r"([\w'’-]+)\s+(?:di|of|lasting)\s+$"
TIME_FRAMES = (
    "giro arco periodo spazio durata corso tempo massimo minimo oltre period span course space duration time "
    "total maximum minimum over more less"
)
DATE_WORDS = "when quando year anno month mese day giorno date data week settimana"

# ---- the kind of short answer a question asks for (qa/read/kinds.py), in the order they are tried -----------------

KINDS = {
    "money": r"\b(?:budget|how much money|cost(?:s|ed)?|price|how much\b.{0,40}\bspen[dt]|funding"
    r"|quanto (?:è |sono |era |erano )?costat\w*|quanto costa\w*|quanto denaro|quanti soldi|prezzo|spes[ao]"
    r"|finanziament\w*)\b",
    "duration": r"\b(?:how long|how many (?:days|weeks|months|years|hours)|per quanto tempo|quanto tempo"
    r"|quanto (?:è |era )?durat\w*|quant[ie] (?:giorni|settimane|mesi|anni|ore))\b",
    "count": r"\b(?:how many|how much|quant[ie]|what number of|what percentage|quale percentuale)\b",
    # "when" only where it asks ("When did", "and when"), not as a conjunction ("What ... when it is used?")
    "date": r"(?:^\W*|\b(?:and|e|since|until|fino a)\s+)(?:when|quando)\b"
    r"|\b(?:what year|which year|what date|which day|what day|what month|which month|in che anno|in quale anno"
    r"|che giorno|quale giorno|in che data|da quando|in che mese|in quale mese)\b",
    "nationality": r"\b(?:nationality|nationalities|citizenship|nazionalità|cittadinanza)\b",
    # where something happened: "in which country", and the country that hosted it (not its guests)
    "country_place": r"\bin (?:which|what) country\b|\bin (?:quale|che) (?:paese|nazione)\b"
    r"|\b(?:which|what) country (?:hosted|held|staged|was (?:the )?host)\b"
    r"|\b(?:quale|che) (?:paese|nazione) (?:ha ospitato|ospitava|ospitò|ha organizzato)\b",
    "country": r"\b(?:which|what) countr(?:y|ies)\b|\b(?:quale|quali|che|in quale|in che) (?:paes[ei]|nazion[ei])\b",
    "city": r"\b(?:(?:which|what) (?:city|town)|(?:quale|che|in quale|in che) citt[aà])\b",
    "place": r"\b(?:where|dove)\b",
    "author": r"\b(?:who wrote|written by|(?:the|its) (?:author|writer)|chi (?:ha scritto|scrisse|l'ha scritt)"
    r"|scritt[oa] da|l['’]autor[ei]|l['’]autrice|gli autori)\b",
    "names": r"\b(?:who|whom|whose|chi|which (?:people|persons?|nations|members|officials?|compan(?:y|ies)"
    r"|organi[sz]ations?)|quali (?:persone|nazioni|membri))\b",
}
# "Who is David van Weel?" asks what a named person is (`identity`: a role, "segretario generale aggiunto
# della NATO ..."), not for a name
WHO_IS_NAME = rf"^\W*(?i:who|chi)\s+(?i:is|was|are|were|è|era|sono|erano|fu)\s+{NAME}\W*$"

# ---- questions about the future, and reasons (qa/abstain/future.py, qa/abstain/reasons.py) ------------------------

# A question asks about the future when it names a time to come; English "will" alone is left out (it also states
# what generally happens: "inequality will fall as incomes rise").
TIME_TO_COME = r"next(?!\s+to\b)|upcoming|forthcoming|future|prossim[oaie]|futur[oaie]|ventur[oaie]"
# An Italian question in the future tense asks about it too ("Quale paese ospiterà ...?", "Dove si terrà ...?").
ASKS_FUTURE = rf"\b(?:{TIME_TO_COME})\b|\w(?:rà(?!\w)|ranno\b)"
# A passage speaks of the future with the same words, English future forms, or an Italian future verb
# ("si terrà", "ospiteranno"; accented endings, so the text is read unfolded).
SPEAKS_FUTURE = rf"\b(?:{TIME_TO_COME}|will|shall|going\s+to)\b|\w(?:'ll\b|rà(?!\w)|ranno\b)"
ASKS_REASON = (
    r"\b(?:why|how come|for what (?:reason|purpose)|perch[eé]|come mai|per quale (?:motivo|ragione|scopo)"
    r"|per quali (?:motivi|ragioni))\b"
)
# an Italian infinitive after "per" ("per incontrare", "per difendersi", "per rafforzarle") states a purpose
_INFINITIVE = r"\w+(?:[aei]re|rre|[aei]r(?:si|ci|vi|ne|l[aeio]|gli|mi|ti)|rr(?:si|ne|l[aeio]))"
# read on folded text (no accents)
GIVES_REASON = (
    r"\b(?:perche|poiche|giacche|siccome|dato che|visto che|in quanto|a causa|per via d|grazie a|dovut[oaie] a"
    r"|al fine di|allo scopo di|con lo scopo|in modo da|affinche|cosicche|per cui|motiv[oi]|ragion[ei]|caus[ae]"
    r"|scop[oi]|percio|pertanto|quindi|per (?:non )?" + _INFINITIVE + r"|because|due to|owing to|thanks to"
    r"|as a result|in order to|so as to|so that|therefore|hence|thus|reasons?|caused?|purpose"
    r"|since (?!\d))\b"
)

# ---- follow-up questions (qa/rewrite/followup.py) -----------------------------------------------------------------

CONNECTOR = (
    r"^\s*(and|but|also|so|then|what about|how about|and what about|e|ed|ma|anche|invece|e invece|allora|poi|"
    r"e per quanto riguarda|e riguardo a|quanto a)\b[\s,]*"
)
PRONOUNS = (
    "it its they them their theirs this that these those he she him her his there "
    "esso essa essi esse lui lei loro questo questa questi queste quello quella quelli quelle ci vi ne"
)

# ---- evidence, answers and replies --------------------------------------------------------------------------------
# (qa/evidence/score.py, qa/verify/facts.py, qa/verify/claims.py, qa/answer/generate.py, qa/read/reader.py)

# a time frame: "Pochi giorni prima dell'esercitazione, l'olandese ha concluso una visita ..." is about the
# visit, and so is the sentence after it ("gli incontri si sono concentrati ..."), whose window the aligner would
# otherwise match with "What was the exercise focused on?" as closely as the sentence that answers it
FRAME = (
    r"\b(?:prima\s+d(?:ell|ella|ello|elle|egli|el|ei|i)|dopo(?:\s+(?:d(?:ell|ella|ello|elle|egli|el|ei|i)|il|lo|la|i|gli|le|l))?"
    r"|(?:before|after)(?:\s+the)?)\b['’]?\s*\w+"
)
# capitalised function words, which are no names ("The", "Il", "Quando")
NOT_NAMES = (
    "i a an the this that these those it its they their there he she we you in on at of for from to by with and or "
    "but as after before since during while if when where who what which how why yes no not also all some both "
    "il lo la le gli un una uno di da del della dei degli delle nel nella con per su tra fra e ed o ma che chi "
    "cosa come quando dove perché quale quali quanti quante anche non sì questo questa questi queste"
)
# the model's talk about its own sources before a citation marker: "..., as shown by evidence [2]."
SELF_REFERENCE = (
    r",?\s*(?:(?:as\s+)?(?:evidenced|stated|shown|mentioned|indicated|said)\s+(?:by|in)\s+|according\s+to\s+"
    r"|secondo\s+|come\s+(?:dice|indica|mostra)\s+)?(?:the\s+|la\s+|le\s+)?(?:evidence|prova|prove)\s*"
    r"(?=\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\]\s*(?:[.!?;,]|$))"
)
# a sentence that says the evidence does not answer
REFUSAL = (
    r"\b(?:(?:is|are|was|were)\s+not\s+(?:specified|mentioned|provided|stated|given|known|available)"
    r"|(?:does|do)\s+not\s+(?:say|mention|specify|state|contain|provide)|no\s+information"
    r"|non\s+(?:è|sono|viene|vengono)\s+(?:specificat|menzionat|indicat|riportat|dett)\w*"
    r"|non\s+(?:dice|dicono|menziona|menzionano|specifica|specificano|contiene|contengono)"
    r"|nessuna\s+informazione)\b"
)
# words an answer may use to talk about its own form or sources, which state no fact ("La risposta è [1].")
FILLER = (
    "answer answers following text document documents passage passages article source sources information "
    "context question evidence risposta risposte seguente seguenti testo documento documenti passo passi brano "
    "articolo fonte fonti informazione informazioni contesto domanda prova prove"
)
# a model's label before a translation or a rewritten question ("Translation:", "Domanda autonoma (it):")
REPLY_LABEL = (
    r"^\s*(?:translation|traduzione|standalone question|domanda autonoma|question|domanda|rewritten question)"
    r"\s*(?:\([^)]*\))?\s*:\s*"
)
NONE_REPLY = "none|nessuna"  # how a reader model says the evidence holds no span
