"""`inline::reference` synthetic data generation: generate → score → filter → save, over the stack's APIs."""
