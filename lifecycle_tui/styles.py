"""Rich style names that the CLI and the console share, so a finding looks the same in both
(plain strings: no UI import here)."""

from __future__ import annotations

# A readiness finding's level (``lifecycle check`` and Settings' ``c``).
LEVEL_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}
