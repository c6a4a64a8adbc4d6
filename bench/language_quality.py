"""Precision and recall of the language checks on the labelled sets, and their speed.

    python bench/language_quality.py [--misses]

For blame and for vague actions, prints precision, recall and F1 on the
development and held-out splits of tests/data/blame_sentences.tsv and
tests/data/action_items.tsv side by side (the split rule is in
tests/data/README.md), then the same for the older hand-written sets. With
--misses it lists the misclassified *development* lines only: held-out lines
are counted, never shown, so they cannot steer a rule. Then speed: sentences
per second through `lint`, p99 latency of checking one interview answer, and
the start-up cost of importing the checks. It reports figures; floors are
asserted in tests/unit/test_language.py.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.action_items import find_vagueness  # noqa: E402
from bot.core.language import Finding, find_blame  # noqa: E402
from bot.lint import check_line  # noqa: E402

DATA = ROOT / "tests" / "data"
GOALS = {"blame": (0.90, 0.90), "vague": (0.90, 0.85)}


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
    """Rows of `label, split, [source,] text`; lines starting with # are comments."""
    examples = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, split, *_, text = line.split("\t")
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


def report(
    title: str,
    examples: list[Example],
    check: Callable[[str], list[Finding]],
    *,
    misses: bool,
) -> None:
    print(f"\n{title}")
    print(f"  {'split':<9} {'lines':>5} {'precision':>9} {'recall':>7} {'f1':>6}")
    splits = sorted({example.split for example in examples})
    for split in [*splits, "all"]:
        chosen = [e for e in examples if split in ("all", e.split)]
        s = score(chosen, check)
        print(f"  {split:<9} {s.lines:>5} {s.precision:>9.3f} {s.recall:>7.3f} {s.f1:>6.3f}")
    if not misses:
        return
    print("  misclassified (dev only):")
    for example in examples:
        if example.split != "dev":
            continue
        findings = check(example.text)
        if bool(findings) != example.positive:
            verdict = "missed " if example.positive else "flagged"
            quoted = "; ".join(f"“{finding.phrase}”" for finding in findings)
            print(f"    {verdict} {example.text}  {quoted}".rstrip())


def throughput(lines: list[str], seconds: float = 1.0) -> float:
    """Sentences per second through `lint`'s per-line check (blame and vagueness)."""
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for line in lines:
            check_line(line, actions=True)
        done += len(lines)
    return done / (time.perf_counter() - start)


def answer_p99(answers: list[str], rounds: int = 200) -> float:
    """p99 in milliseconds of checking one interview answer, as the push-back does."""
    timings = []
    for _ in range(rounds):
        for answer in answers:
            start = time.perf_counter()
            find_blame(answer)
            timings.append((time.perf_counter() - start) * 1000)
    return statistics.quantiles(timings, n=100)[98]


def startup_ms() -> tuple[float, float]:
    """Milliseconds to start Python bare, and to start it and import the checks."""

    def run(code: str) -> float:
        best = float("inf")
        for _ in range(5):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
            best = min(best, (time.perf_counter() - start) * 1000)
        return best

    return run("pass"), run("import bot.lint")


def main() -> int:
    misses = "--misses" in sys.argv
    blame = load(DATA / "blame_sentences.tsv", "blame")
    actions = load(DATA / "action_items.tsv", "vague")
    report("blame (find_blame) — blame_sentences.tsv", blame, find_blame, misses=misses)
    report(
        "vague actions (find_vagueness) — action_items.tsv", actions, find_vagueness, misses=misses
    )
    print(
        f"\n  goals on heldout: blame P≥{GOALS['blame'][0]} R≥{GOALS['blame'][1]}, "
        f"vague P≥{GOALS['vague'][0]} R≥{GOALS['vague'][1]}"
    )
    old_blame = load(DATA / "blame_labelled.tsv", "blame")
    old_actions = load(DATA / "actions_labelled.tsv", "vague")
    report("blame — earlier set blame_labelled.tsv", old_blame, find_blame, misses=False)
    report("vague — earlier set actions_labelled.tsv", old_actions, find_vagueness, misses=False)

    lines = [e.text for e in blame + actions + old_blame + old_actions]
    answers = [" ".join(e.text for e in blame[i : i + 4]) for i in range(0, len(blame), 4)]
    bare, loaded = startup_ms()
    print("\nspeed")
    print(f"  lint throughput      {throughput(lines):>9,.0f} sentences/s (goal ≥ 2,000)")
    print(f"  one answer, p99      {answer_p99(answers):>9.2f} ms (goal ≤ 20; 4-sentence answers)")
    print(
        f"  start-up             {loaded - bare:>9.0f} ms over a bare interpreter ({bare:.0f} ms)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
