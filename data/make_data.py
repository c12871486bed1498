"""Write the course's two CSV files: ``iris.csv`` and ``iris_cost.csv``.

Run from the course folder:  python data/make_data.py

iris.csv
    Fisher's iris as scikit-learn ships it (150 rows), with the column names
    the course uses: sepal_l, sepal_w, petal_l, petal_w (cm) and species.

iris_cost.csv
    The course's own regression data set (CC BY 4.0, like the course): 300
    flowers whose four measurements are drawn uniformly from iris' range of
    each, and a cost made by the rule in ``helpers/learner/data/iris_cost.py``:

        cost = 2 + 1.5 * petal_l + 0.8 * petal_w**2 - 0.4 * sepal_w + noise,
        noise ~ Normal(0, 0.5)

    so no model can beat an RMSE of about 0.5 on new flowers: the noise
    floor that episode 01 compares its models with. Seeded, so re-running
    this script writes the same files (a test checks that).
"""

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_iris

from helpers.learner.data.iris_cost import FEATURES, make_iris_cost

HERE = Path(__file__).resolve().parent


def iris_frame() -> pd.DataFrame:
    bunch = load_iris()
    df = pd.DataFrame(bunch.data, columns=FEATURES)
    df["species"] = np.asarray(bunch.target_names)[bunch.target]
    return df


def main(folder: Path = HERE) -> None:
    iris = iris_frame()
    iris.to_csv(folder / "iris.csv", index=False)
    make_iris_cost(iris).to_csv(folder / "iris_cost.csv", index=False)
    print(f"wrote {folder / 'iris.csv'} and {folder / 'iris_cost.csv'}")


if __name__ == "__main__":
    main()
