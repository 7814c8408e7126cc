"""Routing: which department owns a case. Admin-written rules first (ordered, each a set of
conditions), a learned suggestion second, a person's choice always possible."""
