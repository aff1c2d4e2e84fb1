"""The inference API on the starter distribution: real server, real models, real tokens."""
