"""`postmortem-bot pagerduty`: an admin maps, lists and unmaps services; mistakes are one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.config import SETTING_NAMES
from storage import schema
from storage.db import make_engine


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    url = f"sqlite:///{tmp_path}/bot.db"
    schema.upgrade(make_engine(url))
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["pagerduty", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_an_admin_maps_a_service_sees_it_listed_moves_it_and_unmaps_it(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    mapped = _run(capsys, "map", "PNE3JZM", "T0ACME")
    moved = _run(capsys, "map", "PNE3JZM", "T0GLOBEX")
    listed = _run(capsys, "list")
    unmapped = _run(capsys, "unmap", "PNE3JZM")
    empty = _run(
        capsys,
    )

    assert mapped[0] == 0 and "PNE3JZM now belongs to workspace T0ACME:" in mapped[1]
    assert "now belongs to workspace T0GLOBEX, no longer T0ACME's" in moved[1]
    assert listed[1].splitlines()[:3] == [
        "single-workspace mode: a service mapped to no workspace is the workspace's",
        "mapped services (1):",
        "    PNE3JZM        (name not seen)  (0 webhook events kept)  -> T0GLOBEX",
    ]
    assert unmapped[0] == 0 and "no longer belongs to workspace T0GLOBEX" in unmapped[1]
    assert "mapped services (0):" in empty[1]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("map", "not-an-id", "T0ACME"), "'not-an-id' is not a PagerDuty service id"),
        (("map", "PNE3JZM"), "which workspace?"),
        (("map", "PNE3JZM", "t0acme"), "is not a Slack workspace (team) id"),
        (("unmap", "PNE3JZM"), "service PNE3JZM is not mapped to any workspace"),
        (("unmap",), "which service?"),
        (("unmap", "PNE3JZM", "T0ACME"), "unmap takes no workspace"),
        (("list", "PNE3JZM"), "list takes no service"),
    ],
)
def test_mistakes_are_one_line_and_exit_2(
    database: str, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], says: str
) -> None:
    status, out, err = _run(capsys, *args)

    assert status == 2 and out == ""
    assert len(err.splitlines()) == 1 and says in err, err


def test_in_oauth_mode_a_workspace_without_the_bot_cannot_be_given_a_service(
    database: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_CLIENT_ID", "1.2")

    status, _, err = _run(capsys, "map", "PNE3JZM", "T0NOBODY")
    listed = _run(capsys, "list")

    assert status == 2 and "T0NOBODY has not installed the bot" in err
    assert "mapped services (0):" in listed[1], "the refused mapping was rolled back"
    assert listed[1].startswith("OAuth mode: a service mapped to no workspace is nobody's")
