"""The back-end services. Each owns its database; none imports another."""
