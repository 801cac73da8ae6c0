"""The rules of case work, in plain Python (no Flask, kombu or database session)."""
