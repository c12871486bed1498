"""One module of exercises per episode: ``from helpers.learner.exercises import iris_cost as ex``."""

EPISODE_MODULES = {
    "01-iris-cost": "helpers.learner.exercises.iris_cost",
    "02-blobs": "helpers.learner.exercises.blobs",
    "03-mnist": "helpers.learner.exercises.mnist",
    "04-dollar-street": "helpers.learner.exercises.dollar_street",
}
