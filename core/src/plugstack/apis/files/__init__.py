"""The files API (/v1/files, OpenAI-compatible): uploaded files that other APIs read by id."""
