"""The gate's exit codes: 1 only ever means "below a threshold"."""

from __future__ import annotations

EXIT_OK = 0
EXIT_BELOW_THRESHOLD = 1
EXIT_ERROR = 2  # data, usage or git error: one line on stderr saying what to do
