"""The command line's exit codes (documented in the README)."""
EXIT_OK = 0
EXIT_FINDINGS = 1        # --fail-on threshold reached
EXIT_USAGE = 2           # bad usage (argparse uses 2 as well)
EXIT_RULES = 3           # broken rule files
EXIT_INPUT = 4           # the input could not be read / is not a report (single-file commands)
