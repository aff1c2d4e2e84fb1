"""Who is calling, what they own, and what the run.yaml access policy lets them do."""
