"""Stage 5 — score: rule results become a score and a grade, by the policy in rules/scoring.yaml."""
