"""Auth rules in plain Python: password policy, secret tokens, session lifetimes, who
may administer which tenant. No Flask, no database session."""
