"""plugstack-provider-reward: reward scoring by an LLM judge or by a trained reward model."""
