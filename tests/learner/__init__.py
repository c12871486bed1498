"""Tests of helpers/learner: what a learner's notebook imports (checks, data, plots, doctor)."""
