"""Network access on behalf of clients (guarded fetching of client-named URLs)."""
