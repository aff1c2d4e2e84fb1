"""The batches API (/v1/batches, OpenAI-compatible): JSONL files of requests run in the background."""
