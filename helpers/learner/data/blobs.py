"""The two blobs problems of episode 02 (after Brownlee's transfer-learning tutorial).

Problem k is ``make_blobs(n_samples=1000, centers=3, n_features=2,
cluster_std=2, random_state=k)``; the first 500 points train, the last 500
test. Shared by the notebook and its checks so both see the same points.
"""

from __future__ import annotations

import numpy as np
from sklearn.datasets import make_blobs

N_SAMPLES, N_TRAIN, CLUSTER_STD = 1000, 500, 2.0


def blobs_problem(random_state: int):
    """(x_train, y_train, x_test, y_test), labels one-hot, features float32."""
    x, y = make_blobs(n_samples=N_SAMPLES, centers=3, n_features=2, cluster_std=CLUSTER_STD,
                      random_state=random_state)
    onehot = np.eye(3, dtype="float32")[y]
    return x[:N_TRAIN].astype("float32"), onehot[:N_TRAIN], x[N_TRAIN:].astype("float32"), onehot[N_TRAIN:]


def bayes_accuracy(random_state: int) -> float:
    """Accuracy on the test half of assigning each point to its nearest true centre.

    With equal, round clusters and equal class sizes that is the Bayes-optimal
    rule: no classifier can expect to do better on these points.
    """
    x, y, centres = make_blobs(n_samples=N_SAMPLES, centers=3, n_features=2, cluster_std=CLUSTER_STD,
                               random_state=random_state, return_centers=True)
    x_test, y_test = x[N_TRAIN:], y[N_TRAIN:]
    nearest = np.argmin(((x_test[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2), axis=1)
    return float(np.mean(nearest == y_test))
