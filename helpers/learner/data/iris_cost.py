"""The iris-cost data set's generating rule, shared by ``data/make_data.py`` and episode 01.

Keeping the formula here lets the notebook compute the noise floor (the RMSE
of the true rule itself) instead of quoting it.

    cost = 2 + 1.5 * petal_l + 0.8 * petal_w**2 - 0.4 * sepal_w + Normal(0, NOISE_SD)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FEATURES = ["sepal_l", "sepal_w", "petal_l", "petal_w"]
NOISE_SD = 0.5
N_ROWS = 300
SEED = 2024


def cost_formula(df: pd.DataFrame) -> pd.Series:
    """The noise-free cost: the best prediction any model could make."""
    return 2 + 1.5 * df["petal_l"] + 0.8 * df["petal_w"] ** 2 - 0.4 * df["sepal_w"]


def make_iris_cost(iris: pd.DataFrame) -> pd.DataFrame:
    """N_ROWS flowers with measurements uniform over iris' own ranges, and their noisy cost."""
    rng = np.random.default_rng(SEED)
    df = pd.DataFrame({col: rng.uniform(iris[col].min(), iris[col].max(), N_ROWS).round(1)
                       for col in FEATURES})
    df["cost"] = (cost_formula(df) + rng.normal(0, NOISE_SD, N_ROWS)).round(3)
    return df
