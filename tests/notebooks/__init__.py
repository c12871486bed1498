"""Whole episode notebooks run end to end (learner versions, full profile, full size, stand-ins, quiet)."""
