"""`inline::reference` batches provider: /v1/batches over the stack's inference and files APIs."""
