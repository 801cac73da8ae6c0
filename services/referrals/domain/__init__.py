"""The rules of a referral in plain Python: the state machine, the legal basis and consent
gate (APPI art. 27), what the packet may carry, deadlines and the consortium's policy."""
