"""The synthetic data generation API: k candidates per prompt, scored by a reward model, filtered."""
