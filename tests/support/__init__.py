"""Code the tests (and benchmarks/) share: not tests themselves, and not shipped with the course."""
