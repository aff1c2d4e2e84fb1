"""`inline::sqlite-vec`: the embedded vector_io engine."""
