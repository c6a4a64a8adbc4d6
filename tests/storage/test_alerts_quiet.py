"""A start where Alertmanager never sent anything, on SQLite and PostgreSQL: the kept
alerts are looked for only once there are some (`alerts.any_kept`), so the start skips
the window and mapping reads; once a notification is kept, they are filed as before."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from bot.services import alerts
from tests.storage.test_alerts import _file_kept, _firing, _open, _receive


def _any(sessions: sessionmaker[Session]) -> bool:
    with sessions() as session:
        return alerts.any_kept(session)


def test_a_post_mortem_started_before_any_alert_came_finds_none_kept_then_one_is(
    sessions: sessionmaker[Session],
) -> None:
    postmortem_id = _open(sessions)
    assert not _any(sessions), "Alertmanager sent nothing yet"

    _receive(sessions, _firing())

    assert _any(sessions)
    assert _file_kept(sessions, postmortem_id) == 0, "filed when the notification came"
