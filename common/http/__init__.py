"""The HTTP side of the shared kernel: problem answers, validation, the service app
skeleton (request ids, principal verification, health, metrics, OpenAPI) and the
internal keep-alive client."""
