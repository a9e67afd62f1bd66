"""Customer metrics, lifecycle stages, RFM scores and the segment rule language.

Public API (used by the CLI, the console, templates and automation):

- :func:`refresh_metrics`, :func:`ensure_metrics` -- materialise ``customer_metrics`` at an as_of
  (ensure recomputes only when the as_of, the data or the settings changed); :func:`is_fresh`
  -- whether it is current for an as_of (readers may then take order totals from it).
- :func:`validate_rule`, :func:`segment_where` -- check / compile a rule to ``(sql, params)``, a
  WHERE fragment over ``c`` (customers) and ``m`` (customer_metrics); :data:`SEGMENT_FROM`.
- :func:`matching_customer_ids`, :func:`count_segment`, :func:`segment_counts` -- evaluate rules (ensure metrics).
- :func:`resolve_segment`, :func:`find_segment`, :func:`list_segments`, :func:`add_segment`.
- :class:`SegmentRuleError` (``reason``, ``position``, ``column``), :class:`SegmentNotFound`.
- :func:`stage_counts`, :func:`rfm_report` -- customers per stage, the R x F grid with totals.
- :func:`export_csv` -- a segment's members to an owner-only CSV, formulas neutralised.
- :data:`STAGES` -- stage names in funnel order.
"""

from lifecycle_tui.segments.compiler import SEGMENT_FROM
from lifecycle_tui.segments.errors import SegmentInUse, SegmentNameError, SegmentNotFound, SegmentRuleError
from lifecycle_tui.segments.export import export_csv
from lifecycle_tui.segments.metrics import RefreshReport, ensure_metrics, is_fresh, refresh_metrics
from lifecycle_tui.segments.reports import rfm_report, stage_counts
from lifecycle_tui.segments.saved import (
    Segment,
    add_segment,
    builtin_segments,
    check_rule,
    count_segment,
    find_segment,
    list_segments,
    matching_customer_ids,
    remove_segment,
    resolve_segment,
    segment_counts,
    segment_users,
    segment_where,
    validate_rule,
)
from lifecycle_tui.segments.stages import STAGES

__all__ = [
    "SEGMENT_FROM", "STAGES", "RefreshReport", "Segment", "SegmentInUse", "SegmentNameError", "SegmentNotFound",
    "SegmentRuleError", "add_segment", "builtin_segments", "check_rule", "count_segment", "ensure_metrics", "export_csv",
    "find_segment", "is_fresh", "list_segments", "matching_customer_ids", "refresh_metrics", "remove_segment",
    "resolve_segment", "rfm_report", "segment_counts", "segment_users", "segment_where", "stage_counts", "validate_rule",
]
