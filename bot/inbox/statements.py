"""How long a statement on the request's path may wait: no longer than the answer can."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

# Slack waits 3 seconds for an answer; a record or a health check that waits this long
# for a lock (or a server that stopped answering) fails instead, and is answered 503.
STATEMENT_TIMEOUT_MS = 2000


def bound_statements(session: Session) -> None:
    """On PostgreSQL, no statement of this transaction runs longer than STATEMENT_TIMEOUT_MS
    (`SET LOCAL`: the connection is back to its own setting when the transaction ends)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}"))
