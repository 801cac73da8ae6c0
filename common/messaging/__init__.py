"""Events between services: envelope, topology, transactional outbox, relay, idempotent
consumer, and the embedded (server-less) SQLite broker transport."""
