"""Service-tier tests: each directory names its service (``service_definition``); the
shared plugin (common.testing.plugin) builds the database, app and client from it."""
