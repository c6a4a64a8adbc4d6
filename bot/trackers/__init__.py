"""Ticket trackers (GitHub Issues, Jira): the protocol the flows use, the drafts they file."""
