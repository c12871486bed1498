"""Tests of helpers/instructor: the grader, the assessment bundle, the live room."""
