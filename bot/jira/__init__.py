"""Jira Cloud (REST v3): the client filing action items, the webhook sending status back."""
