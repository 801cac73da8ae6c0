"""Test support shared by every service's tests: scratch databases, principals, stacks."""
