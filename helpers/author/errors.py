"""The author's tools' one error: a master, a setting or a README that the build cannot use.

A module of its own so that the builder (:mod:`helpers.author.build`) and what it calls
(:mod:`helpers.author.publishing`) both raise it without importing each other.
"""


class BuildError(ValueError):
    """A master is malformed (unbalanced markers, a region without its check cell, say), or the
    course's publishing settings or README cannot be used; the message says where."""
