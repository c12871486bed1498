"""Helpers for the transfer-learning course.

Notebooks import from here what is not the lesson itself: the profile switch,
data loaders backed by Keras' own cache, plots, and the self-grading exercises.
Everything that *is* the lesson (building, freezing, training models) stays
in the notebooks, written with the public Keras API.
"""

import os

# TensorFlow's C++ start-up chatter hides what a learner needs to read; errors still show.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"
