"""Stage 6 — render: audited reports become outputs (findings.json, letters, index, xlsx, csv)."""
