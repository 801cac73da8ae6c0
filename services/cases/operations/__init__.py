"""Cases operations: one function per use case. Each loads with tenant scoping, applies
the domain rules, writes its audit entry and outbox events, and commits."""
