"""The inference API: OpenAI-compatible chat completions, completions and embeddings, and rerank."""
