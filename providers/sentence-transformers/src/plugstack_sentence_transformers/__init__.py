"""plugstack-provider-sentence-transformers: embeddings and rerank with sentence-transformers."""
