"""Fonte's question-answering library: the shared data model, settings, index and the Assistant."""
