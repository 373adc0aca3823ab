"""Evaluation of alerts against ground truth: transaction, account, case and typology metrics."""

from counterflow.evaluate.metrics import evaluate

__all__ = ["evaluate"]
