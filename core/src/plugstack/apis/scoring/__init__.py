"""The scoring API: scoring functions as resources (/v1/scoring-functions) and scoring (/v1/scoring)."""
