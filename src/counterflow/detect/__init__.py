"""Detection: features, typology detectors, the learned score and alerts over a dataset."""
