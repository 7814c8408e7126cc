"""History import: a past system's cases (Zendesk, Zammad, Excel, any CSV or JSON lines)
brought into relq with their dates, departments and tags, so that the learned suggesters have
something to learn from on day one (`flask relq import FILE`).

`formats` reads a file (UTF-8 with or without BOM, CP932, UTF-16 from Excel; CSV, TSV, JSON
lines) and says which relq field each column feeds (presets for Zendesk and Zammad, or a
mapping file); `services` checks every row and writes them all in the caller's one
transaction, or none. No pages: a command-line job for an admin, so no capability.
"""
