"""The HTTP server: app assembly, error mapping, SSE, middleware."""
