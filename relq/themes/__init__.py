"""Recurring themes and surges: what keeps coming back, and what suddenly grows."""
