"""Retrieval over the knowledge base: dense search in Qdrant, trusted through SQL."""
