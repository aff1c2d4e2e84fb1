"""Shared code of remote providers: one OpenAI-compatible client and one inference adapter
over it, so every remote backend (vLLM, and whatever comes next) reuses the same wire code."""
