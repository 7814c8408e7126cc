"""ISO 10002 (JIS Q 10002) management review: the period's review pack (page and PDF), the
reviews' minutes and their actions, read back by the next review."""
