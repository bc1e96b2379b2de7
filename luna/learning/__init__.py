"""Learning jobs that turn events and feedback into measured retrieval improvements."""
