"""Reports operations: one function per use case, ``(session, principal, ...) -> dict``.
Each resolves the caller's scope first (404 for another tenant's, 403 without the
permission), reads aggregates only, and commits what it writes with its audit entry."""
