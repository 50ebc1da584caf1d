"""The pre-commit gate: `covlint check`."""
