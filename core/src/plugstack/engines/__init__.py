"""Helpers for in-process inference engines (vLLM's engine, transformers, ...): the parts of
turning an engine's text output into OpenAI responses that do not depend on the engine."""
