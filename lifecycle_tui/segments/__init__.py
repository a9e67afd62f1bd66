"""Customer metrics, lifecycle stages, RFM scores and the segment rule language.

Public API (used by the CLI, the console, templates and automation):

- :func:`refresh_metrics`, :func:`ensure_metrics` -- materialise ``customer_metrics`` at an as_of.
- :data:`STAGES` -- stage names in funnel order.
"""

from lifecycle_tui.segments.metrics import RefreshReport, ensure_metrics, refresh_metrics
from lifecycle_tui.segments.stages import STAGES

__all__ = ["RefreshReport", "ensure_metrics", "refresh_metrics", "STAGES"]
