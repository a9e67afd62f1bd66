"""The sample shop: a deterministic generator of a realistic demo store, and its content digest.

Public API:

- :func:`generate_shop` -- build "Kettle & Kiln", a small Berlin tea and ceramics shop, into a
  store file: customers, orders with items, site events, consent history, suppressions,
  settings with a pinned clock, and a scripted cast of recent activity for every starter rule.
- :class:`GenerateReport` -- what a build made.
- :func:`content_digest` / :func:`table_digests` -- a digest of a store's content without
  wall-clock columns, so that two builds (or ``sample.db`` and a fresh build) can be compared.
- :data:`DEFAULT_END` -- the end of the sample's history and its pinned as_of.
"""

from lifecycle_tui.sample.digest import content_digest, table_digests
from lifecycle_tui.sample.generator import DEFAULT_END, GenerateReport, generate_shop

__all__ = ["DEFAULT_END", "GenerateReport", "content_digest", "generate_shop", "table_digests"]
