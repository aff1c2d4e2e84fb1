"""The reward scoring API (/v1alpha/reward-scoring/score): a reward model scores candidate replies."""
