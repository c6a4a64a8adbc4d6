"""The threaded interview as a pure state machine (steps 3 and 4 of the method).

The bot asks one question at a time in the post-mortem's thread:

    summary -> impact -> detection -> trigger -> why… -> went_well -> lessons -> actions -> done

The whys come in chains. Chain 1 starts from the trigger ("why did that
happen?") and each answer is asked "why?" in turn; a chain may only be left
once it is `MIN_DEPTH` levels deep or the team says its last answer is a
systemic issue, so the analysis does not stop at the first cause. `branch`
starts another chain (another answer to "why did the trigger happen?"), one
per contributing factor; the trigger itself is chain 0, the immediate cause.

A `State` says which question is open; `answer` and `command` return the
`Step` to take. Nothing here knows about Slack or the database: the service
loads the state, applies a step, and stores the result.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Literal

from bot.core import interview_external
from bot.errors import BadArguments

Stage = Literal[
    "summary", "impact", "detection", "trigger", "why", "went_well", "lessons", "actions", "done"
]
STAGES: tuple[Stage, ...] = (
    "summary", "impact", "detection", "trigger", "why", "went_well", "lessons", "actions", "done"
)  # fmt: skip
MIN_DEPTH = 5
IMMEDIATE_CHAIN = 0
_NEXT_STAGE: dict[Stage, Stage] = {
    "summary": "impact",
    "impact": "detection",
    "detection": "trigger",
    "went_well": "lessons",
    "lessons": "actions",
    "actions": "actions",
}
_PREVIOUS_STAGE: dict[Stage, Stage] = {
    "impact": "summary",
    "detection": "impact",
    "trigger": "detection",
    "lessons": "went_well",
    "actions": "lessons",
    "done": "actions",
}


class Command(StrEnum):
    SKIP = "skip"
    BACK = "back"
    BRANCH = "branch"
    NEXT = "next"
    KEEP = "keep"
    DEEPER = "deeper"
    SYSTEMIC = "systemic"
    DONE = "done"


_SLOT_NAMES: dict[str, str] = {
    "summary": "the summary",
    "impact": "the impact",
    "detection": "how it was detected",
    "trigger": "the trigger",
    "went_well": "what went well",
    "lessons": "the lessons learned",
    "actions": "the action items",
}
_COMMAND_WORDS: dict[str, Command] = {
    "skip": Command.SKIP,
    "pass": Command.SKIP,
    "back": Command.BACK,
    "go back": Command.BACK,
    "branch": Command.BRANCH,
    "next": Command.NEXT,
    "move on": Command.NEXT,
    "keep": Command.KEEP,
    "keep it": Command.KEEP,
    "deeper": Command.DEEPER,
    "go deeper": Command.DEEPER,
    "systemic": Command.SYSTEMIC,
    "this is systemic": Command.SYSTEMIC,
    "done": Command.DONE,
}
_DECORATION = re.compile(r"^[\s`*_~\"'“”]+|[\s`*_~\"'“”.!]+$")


class InvalidMove(BadArguments):
    """A command that does not fit where the interview stands; the message says what would."""


@dataclass(frozen=True)
class State:
    """The open question. In the `why` stage, `depth` is the level being asked for (1 = first)."""

    stage: Stage = "summary"
    chain: int = 1
    depth: int = 1

    @property
    def answered_levels(self) -> int:
        """Levels of the current chain already answered before the open question."""
        return self.depth - 1

    @property
    def asks_for_branch(self) -> bool:
        """The open question is the first level of a new chain after the first one."""
        return self.stage == "why" and self.depth == 1 and self.chain > 1


@dataclass(frozen=True)
class Slot:
    """Where an answer is filed: its question and, for the trigger and whys, chain and level."""

    question: Stage
    chain: int | None = None
    depth: int | None = None


@dataclass(frozen=True)
class Step:
    """What a move does: the state after it, and what the service must record."""

    state: State
    slot: Slot | None = None
    skipped: bool = False
    closed_chain: int | None = None
    systemic: bool = False
    reopened_chain: int | None = None


def parse_command(text: str) -> Command | None:
    """The command a whole reply spells ("skip", "`back`", "This is systemic!"), if any."""
    words = " ".join(_DECORATION.sub("", text).lower().split())
    return _COMMAND_WORDS.get(words)


def slot_of(state: State) -> Slot:
    if state.stage == "trigger":
        return Slot("trigger", IMMEDIATE_CHAIN, 0)
    if state.stage == "why":
        return Slot("why", state.chain, state.depth)
    return Slot(state.stage)


def describe(slot: Slot) -> str:
    """The question an answer was filed under, for people ("why #3 of F1")."""
    if slot.question == "why":
        return f"why #{slot.depth} of F{slot.chain}"
    return _SLOT_NAMES.get(slot.question, slot.question)


def can_close(state: State) -> bool:
    """Whether the current chain is deep enough to leave without calling it systemic."""
    return state.stage == "why" and state.answered_levels >= MIN_DEPTH


def answer(state: State) -> Step:
    """An answer to the open question: file it and move on."""
    if state.stage == "done":
        return Step(state)
    slot = slot_of(state)
    if state.stage == "trigger":
        return Step(State("why", 1, 1), slot)
    if state.stage == "why":
        return Step(replace(state, depth=state.depth + 1), slot)
    return Step(State(_NEXT_STAGE[state.stage], state.chain, state.depth), slot)


def command(state: State, word: Command, chain_depths: Mapping[int, int]) -> Step:
    """Apply a command; `chain_depths` maps each why-chain to its deepest answered level.

    Raises `InvalidMove` when the command does not apply here.
    """
    if state.stage == "done" and word not in (Command.BACK, Command.KEEP):
        raise InvalidMove("The interview is finished. Reply `back` to reopen the action items.")
    moves = {
        Command.SKIP: _skip,
        Command.BACK: _back,
        Command.BRANCH: _branch,
        Command.NEXT: _next,
        Command.DEEPER: _deeper_current,
        Command.SYSTEMIC: _systemic_current,
        Command.DONE: _done,
    }
    if word not in moves:
        raise ValueError(f"{word} changes no state")
    return moves[word](state, chain_depths)


def mark_systemic(state: State, chain: int) -> Step:
    """The team says the last answer of `chain` is where the organisation comes in."""
    if state.stage != "why" or state.chain != chain or state.asks_for_branch:
        raise InvalidMove(
            f"F{chain} is not the chain being asked about any more; "
            "change its layer on its summary instead."
        )
    if state.answered_levels < 1:
        raise InvalidMove("Answer the first why before calling anything systemic.")
    return Step(State("why", chain + 1, 1), closed_chain=chain, systemic=True)


def go_deeper(state: State, chain: int, chain_depths: Mapping[int, int]) -> Step:
    """Keep asking why on `chain`, reopening it if it was just closed."""
    if state.stage == "why" and state.chain == chain and not state.asks_for_branch:
        return Step(state)
    if state.asks_for_branch and state.chain == chain + 1:
        reopened = State("why", chain, chain_depths.get(chain, 0) + 1)
        return Step(reopened, reopened_chain=chain)
    raise InvalidMove(f"F{chain} is closed; reply `back` in the thread to reopen its last answer.")


def _skip(state: State, chain_depths: Mapping[int, int]) -> Step:
    if state.stage == "actions":
        return Step(State("done", state.chain, state.depth), Slot("actions"), skipped=True)
    if state.asks_for_branch:
        return Step(State("went_well", state.chain, state.depth))
    if state.stage == "why":
        # A why nobody can answer ends the chain where it is; the report shows the gap.
        after = State("why", state.chain + 1, 1)
        return Step(after, slot_of(state), skipped=True, closed_chain=state.chain)
    return replace(answer(state), skipped=True)


def _back(state: State, chain_depths: Mapping[int, int]) -> Step:
    if state.stage == "summary":
        raise InvalidMove("This is the first question; there is nothing to go back to.")
    if state.stage == "why":
        return _back_in_why(state, chain_depths)
    if state.stage == "went_well":
        last = max((c for c, d in chain_depths.items() if c >= 1 and d > 0), default=None)
        if last is None:
            return Step(State("trigger", 1, 1))
        return Step(State("why", last, chain_depths[last]), reopened_chain=last)
    return Step(State(_PREVIOUS_STAGE[state.stage], state.chain, state.depth))


def _back_in_why(state: State, chain_depths: Mapping[int, int]) -> Step:
    if state.chain == 1 and state.depth == 1:
        return Step(State("trigger", 1, 1))
    if state.depth > 1:
        return Step(replace(state, depth=state.depth - 1), reopened_chain=state.chain)
    previous = state.chain - 1
    return Step(
        State("why", previous, max(chain_depths.get(previous, 1), 1)), reopened_chain=previous
    )


def _branch(state: State, chain_depths: Mapping[int, int]) -> Step:
    if state.stage != "why":
        raise InvalidMove("`branch` starts another chain of whys; it works while I ask why.")
    if state.asks_for_branch:
        raise InvalidMove(f"F{state.chain} is already open: answer what else contributed.")
    _require_deep_enough(state)
    return Step(State("why", state.chain + 1, 1), closed_chain=state.chain)


def _next(state: State, chain_depths: Mapping[int, int]) -> Step:
    if state.stage != "why":
        return _skip(state, chain_depths)
    if state.asks_for_branch:
        return Step(State("went_well", state.chain, state.depth))
    _require_deep_enough(state)
    return Step(State("went_well", state.chain, state.depth), closed_chain=state.chain)


def _done(state: State, chain_depths: Mapping[int, int]) -> Step:
    if state.stage != "actions":
        raise InvalidMove("`done` ends the action items; we are not there yet.")
    return Step(State("done", state.chain, state.depth))


def _deeper_current(state: State, chain_depths: Mapping[int, int]) -> Step:
    if state.stage != "why":
        raise InvalidMove("`go deeper` works while I ask why.")
    chain = state.chain - 1 if state.asks_for_branch else state.chain
    return go_deeper(state, chain, chain_depths)


def _systemic_current(state: State, chain_depths: Mapping[int, int]) -> Step:
    return mark_systemic(state, state.chain)


def _require_deep_enough(state: State) -> None:
    levels = state.answered_levels
    if levels >= MIN_DEPTH:
        return
    if levels == 0:
        raise InvalidMove("Answer the first why before moving on.")
    raise InvalidMove(
        f"F{state.chain} is {levels} level{'s' if levels != 1 else ''} deep; the method asks "
        f"why at least {MIN_DEPTH} times. Answer this why, or press *This is systemic* "
        "if the last answer is about how the organisation works."
    )


# -- factors: what kind of gap a chain found, and at which layer -------------------

Kind = Literal[
    "monitoring", "testing", "runbook", "capacity", "change management", "dependency", "process",
    "other",
]  # fmt: skip
KINDS: tuple[Kind, ...] = (
    "monitoring", "testing", "runbook", "capacity", "change management", "dependency", "process",
    "other",
)  # fmt: skip
Layer = Literal["immediate", "contributing", "systemic"]
LAYERS: tuple[Layer, ...] = ("immediate", "contributing", "systemic")

# Stems, matched at the start of a word; earlier kinds win a tie.
_KIND_CUES: dict[Kind, tuple[str, ...]] = {
    "monitoring": (
        "alert", "alarm", "monitor", "metric", "dashboard", "observab", "paging", "paged",
        "pager", "detect", "visibility", "logging", "tracing", "slo", "threshold", "noticed",
    ),
    "testing": (
        "test", "coverage", "qa", "staging", "e2e", "end-to-end", "regression", "fixture",
        "verif", "validat",
    ),
    "runbook": (
        "runbook", "playbook", "documentation", "documented", "docs", "wiki", "procedure",
        "checklist", "instruction", "how-to",
    ),
    "capacity": (
        "capacity", "disk", "memory", "cpu", "quota", "limit", "saturat", "scal",
        "throughput", "headroom", "oom", "exhaust", "traffic", "load", "connections", "spike",
    ),
    "change management": (
        "deploy", "rollout", "release", "change", "config", "review", "approv", "rollback",
        "roll back", "feature flag", "flag", "migration", "merge", "pipeline", "ci/cd", "canary",
    ),
    "dependency": (
        "dependenc", "third-party", "third party", "vendor", "upstream", "provider",
        "external", "library", "dns", "aws", "gcp", "azure", "cdn", "saas", "api of",
    ),
    "process": (
        "process", "ownership", "owner", "handoff", "hand-off", "on-call", "rotation",
        "training", "onboard", "communicat", "priorit", "staff", "policy", "escalat", "culture",
        "incentive", "roadmap", "budget", "nobody", "no one", "team",
    ),
    "other": (),
}  # fmt: skip
_SYSTEMIC_CUES = (
    "organi", "culture", "incentive", "priorit", "budget", "staff", "headcount", "roadmap",
    "no owner", "nobody owns", "no one owns", "ownership", "policy", "policies", "pressure",
    "management", "leadership", "funding", "hiring", "team structure", "org chart",
)  # fmt: skip


def _cue_pattern(stems: tuple[str, ...]) -> re.Pattern[str] | None:
    if not stems:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(s) for s in stems) + r")", re.IGNORECASE)


_KIND_PATTERNS = {kind: _cue_pattern(stems) for kind, stems in _KIND_CUES.items()}
_SYSTEMIC_PATTERN = _cue_pattern(_SYSTEMIC_CUES)


def suggest_kind(text: str) -> Kind:
    """The kind of gap `text` most talks about; "other" when nothing points anywhere."""
    best: Kind = "other"
    best_count = 0
    for kind, pattern in _KIND_PATTERNS.items():
        count = len(pattern.findall(text)) if pattern else 0
        if count > best_count:
            best, best_count = kind, count
    return best


def suggest_layer(text: str, *, chain: int, marked_systemic: bool = False) -> Layer:
    """Chain 0 is the immediate cause; a chain is systemic when the team says so or the text
    is about how the organisation works; otherwise it is a contributing factor."""
    if chain == IMMEDIATE_CHAIN:
        return "immediate"
    if marked_systemic or (_SYSTEMIC_PATTERN and _SYSTEMIC_PATTERN.search(text)):
        return "systemic"
    return "contributing"


def sounds_systemic(text: str) -> bool:
    return bool(_SYSTEMIC_PATTERN and _SYSTEMIC_PATTERN.search(text))


def sounds_external(text: str) -> bool:
    """`text` tells of an event outside our system (a cloud failover, a provider outage):
    read from each clause's subject and verb (`bot.core.interview_external`)."""
    return interview_external.sounds_external(text)
