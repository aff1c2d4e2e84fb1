"""run.yaml: its schema, env interpolation, and loading with errors that name field and line."""
