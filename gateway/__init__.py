"""The gateway: web UI (Japanese first) and /api/v1 routing to the services."""
