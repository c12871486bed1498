"""What a learner's notebook imports: the profile switch, data, plots, exercises and the check engine.

Nothing here knows about building notebooks (``helpers.author``) or grading
them (``helpers.instructor``); those layers import this one, never the reverse.
"""
