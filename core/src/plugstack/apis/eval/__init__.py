"""The eval API: benchmarks as resources and evaluations of model candidates on them (/v1alpha/eval)."""
