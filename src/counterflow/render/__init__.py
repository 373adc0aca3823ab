"""Turns the world and the twin's activity into records: parties, accounts, transactions,
shipments and trade documents, with ground-truth labels. Vectorised, one day at a time."""
