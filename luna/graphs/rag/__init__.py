"""Conversational RAG: condense, retrieve, add the user's data, answer with citations."""
