"""Resources (models, datasets, benchmarks, ...) and the routing tables that map them to providers."""
