"""What a course author runs: the build that turns each master into its learner and solution versions."""
