"""`postmortem-bot lint`: one JSON object per line with findings, exit 1 when any were found."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot import lint
from bot.errors import BadArguments


def lint_text(text: str, tmp_path: Path, *, actions: bool = False) -> tuple[int, list[dict]]:
    source = tmp_path / "answers.txt"
    source.write_text(text, encoding="utf-8")
    out = io.StringIO()
    status = lint.run(str(source), actions=actions, out=out)
    return status, [json.loads(line) for line in out.getvalue().splitlines()]


def test_clean_text_prints_nothing_and_exits_0(tmp_path: Path) -> None:
    text = "Alice restarted the pods at 14:05.\nThe alert should have fired at 5%.\n"

    assert lint_text(text, tmp_path) == (0, [])


def test_a_blaming_line_is_reported_with_its_number_text_and_findings(tmp_path: Path) -> None:
    text = "Alice restarted the pods at 14:05.\n\nHe forgot to drain the node.\n"

    status, reports = lint_text(text, tmp_path)

    assert status == 1
    [report] = reports
    assert report["line"] == 3
    assert report["text"] == "He forgot to drain the node."
    [finding] = report["findings"]
    assert finding["kind"] == "blame"
    assert finding["span"] == [0, 12]
    assert set(finding) == {"kind", "span", "why", "suggestion"}


def test_without_actions_a_vague_action_is_not_reported(tmp_path: Path) -> None:
    assert lint_text("Improve monitoring\n", tmp_path) == (0, [])


def test_with_actions_each_line_is_checked_for_vagueness_and_blame(tmp_path: Path) -> None:
    text = (
        "Improve monitoring | @bob | next week | High\n"
        "Set the gateway upstream timeout to 30s | @carol | tomorrow | P1\n"
        "Be more careful, Dave was careless\n"
    )

    status, reports = lint_text(text, tmp_path, actions=True)

    assert status == 1
    assert [report["line"] for report in reports] == [1, 3]
    assert [f["kind"] for f in reports[1]["findings"]] == ["vague-action", "blame"]


@pytest.mark.parametrize("path", [None, "-"])
def test_standard_input_is_read_when_no_file_is_named(
    path: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("This was human error.\n"))
    out = io.StringIO()

    assert lint.run(path, actions=False, out=out) == 1
    assert json.loads(out.getvalue())["findings"][0]["kind"] == "blame"


def test_a_missing_file_is_a_bad_argument_with_a_one_line_message(tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"

    with pytest.raises(BadArguments, match="no such file") as raised:
        lint.run(str(missing), actions=False, out=io.StringIO())
    assert "\n" not in str(raised.value)


def test_non_ascii_text_is_printed_as_written(tmp_path: Path) -> None:
    _, [report] = lint_text("Zoë forgot to renew the certificate — again.\n", tmp_path)

    assert report["text"] == "Zoë forgot to renew the certificate — again."


def test_a_counterfactual_aimed_at_a_person_is_reported_as_its_own_kind(tmp_path: Path) -> None:
    status, [report] = lint_text("If Sam had checked the hostname, it would be fine.\n", tmp_path)

    assert status == 1
    [finding] = report["findings"]
    assert finding["kind"] == "counterfactual"
    assert "easy to miss" in finding["suggestion"]
