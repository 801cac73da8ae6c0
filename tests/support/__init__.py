"""Helpers for tests: processes, proxies and waiting, shared by several tiers."""
