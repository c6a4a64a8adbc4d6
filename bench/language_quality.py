"""Precision and recall of the language checks on the labelled sets, and their speed.

    python bench/language_quality.py [--misses]

For each kind — blame (counterfactuals included), counterfactual on its own, and
vague actions — prints precision, recall and F1 on the development, held-out and
fresh splits of tests/data/blame_sentences.tsv and tests/data/action_items.tsv
(the split rule is in tests/data/README.md), with how many rows are quoted from
real text, then the same for the older hand-written sets. With
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
    quoted: bool = True


@dataclass(frozen=True)
class Kind:
    """One finding kind: which labels are its positives, and which findings count for it."""

    name: str
    labels: frozenset[str]
    finding_kinds: frozenset[str]
    check: Callable[[str], list[Finding]]

    def flags(self, text: str) -> list[Finding]:
        return [f for f in self.check(text) if f.kind in self.finding_kinds]


BLAME = Kind(
    "blame",
    frozenset({"blame", "counterfactual"}),
    frozenset({"blame", "counterfactual"}),
    find_blame,
)
COUNTERFACTUAL = Kind(
    "counterfactual", frozenset({"counterfactual"}), frozenset({"counterfactual"}), find_blame
)
VAGUE = Kind("vague", frozenset({"vague"}), frozenset({"vague-action"}), find_vagueness)


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


def load(path: Path, positive_labels: str | frozenset[str]) -> list[Example]:
    """Rows of `label, split, [source,] text`; lines starting with # are comments."""
    positive = {positive_labels} if isinstance(positive_labels, str) else positive_labels
    examples = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, split, *source, text = line.split("\t")
            quoted = bool(source) and source[0] != "constructed"
            examples.append(Example(label in positive, split, text, quoted))
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
    header = f"  {'split':<9} {'lines':>5} {'quoted':>6} {'positive':>8} {'precision':>9}"
    print(f"{header} {'recall':>7} {'f1':>6}")
    splits = sorted({example.split for example in examples})
    for split in [*splits, "all"]:
        chosen = [e for e in examples if split in ("all", e.split)]
        s = score(chosen, check)
        quoted = sum(e.quoted for e in chosen)
        wanted = s.true_positives + s.false_negatives
        print(
            f"  {split:<9} {s.lines:>5} {quoted:>6} {wanted:>8} {s.precision:>9.3f}"
            f" {s.recall:>7.3f} {s.f1:>6.3f}"
        )
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


def throughput(lines: list[str], seconds: float = 2.0) -> tuple[float, float]:
    """Sentences per second through `lint`'s per-line check (blame and vagueness): by the
    wall clock, and by this process's CPU time (what the code costs on a shared machine)."""
    done, start, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        for line in lines:
            check_line(line, actions=True)
        done += len(lines)
    return done / (time.perf_counter() - start), done / (time.process_time() - cpu)


def answer_p99(answers: list[str], rounds: int = 200) -> tuple[float, float]:
    """p99 in milliseconds of checking one interview answer, as the push-back does
    (wall clock, and CPU time)."""
    wall, cpu = [], []
    for _ in range(rounds):
        for answer in answers:
            start, cpu_start = time.perf_counter(), time.process_time()
            find_blame(answer)
            wall.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - cpu_start) * 1000)
    return statistics.quantiles(wall, n=100)[98], statistics.quantiles(cpu, n=100)[98]


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
    blame = load(DATA / "blame_sentences.tsv", BLAME.labels)
    counterfactual = load(DATA / "blame_sentences.tsv", COUNTERFACTUAL.labels)
    actions = load(DATA / "action_items.tsv", VAGUE.labels)
    report(
        "blame, counterfactuals included (find_blame) — blame_sentences.tsv",
        blame,
        BLAME.flags,
        misses=misses,
    )
    report(
        "counterfactual aimed at a person, its own kind — blame_sentences.tsv",
        counterfactual,
        COUNTERFACTUAL.flags,
        misses=misses,
    )
    report("vague actions (find_vagueness) — action_items.tsv", actions, VAGUE.flags, misses=misses)
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
    wall, cpu = throughput(lines)
    print(f"  lint throughput      {wall:>9,.0f} sentences/s by the clock (goal ≥ 2,000)")
    print(f"                       {cpu:>9,.0f} sentences/s of CPU time ({len(lines)} lines)")
    p99_wall, p99_cpu = answer_p99(answers)
    print(
        f"  one answer, p99      {p99_wall:>9.2f} ms by the clock (goal ≤ 20; 4-sentence answers)"
    )
    print(f"                       {p99_cpu:>9.2f} ms of CPU time")
    print(
        f"  start-up             {loaded - bare:>9.0f} ms over a bare interpreter ({bare:.0f} ms)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
