"""Precision and recall of the language checks on the labelled sets in tests/data/.

    python bench/language_quality.py

Prints precision, recall and F1 for blame and for vague actions, split into
"dev" (lines the rules were built against) and "heldout" (lines written after
the rules and never tuned on), then every misclassified line. It reports
figures; the floor is asserted in tests/unit/test_language.py.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.core.action_items import find_vagueness
from bot.core.language import Finding, find_blame

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"


@dataclass(frozen=True)
class Example:
    positive: bool
    split: str
    text: str


@dataclass(frozen=True)
class Scores:
    lines: int
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        flagged = self.true_positives + self.false_positives
        return self.true_positives / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positives + self.false_negatives
        return self.true_positives / wanted if wanted else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def load(path: Path, positive_label: str) -> list[Example]:
    """Rows of `label<TAB>split<TAB>text`; lines starting with # are comments."""
    examples = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, split, text = line.split("\t")
            examples.append(Example(label == positive_label, split, text))
    return examples


def score(examples: Sequence[Example], check: Callable[[str], list[Finding]]) -> Scores:
    predicted = [bool(check(example.text)) for example in examples]
    pairs = list(zip(predicted, (example.positive for example in examples), strict=True))
    return Scores(
        lines=len(examples),
        true_positives=sum(guess and truth for guess, truth in pairs),
        false_positives=sum(guess and not truth for guess, truth in pairs),
        false_negatives=sum(truth and not guess for guess, truth in pairs),
    )


def report(title: str, examples: list[Example], check: Callable[[str], list[Finding]]) -> None:
    print(f"\n{title}")
    print(f"  {'split':<8} {'lines':>5} {'precision':>9} {'recall':>7} {'f1':>6}")
    splits = sorted({example.split for example in examples})
    for split in [*splits, "all"]:
        chosen = [e for e in examples if split in ("all", e.split)]
        s = score(chosen, check)
        print(f"  {split:<8} {s.lines:>5} {s.precision:>9.3f} {s.recall:>7.3f} {s.f1:>6.3f}")
    print("  misclassified:")
    for example in examples:
        findings = check(example.text)
        if bool(findings) != example.positive:
            verdict = "missed " if example.positive else "flagged"
            quoted = "; ".join(f"“{finding.phrase}”" for finding in findings)
            print(f"    {verdict} [{example.split}] {example.text}  {quoted}".rstrip())


def main() -> int:
    report("blame (find_blame)", load(DATA / "blame_labelled.tsv", "blame"), find_blame)
    report(
        "vague actions (find_vagueness)",
        load(DATA / "actions_labelled.tsv", "vague"),
        find_vagueness,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
