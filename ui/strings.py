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
        "translating_passages": "Translating the closest passages…",
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
        "chat_placeholder": "**Ask about your documents.** Answers quote the exact sentence they come from; click"
        " a [n] marker to see it in its passage.",
        "exported": "Exported files",
        "sources": "Sources",
        "documents": "Documents",
        "settings": "Settings",
        "conversations": "Conversations",
        "title_placeholder": "Title of the open conversation",
        "rename": "Rename",
        "delete": "Delete",
        "sign_out": "Sign out",
        "collection": "Collection",
        "upload_label": "Drop documents here ({types})",
        "upload_note": "Dropped files are ingested at once and kept on the server; dropping a file with the same "
        "name again replaces its document. At most {mb:g} MB per file.",
        "uploads": "Uploads",
        "remove_pick": "Remove a document",
        "remove": "Remove",
        "settings_note": "These apply to your next question. Votes and comments are saved on the server "
        "(`feedback.jsonl` in Fonte's data folder).",
        "mode": "Answer mode",
        "mode_info": "extractive quotes sentences; local/openai write an answer with an LLM.",
        "top_k": "Passages retrieved per question",
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
        "translating_passages": "Traduco i passi più vicini…",
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
        "chat_placeholder": "**Chiedi ai tuoi documenti.** Le risposte citano la frase esatta da cui vengono; "
        "clicca su un segno [n] per vederla nel suo passo.",
        "exported": "File esportati",
        "sources": "Fonti",
        "documents": "Documenti",
        "settings": "Impostazioni",
        "conversations": "Conversazioni",
        "title_placeholder": "Titolo della conversazione aperta",
        "rename": "Rinomina",
        "delete": "Elimina",
        "sign_out": "Esci",
        "collection": "Raccolta",
        "upload_label": "Trascina qui i documenti ({types})",
        "upload_note": "I file trascinati qui vengono acquisiti subito e conservati sul server; un file "
        "trascinato di nuovo con lo stesso nome sostituisce il suo documento. Al massimo {mb:g} MB"
        " per file.",
        "uploads": "Caricamenti",
        "remove_pick": "Rimuovi un documento",
        "remove": "Rimuovi",
        "settings_note": "Valgono dalla prossima domanda. Voti e commenti sono salvati sul server "
        "(`feedback.jsonl` nella cartella dei dati di Fonte).",
        "mode": "Modalità di risposta",
        "mode_info": "extractive cita frasi dei documenti; local/openai scrivono una risposta con un LLM.",
        "top_k": "Passi recuperati per domanda",
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
        "translating_passages": "Traduciendo los pasajes más cercanos…",
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
        "chat_placeholder": "**Pregunta a tus documentos.** Las respuestas citan la frase exacta de la que "
        "proceden; haz clic en una marca [n] para verla en su pasaje.",
        "exported": "Archivos exportados",
        "sources": "Fuentes",
        "documents": "Documentos",
        "settings": "Ajustes",
        "conversations": "Conversaciones",
        "title_placeholder": "Título de la conversación abierta",
        "rename": "Renombrar",
        "delete": "Eliminar",
        "sign_out": "Cerrar sesión",
        "collection": "Colección",
        "upload_label": "Suelta aquí los documentos ({types})",
        "upload_note": "Los archivos que sueltes se incorporan al momento y se guardan en el servidor; soltar de "
        "nuevo un archivo con el mismo nombre reemplaza su documento. Como máximo {mb:g} MB por "
        "archivo.",
        "uploads": "Archivos subidos",
        "remove_pick": "Quitar un documento",
        "remove": "Quitar",
        "settings_note": "Se aplican a tu próxima pregunta. Los votos y comentarios se guardan en el servidor "
        "(`feedback.jsonl` en la carpeta de datos de Fonte).",
        "mode": "Modo de respuesta",
        "mode_info": "extractive cita frases de los documentos; local/openai redactan una respuesta con un LLM.",
        "top_k": "Pasajes recuperados por pregunta",
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
        "translating_passages": "Übersetze die nächstliegenden Passagen…",
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
        "chat_placeholder": "**Fragen Sie Ihre Dokumente.** Antworten zitieren genau den Satz, aus dem sie "
        "stammen; klicken Sie auf eine Markierung [n], um ihn in seinem Abschnitt zu sehen.",
        "exported": "Exportierte Dateien",
        "sources": "Quellen",
        "documents": "Dokumente",
        "settings": "Einstellungen",
        "conversations": "Unterhaltungen",
        "title_placeholder": "Titel der geöffneten Unterhaltung",
        "rename": "Umbenennen",
        "delete": "Löschen",
        "sign_out": "Abmelden",
        "collection": "Sammlung",
        "upload_label": "Dokumente hier ablegen ({types})",
        "upload_note": "Abgelegte Dateien werden sofort eingelesen und auf dem Server gespeichert; eine erneut "
        "abgelegte Datei mit demselben Namen ersetzt ihr Dokument. Höchstens {mb:g} MB pro Datei.",
        "uploads": "Hochgeladene Dateien",
        "remove_pick": "Ein Dokument entfernen",
        "remove": "Entfernen",
        "settings_note": "Diese gelten ab Ihrer nächsten Frage. Bewertungen und Kommentare werden auf dem Server "
        "gespeichert (`feedback.jsonl` im Datenordner von Fonte).",
        "mode": "Antwortmodus",
        "mode_info": "extractive zitiert Sätze aus den Dokumenten; local/openai schreiben eine Antwort mit einem LLM.",
        "top_k": "Gefundene Textstellen pro Frage",
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
        "translating_passages": "Traduction des passages les plus proches…",
        "stopping": "Arrêt en cours…",
        "stopped": "Arrêtée : vous avez arrêté cette réponse avant la fin.",
        "busy": "Je réponds encore à votre question précédente : patientez ou appuyez sur Arrêter. Votre "
        "nouvelle question reste dans la case.",
        "draft": "Brouillon, pas encore vérifié dans les documents",
        "revised": "Révisée après vérification : le brouillon affiché pendant la rédaction ne tenait pas face "
        "aux documents.",
        "confirm_new": "Commencer une nouvelle discussion ? Celle qui est ouverte reste dans la liste des discussions.",
        "confirm_remove": "Retirer « {name} » de la collection ? Ses passages ne seront plus cherchés.",
        "confirm_delete": "Supprimer cette discussion ? Ce n'est pas réversible.",
        "translation": "Traduction",
        "rate_first": "Posez d'abord une question, puis évaluez sa réponse.",
        "not_an_answer": "Ce message était une erreur, pas une réponse.",
        "thanks": "Merci : votre avis a été enregistré.",
        "thanks_comment": "Merci : votre avis a été enregistré (avec votre commentaire).",
        "chat_placeholder": "**Interrogez vos documents.** Les réponses citent la phrase exacte dont elles "
        "proviennent ; cliquez sur un repère [n] pour la voir dans son passage.",
        "exported": "Fichiers exportés",
        "sources": "Sources",
        "documents": "Documents",
        "settings": "Paramètres",
        "conversations": "Discussions",
        "title_placeholder": "Titre de la discussion ouverte",
        "rename": "Renommer",
        "delete": "Supprimer",
        "sign_out": "Se déconnecter",
        "collection": "Collection",
        "upload_label": "Déposez vos documents ici ({types})",
        "upload_note": "Les fichiers déposés sont intégrés aussitôt et conservés sur le serveur ; déposer à "
        "nouveau un fichier du même nom remplace son document. {mb:g} Mo au plus par fichier.",
        "uploads": "Fichiers déposés",
        "remove_pick": "Retirer un document",
        "remove": "Retirer",
        "settings_note": "Ces réglages s'appliquent à votre prochaine question. Les votes et commentaires sont "
        "enregistrés sur le serveur (`feedback.jsonl` dans le dossier de données de Fonte).",
        "mode": "Mode de réponse",
        "mode_info": "extractive cite des phrases des documents ; local/openai rédigent une réponse avec un LLM.",
        "top_k": "Passages récupérés par question",
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
