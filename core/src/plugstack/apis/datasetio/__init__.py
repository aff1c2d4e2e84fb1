"""The datasetio API: datasets as resources (/v1beta/datasets) and their rows (/v1beta/datasetio)."""
