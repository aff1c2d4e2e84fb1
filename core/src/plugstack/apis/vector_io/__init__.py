"""Retrieval: vector stores (/v1/vector_stores, OpenAI-compatible) and chunks (/v1/vector-io)."""
