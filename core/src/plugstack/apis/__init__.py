"""The APIs plugstack serves: each one declared once (models, a Protocol, a router factory)."""
