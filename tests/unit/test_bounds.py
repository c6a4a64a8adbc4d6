"""storage.bounds: what outside text becomes on its way into a column.

The same on SQLite and PostgreSQL because it happens before either sees it
(tests/security/test_bounds.py proves that through the real serve on both)."""

from __future__ import annotations

from sqlalchemy import String, Text

from storage import bounds
from storage.models import Base, InboxItem, PagerDutyEvent, Postmortem


def test_control_characters_go_but_tab_and_newline_stay() -> None:
    assert bounds.clean("a\x00b\x07c\x1bd\te\nf\rg") == "abcd\te\nfg"


def test_prose_longer_than_its_column_ends_in_an_ellipsis_at_exactly_its_length() -> None:
    assert bounds.shorten("x" * 301, 300) == "x" * 299 + "…"
    assert bounds.shorten("x" * 300, 300) == "x" * 300
    assert bounds.shorten("\x00" + "y" * 300, 300) == "y" * 300, "cleaned first, then measured"


def test_an_over_long_id_keeps_its_start_stays_unique_and_is_the_same_every_time() -> None:
    one, two = "E" * 80 + "one", "E" * 80 + "two"

    mapped = bounds.identifier(one, 64)

    assert len(mapped) == 64 and mapped.startswith("E" * 40)
    assert mapped == bounds.identifier(one, 64), "a redelivery finds its row"
    assert mapped != bounds.identifier(two, 64), "two ids stay two rows"
    assert bounds.identifier("PT4KHLK", 64) == "PT4KHLK"
    assert len(bounds.identifier("abcdefghijkl", 8)) == 8


def test_every_column_of_the_schema_is_bounded_but_the_raw_requests() -> None:
    plain = [
        f"{table.name}.{column.name}"
        for table in Base.metadata.tables.values()
        for column in table.columns
        if type(column.type) in (String, Text) and f"{table.name}.{column.name}" not in bounds.RAW
    ]

    assert plain == []
    columns = {f"{t.name}.{c.name}" for t in Base.metadata.tables.values() for c in t.columns}
    assert columns >= bounds.PROSE | bounds.RAW, "every listed column exists"
    assert isinstance(Postmortem.__table__.c.title.type, bounds.Prose)
    assert isinstance(PagerDutyEvent.__table__.c.event_id.type, bounds.Identifier)
    assert isinstance(PagerDutyEvent.__table__.c.summary.type, bounds.CleanText)
    assert type(InboxItem.__table__.c.payload.type) is Text, "replayed byte for byte"
    assert bounds.limit(Postmortem.title) == 300
