"""`postmortem-bot lint`: the interview's language checks, over any text.

One sentence (or, with --actions, one action item) per line. Each line with
findings is printed as one JSON object; the exit status is 1 when anything was
found and 0 when the text is clean, so the command works as a CI gate.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TextIO

from bot.core.action_items import find_vagueness
from bot.core.language import Finding, find_blame
from bot.errors import BadArguments

EXIT_CLEAN = 0
EXIT_FOUND = 1


def run(path: str | None, *, actions: bool, out: TextIO) -> int:
    """Check `path` (standard input when None or "-") and report to `out`."""
    found = False
    for number, line in enumerate(_read(path).splitlines(), start=1):
        findings = check_line(line, actions=actions)
        if findings:
            found = True
            out.write(json.dumps(_report(number, line, findings), ensure_ascii=False) + "\n")
    return EXIT_FOUND if found else EXIT_CLEAN


def check_line(line: str, *, actions: bool) -> list[Finding]:
    """Blame in every line; vagueness too when the line is an action item."""
    if not line.strip():
        return []
    findings = find_blame(line)
    if actions:
        findings += find_vagueness(line)
    return sorted(findings, key=lambda finding: finding.span)


def _read(path: str | None) -> str:
    if path is None or path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise BadArguments(f"lint: no such file: {path}") from error
    except IsADirectoryError as error:
        raise BadArguments(f"lint: {path} is a directory, not a file") from error
    except PermissionError as error:
        raise BadArguments(f"lint: cannot read {path}: permission denied") from error
    except UnicodeDecodeError as error:
        raise BadArguments(f"lint: {path} is not UTF-8 text") from error


def _report(number: int, line: str, findings: list[Finding]) -> dict[str, object]:
    return {
        "line": number,
        "text": line,
        "findings": [
            {
                "kind": finding.kind,
                "span": list(finding.span),
                "why": finding.why,
                "suggestion": finding.suggestion,
            }
            for finding in findings
        ],
    }
