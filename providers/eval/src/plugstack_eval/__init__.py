"""plugstack-provider-eval: scoring functions, LLM-as-judge and benchmark evaluation as jobs."""
