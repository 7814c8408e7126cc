"""Logging in and out: server-side login sessions that a logout or password change really ends."""
