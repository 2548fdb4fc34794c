"""Rank metrics of a scored population: ROC-AUC, average precision, and targeting the top k%."""

from __future__ import annotations

import math

import numpy as np
import polars as pl


def roc_auc(y: np.ndarray, s: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney, tied scores count half)."""
    positives = int(y.sum())
    negatives = len(y) - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = pl.Series(s).rank("average").to_numpy()
    return float((ranks[y == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def average_precision(y: np.ndarray, s: np.ndarray) -> float:
    """PR-AUC as average precision: mean precision at the rank of each positive (best first)."""
    order = np.lexsort((np.arange(len(s)), -s))
    hits = y[order].astype(np.float64)
    if hits.sum() == 0:
        return float("nan")
    precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float((precision * hits).sum() / hits.sum())


def top_k(y: np.ndarray, rank: np.ndarray, k_pct: float) -> dict[str, float]:
    """Precision, lift and recall of targeting the best ceil(k% of users) by rank."""
    n = len(y)
    targeted = math.ceil(n * k_pct / 100)
    hits = int(y[rank <= targeted].sum())
    base = float(y.mean()) if n else float("nan")
    precision = hits / targeted if targeted else float("nan")
    return {
        "targeted_users": targeted,
        "targeted_buyers": hits,
        "precision_at_k": precision,
        "lift_at_k": precision / base if base else float("nan"),
        "recall_at_k": hits / y.sum() if y.sum() else float("nan"),
    }
