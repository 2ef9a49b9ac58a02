"""The page's own words in the question's language: one table per language, English for any other.

Data only: `text(key, lang)` looks a string up; `ui_language(question)` is the language the page speaks after a
question (the detector of `qa.language.identify`, the one every language decision goes through). What the
assistant itself says (an abstention, "Not found", "Closest passages") is `qa.answer.messages`'.
"""

from __future__ import annotations

from typing import Any

from qa.language.identify import detect

FALLBACK = "en"

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "placeholder": "Ask a question about your documents, in your language…",
        "ask": "Ask",
        "stop": "Stop",
        "new_chat": "New chat",
        "export": "Export (Markdown + JSON)",
        "feedback": "Rate the latest answer",
        "comment": "Optional comment (what was right or wrong?)",
        "helpful": "👍 Helpful",
        "unhelpful": "👎 Not helpful",
        "searching": "Searching your documents…",
        "writing": "Writing the answer…",
        "checking": "Checking each claim against the documents and translating the quotes…",
        "translating": "Checked. Translating the quotes…",
        "stopping": "Stopping…",
        "stopped": "Stopped: you stopped this answer before it was finished.",
        "busy": "Still answering your previous question: wait for it, or press Stop. Your new question stays "
        "in the box.",
        "draft": "Draft, not yet checked against the documents",
        "revised": "Revised after checking against the documents: this replaces the draft shown while it was "
        "being written.",
        "confirm_new": "Start a new chat? The open one stays in the Conversations list.",
        "confirm_remove": "Remove “{name}” from the collection? Its passages will no longer be searched.",
        "confirm_delete": "Delete this conversation? It cannot be undone.",
        "translation": "Translation",
        "rate_first": "Ask a question first, then rate its answer.",
        "not_an_answer": "That message was an error, not an answer.",
        "thanks": "Thanks: your feedback was saved.",
        "thanks_comment": "Thanks: your feedback was saved (with your comment).",
    },
    "it": {
        "placeholder": "Fai una domanda sui tuoi documenti, nella tua lingua…",
        "ask": "Chiedi",
        "stop": "Ferma",
        "new_chat": "Nuova chat",
        "export": "Esporta (Markdown + JSON)",
        "feedback": "Valuta l'ultima risposta",
        "comment": "Commento facoltativo (cosa era giusto o sbagliato?)",
        "helpful": "👍 Utile",
        "unhelpful": "👎 Non utile",
        "searching": "Cerco nei tuoi documenti…",
        "writing": "Scrivo la risposta…",
        "checking": "Verifico ogni affermazione sui documenti e traduco le citazioni…",
        "translating": "Verificata. Traduco le citazioni…",
        "stopping": "Mi fermo…",
        "stopped": "Interrotta: hai fermato questa risposta prima che fosse finita.",
        "busy": "Sto ancora rispondendo alla domanda precedente: attendi, oppure premi Ferma. La nuova domanda "
        "resta nella casella.",
        "draft": "Bozza, non ancora verificata sui documenti",
        "revised": "Rivista dopo la verifica: la bozza mostrata durante la scrittura non reggeva al confronto "
        "con i documenti.",
        "confirm_new": "Iniziare una nuova chat? Quella aperta resta nell'elenco delle conversazioni.",
        "confirm_remove": "Rimuovere “{name}” dalla raccolta? I suoi passi non saranno più cercati.",
        "confirm_delete": "Eliminare questa conversazione? Non si può annullare.",
        "translation": "Traduzione",
        "rate_first": "Fai prima una domanda, poi valuta la risposta.",
        "not_an_answer": "Quel messaggio era un errore, non una risposta.",
        "thanks": "Grazie: il tuo giudizio è stato salvato.",
        "thanks_comment": "Grazie: il tuo giudizio è stato salvato (con il commento).",
    },
    "es": {
        "placeholder": "Haz una pregunta sobre tus documentos, en tu idioma…",
        "ask": "Preguntar",
        "stop": "Detener",
        "new_chat": "Nuevo chat",
        "export": "Exportar (Markdown + JSON)",
        "feedback": "Valora la última respuesta",
        "comment": "Comentario opcional (¿qué estaba bien o mal?)",
        "helpful": "👍 Útil",
        "unhelpful": "👎 No útil",
        "searching": "Buscando en tus documentos…",
        "writing": "Escribiendo la respuesta…",
        "checking": "Comprobando cada afirmación en los documentos y traduciendo las citas…",
        "translating": "Comprobada. Traduciendo las citas…",
        "stopping": "Deteniendo…",
        "stopped": "Detenida: paraste esta respuesta antes de que terminara.",
        "busy": "Todavía estoy respondiendo a tu pregunta anterior: espera o pulsa Detener. Tu nueva pregunta "
        "se queda en la casilla.",
        "draft": "Borrador, aún no comprobado en los documentos",
        "revised": "Revisada tras la comprobación: el borrador mostrado mientras se escribía no se sostenía "
        "frente a los documentos.",
        "confirm_new": "¿Empezar un nuevo chat? El abierto queda en la lista de conversaciones.",
        "confirm_remove": "¿Quitar «{name}» de la colección? Sus pasajes ya no se buscarán.",
        "confirm_delete": "¿Eliminar esta conversación? No se puede deshacer.",
        "translation": "Traducción",
        "rate_first": "Haz primero una pregunta y luego valora su respuesta.",
        "not_an_answer": "Ese mensaje era un error, no una respuesta.",
        "thanks": "Gracias: tu valoración se ha guardado.",
        "thanks_comment": "Gracias: tu valoración se ha guardado (con tu comentario).",
    },
    "de": {
        "placeholder": "Stellen Sie eine Frage zu Ihren Dokumenten, in Ihrer Sprache…",
        "ask": "Fragen",
        "stop": "Stopp",
        "new_chat": "Neuer Chat",
        "export": "Exportieren (Markdown + JSON)",
        "feedback": "Die letzte Antwort bewerten",
        "comment": "Optionaler Kommentar (was war richtig oder falsch?)",
        "helpful": "👍 Hilfreich",
        "unhelpful": "👎 Nicht hilfreich",
        "searching": "Durchsuche Ihre Dokumente…",
        "writing": "Schreibe die Antwort…",
        "checking": "Prüfe jede Aussage an den Dokumenten und übersetze die Zitate…",
        "translating": "Geprüft. Übersetze die Zitate…",
        "stopping": "Halte an…",
        "stopped": "Angehalten: Sie haben diese Antwort gestoppt, bevor sie fertig war.",
        "busy": "Ich beantworte noch Ihre vorige Frage: warten Sie oder drücken Sie Stopp. Ihre neue Frage "
        "bleibt im Feld.",
        "draft": "Entwurf, noch nicht an den Dokumenten geprüft",
        "revised": "Nach der Prüfung überarbeitet: der beim Schreiben gezeigte Entwurf hielt dem Vergleich mit "
        "den Dokumenten nicht stand.",
        "confirm_new": "Einen neuen Chat beginnen? Der offene bleibt in der Liste der Unterhaltungen.",
        "confirm_remove": "„{name}“ aus der Sammlung entfernen? Seine Passagen werden nicht mehr durchsucht.",
        "confirm_delete": "Diese Unterhaltung löschen? Das lässt sich nicht rückgängig machen.",
        "translation": "Übersetzung",
        "rate_first": "Stellen Sie zuerst eine Frage und bewerten Sie dann die Antwort.",
        "not_an_answer": "Diese Nachricht war ein Fehler, keine Antwort.",
        "thanks": "Danke: Ihre Bewertung wurde gespeichert.",
        "thanks_comment": "Danke: Ihre Bewertung wurde gespeichert (mit Ihrem Kommentar).",
    },
    "fr": {
        "placeholder": "Posez une question sur vos documents, dans votre langue…",
        "ask": "Demander",
        "stop": "Arrêter",
        "new_chat": "Nouvelle discussion",
        "export": "Exporter (Markdown + JSON)",
        "feedback": "Évaluer la dernière réponse",
        "comment": "Commentaire facultatif (qu'est-ce qui était juste ou faux ?)",
        "helpful": "👍 Utile",
        "unhelpful": "👎 Pas utile",
        "searching": "Recherche dans vos documents…",
        "writing": "Rédaction de la réponse…",
        "checking": "Vérification de chaque affirmation dans les documents et traduction des citations…",
        "translating": "Vérifiée. Traduction des citations…",
        "stopping": "Arrêt en cours…",
        "stopped": "Arrêtée : vous avez arrêté cette réponse avant la fin.",
        "busy": "Je réponds encore à votre question précédente : patientez ou appuyez sur Arrêter. Votre "
        "nouvelle question reste dans la case.",
        "draft": "Brouillon, pas encore vérifié dans les documents",
        "revised": "Révisée après vérification : le brouillon affiché pendant la rédaction ne tenait pas face "
        "aux documents.",
        "confirm_new": "Commencer une nouvelle discussion ? Celle qui est ouverte reste dans la liste des "
        "conversations.",
        "confirm_remove": "Retirer « {name} » de la collection ? Ses passages ne seront plus cherchés.",
        "confirm_delete": "Supprimer cette conversation ? Ce n'est pas réversible.",
        "translation": "Traduction",
        "rate_first": "Posez d'abord une question, puis évaluez sa réponse.",
        "not_an_answer": "Ce message était une erreur, pas une réponse.",
        "thanks": "Merci : votre avis a été enregistré.",
        "thanks_comment": "Merci : votre avis a été enregistré (avec votre commentaire).",
    },
}


def ui_language(question: str) -> str:
    """The language the page speaks after `question`: its detected language where the page has a table for
    it, else English."""
    lang = detect(question or "", default=FALLBACK)
    return lang if lang in STRINGS else FALLBACK


def text(key: str, lang: str, **fields: Any) -> str:
    """String `key` in `lang` (English where `lang` has no table), with `fields` filled in."""
    return STRINGS.get(lang, STRINGS[FALLBACK])[key].format(**fields)


def languages() -> tuple[str, ...]:
    """The languages the page speaks."""
    return tuple(STRINGS)
