"""plugstack datasetio provider `inline::huggingface`: datasets through the HF `datasets` library."""
