"""plugstack-markov: an inference provider that writes text from a word-level Markov chain."""
