"""The LINE desk's rules in plain Python: signatures, hours, pseudonyms, risk, sending."""
