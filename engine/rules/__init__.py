"""Stage 3 — rules: YAML rule files become a validated, compiled `Catalog`.

Public interface:
    load_catalog(path=DEFAULT_RULES_DIR) -> Catalog     raises RuleLoadError (problems with file:line)
"""
