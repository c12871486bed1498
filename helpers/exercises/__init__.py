"""One module of exercises per episode: ``from helpers.exercises import iris_cost as ex``."""

EPISODE_MODULES = {
    "01-iris-cost": "helpers.exercises.iris_cost",
    "02-blobs": "helpers.exercises.blobs",
    "03-mnist": "helpers.exercises.mnist",
    "04-dollar-street": "helpers.exercises.dollar_street",
}
