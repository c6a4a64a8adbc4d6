"""`postmortem-bot monitoring`: an admin maps, lists and unmaps monitoring services (the
`service` label of alerts and metrics); mistakes are one line."""

from __future__ import annotations

import pytest

from bot.cli import main
from tests.unit.test_pagerduty_cli import database  # noqa: F401  (the fixture)


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["monitoring", *args])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.usefixtures("database")
def test_an_admin_maps_a_service_sees_it_listed_moves_it_and_unmaps_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    mapped = _run(capsys, "map", "checkout-api", "T0ACME")
    again = _run(capsys, "map", "checkout-api", "T0ACME")
    moved = _run(capsys, "map", "checkout-api", "T0GLOBEX")
    listed = _run(capsys, "list")
    unmapped = _run(capsys, "unmap", "checkout-api")
    empty = _run(capsys)

    assert mapped[0] == 0 and "checkout-api now belongs to workspace T0ACME:" in mapped[1]
    assert "already belongs to workspace T0ACME" in again[1]
    assert "now belongs to workspace T0GLOBEX, no longer T0ACME's" in moved[1]
    assert listed[1].splitlines()[:3] == [
        "single-workspace mode: every service is the workspace's, mapped or not",
        "mapped services (1):",
        "    checkout-api             (0 alert transitions kept)  -> T0GLOBEX",
    ]
    assert unmapped[0] == 0 and "no longer belongs to workspace T0GLOBEX" in unmapped[1]
    assert "mapped services (0):" in empty[1]


@pytest.mark.usefixtures("database")
@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("map", "check out", "T0ACME"), "'check out' is not a service name"),
        (("map", "x" * 65, "T0ACME"), "is not a service name: up to 64"),
        (("map", "checkout"), "which workspace?"),
        (("map", "checkout", "t0acme"), "'t0acme' is not a Slack workspace (team) id"),
        (("map", "checkout", "<!channel>"), "is not a Slack workspace (team) id"),
        (("unmap", "checkout"), "service checkout is not mapped to any workspace"),
        (("unmap",), "which service?"),
        (("unmap", "checkout", "T0ACME"), "unmap takes no workspace"),
        (("list", "checkout"), "list takes no service"),
    ],
)
def test_mistakes_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...], says: str
) -> None:
    status, out, err = _run(capsys, *args)

    assert status == 2 and out == ""
    assert len(err.splitlines()) == 1 and says in err, err


@pytest.mark.usefixtures("database")
def test_in_oauth_mode_a_workspace_without_the_bot_cannot_be_given_a_service(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_CLIENT_ID", "1.2")

    status, _, err = _run(capsys, "map", "checkout", "T0NOBODY")
    listed = _run(capsys, "list")

    assert status == 2 and "T0NOBODY has not installed the bot" in err
    assert "mapped services (0):" in listed[1], "the refused mapping was rolled back"
    assert listed[1].startswith("OAuth mode: a service mapped to no workspace is shown to nobody")
