"""Tsunagu's shared kernel: configuration, database, messaging, principals, errors, audit.

It imports no service and no gateway code (checked by import-linter).
"""
