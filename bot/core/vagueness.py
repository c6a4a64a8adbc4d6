"""Vague action items: "improve monitoring" is not an action, "add metric X to dashboard Y" is.

An action is concrete when one of its clauses starts with a verb that names a
change ("add", "set", "require", "document"...) and goes on to name a
particular artefact: an identifier (`checkout-api`, `deploy.sh`, `#db-oncall`),
a number or threshold, a quoted name, or an artefact noun made specific by a
modifier or a following phrase ("the api dashboard", "a test for the retry
path"). Activities ("look into", "review"), vigilance ("be more careful") and
open-ended improvement ("improve", "harden") never are on their own.

Callers pass text whose owner, deadline and priority are already blanked out
(see `bot.core.action_items.find_vagueness`), so "by Dec 3" is not a number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, cast

from bot.core.language import Finding
from bot.core.wordlists import (
    ADDING_VERBS,
    ARTEFACT_NOUNS,
    CONCRETE_VERBS,
    DEFECT_NOUNS,
    DOCUMENT_NOUNS,
    GENERIC_ACRONYMS,
    GENERIC_NOUNS,
    NOT_CHANGE_VERBS,
    NUMBER_WORDS,
    OPEN_ENDED_WORDS,
    PHRASAL_CONCRETE_VERBS,
    PLAN_NOUNS,
    QUALIFYING_PREPOSITIONS,
    SIGNAL_WORDS,
    VAGUE_MODIFIERS,
    WATCHING_NOUNS,
)

LeadKind = Literal["vigilance", "improve", "activity", "concrete", "other", "empty"]

_WORD = re.compile(r"`[^`]*`|\"[^\"]*\"|“[^”]*”|[#/]?\w[\w'’./:#-]*")
_CLAUSE_BOUNDARY = re.compile(
    r";|\band\s+then\b|\band\b|\bthen\b|(?=\bby\s+\w+ing\b)|(?=\bso\s+that\b)", re.IGNORECASE
)
_FILLERS = frozenset(
    [
        "by",
        "to",
        "please",
        "we",
        "will",
        "we'll",
        "i",
        "i'll",
        "should",
        "must",
        "also",
        "let's",
        "lets",
        "therefore",
        "first",
    ]
)
_VAGUE_LEADS: tuple[tuple[LeadKind, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(rf"(?:{pattern})\b", re.IGNORECASE))
    for kind, pattern in cast(
        tuple[tuple[LeadKind, str], ...],
        (
            (
                "vigilance",
                r"be|being|pay\w*|remember\w*|don['’]?t|do\s+not|double[\s-]?check\w*|make\s+sure"
                r"|ensur\w*|keep\w*|watch\w*|try\w*|tri(?:es|ed)|monitor\w*|check\w*|attempt\w*",
            ),
            (
                "improve",
                r"improv\w*|enhanc\w*|strengthen\w*|harden\w*|optimi[sz]\w*|better|clean\w*\s+up"
                r"|tidy\w*|prevent\w*|avoid\w*|streamlin\w*|raise\s+awareness|continu\w*"
                r"|maintain\w*|fix\w*\s+(?:it|this|that|things|everything)$"
                r"|refactor\w*|rework\w*|revamp\w*|re-?architect\w*|redesign\w*|moderni[sz]\w*"
                r"|simplif\w*|stabili[sz]\w*|overhaul\w*|make\s+(?:\w+\s+){0,3}?(?:more|less)\s+\w+"
                r"|fix\w*\s+(?:the\s+|all\s+|our\s+)?(?:flaky|broken|failing|remaining)\s+\w+$",
            ),
            (
                "activity",
                r"look\w*\s+(?:into|at)|investigat\w*|consider\w*|explor\w*|think\w*|evaluat\w*"
                r"|assess\w*|research\w*|discuss\w*|revisit\w*|review\w*|figur\w*\s+out|see\s+if"
                r"|work\w*\s+on|follow\w*[\s-]+up|sync\w*|talk\w*|align\w*|brainstorm\w*"
                r"|understand\w*|determin\w*|analy[sz]\w*|audit\w*|train\w*|educat\w*"
                r"|communicat\w*|spend\w*|learn\w*|share\w*|spike\w*|plan\w*"
                r"|find\s+(?:a\s+|some\s+)?(?:ways?|out|path)|propos\w*|reflect\w*|teach\w*"
                r"|prioriti[sz]\w*|ask\w*|agree\w*|decid\w*|identify\w*|(?:the\s+)?team\s+discuss\w*"
                r"|how|can|could|should\s+we|why|what|is|are|do|does|would",
            ),
        ),
    )
)
_SPECIFIC_COMPOUND = 3
_IDENTIFIER = re.compile(r"\d|^[`\"“#/]|\w[-_./:]\w")
_VERIFY = "a change someone else could verify (what will be added, changed or removed, and where)"
_ARTEFACT = "a concrete artefact (which dashboard, alert, runbook, test, config or service)"
_REASONS: dict[LeadKind, str] = {
    "vigilance": "“{phrase}” asks people to be more careful instead of changing the system",
    "improve": "“{phrase}” has no finish line",
    "activity": "“{phrase}” is an activity, not a deliverable",
    "concrete": "“{phrase}” does not say which one, or what exactly changes",
    "other": "“{phrase}” does not say what will change",
    "empty": "no action given",
}
_SUGGESTIONS: dict[LeadKind, str] = {
    "vigilance": "Replace vigilance with a guard someone can check, e.g. “make deploy.sh refuse "
    "to run unless the canary error rate is below 1%”.",
    "activity": "Say what the work delivers and where, e.g. “write the cause of the cache misses "
    "into the INC-123 report and file each fix as its own action item”.",
}
_DEFAULT_SUGGESTION = (
    "Name the artefact and the change, e.g. “add a p99 latency alert at 500ms "
    "to the checkout-api dashboard”."
)


@dataclass(frozen=True)
class _Clause:
    span: tuple[int, int]
    kind: LeadKind
    object_words: tuple[str, ...]
    adds: bool = False  # the verb creates something ("add", "set up"), rather than changing it
    documents: bool = False  # "document the rollover process": the document is the deliverable

    @property
    def _watches_a_signal(self) -> bool:
        return _watches_a_signal(self.object_words)

    @property
    def concrete(self) -> bool:
        return (
            self.kind == "concrete"
            and (is_specific(self.object_words) or self.documents or self._watches_a_signal)
            and not (self.adds and _watches_nothing_in_particular(self.object_words))
        )


def _watches_a_signal(words: tuple[str, ...]) -> bool:
    """ "notifications of downtime": something watching that names what it watches for."""
    lowered = {word.lower().strip(".,:;'’") for word in words}
    return not WATCHING_NOUNS.isdisjoint(lowered) and not SIGNAL_WORDS.isdisjoint(lowered)


def _watches_nothing_in_particular(words: tuple[str, ...]) -> bool:
    """ "monitoring for db-1", "some alerts for the API": something watched, nothing measured.

    A modifier before the watching noun names the signal ("replication-lag alert"), and so
    does a signal word or a threshold anywhere after it.
    """
    lowered = [word.lower().strip(".,:;'’") for word in words]
    quantified = False
    while lowered and (lowered[0] in VAGUE_MODIFIERS or lowered[0] in _KIND_OF):
        quantified = quantified or lowered[0] in _QUANTIFIERS
        lowered.pop(0)
    if (
        quantified
        and len(lowered) > 1
        and lowered[1] in WATCHING_NOUNS
        and not _is_signal(lowered[0])
    ):
        lowered.pop(0)  # "more Fluentd alerts": the thing watched, not what is measured
    if not lowered or lowered[0] not in WATCHING_NOUNS:
        return False
    if any(word in SIGNAL_WORDS or _MEASURE.search(word) for word in lowered):
        return False
    if any(word[:1] in '`"“' for word in words):
        return False  # a quoted message or metric name is the signal
    return not any(word in _CONDITIONS for word in lowered)


_KIND_OF = frozenset({"kind", "sort", "type", "of"})
_QUANTIFIERS = frozenset({"more", "some", "additional", "extra", "better", "further"})
_CONDITIONS = frozenset(
    {"when", "whenever", "if", "above", "below", "exceeds", "unless", "until", "case", "drops"}
)


def _is_signal(word: str) -> bool:
    return any(part in SIGNAL_WORDS for part in word.split("-")) or bool(_MEASURE.search(word))


# A hedge that scopes over the whole item: "try to auto-detect X and restart Y".
_WRAPPER = re.compile(
    r"\W*(?:(?:we|i)\s+(?:should|will|must|need\s+to)\s+)?"
    r"((?:try|attempt|aim|strive)\s+to|find\s+(?:a\s+|some\s+)?ways?\s+to|see\s+if\s+we\s+can"
    r"|look\s+for\s+ways?\s+to|figure\s+out\s+how\s+to"
    r"|(?:teach|train|educate|show)\s+(?:[\w-]+\s+){0,3}?how\s+to)\b",
    re.IGNORECASE,
)
_HEDGE = re.compile(
    r"\b(?:might|could|may)\s+be\s+(?:an?\s+)?(?:option|worth|useful|idea|good\s+idea)\b",
    re.IGNORECASE,
)
# "Make sure everybody gets emailed when the site goes down", "Monitor deployments for
# timeouts", "Improve the alerting so that a majority is notified when there's an outage":
# a hedge or open verb whose own words give a condition someone can test.
_GUARANTEE_LEAD = re.compile(
    r"\W*(?:make\s+sure|ensure|monitor|watch|improve|prevent|stop)\b", re.IGNORECASE
)
_TESTABLE = re.compile(
    r"\b(?:when|whenever|within|before|unless|every)\b\s+\w+|\bfrom\s+\w+ing\b|\d",
    re.IGNORECASE,
)


def _checkable_guarantee(action: str) -> bool:
    lead = _GUARANTEE_LEAD.match(action)
    if lead is None:
        return False
    rest = action[lead.end() :]
    words = tuple(_WORD.findall(rest))
    lowered = {word.lower().strip(".,:;'’") for word in words}
    verb = lead.group().strip().lower()
    if verb in ("monitor", "watch"):
        return not SIGNAL_WORDS.isdisjoint(lowered) and is_specific(words)
    if _VIGILANT_PERSON.match(rest):
        return False  # "make sure the engineer checks …" is vigilance, however specific
    named = any(_IDENTIFIER.search(word) or _is_proper_name(word) for word in words)
    if verb in ("make sure", "ensure") and named:
        return True
    if verb in ("make sure", "ensure") and _SYSTEM_RULE.match(rest) and is_specific(words):
        return True  # "ensure that any credentials … must come from the centralized secret vault"
    return _TESTABLE.search(rest) is not None and (is_specific(words) or _names_signal(lowered))


# "that <things> must/only/never <verb>": a rule the system keeps, which a test can check.
_SYSTEM_RULE = re.compile(
    r"\s*(?:that\s+)?(?:[\w-]+\s+){1,8}?(?:must|can(?:not|['’]t)|will|only|always|never)"
    r"\s+(?:not\s+|only\s+|be\s+)?\w+",
    re.IGNORECASE,
)
_VIGILANT_PERSON = re.compile(
    r"\s*(?:that\s+)?(?:the\s+|every\s+|each\s+|our\s+)?(?:engineers?|developers?|people|everyone"
    r"|reviewers?|operators?|on-?call(?:ers?)?|team|teams|we|you|they|he|she)\s+"
    r"(?:always\s+)?(?:checks?|remembers?|verif(?:y|ies)|reviews?|knows?|reads?|double[- ]checks?"
    r"|pays?|is|are|takes?|looks?)\b",
    re.IGNORECASE,
)


def _names_signal(lowered: set[str]) -> bool:
    return not SIGNAL_WORDS.isdisjoint(lowered)


_MEASURE = re.compile(r"^\d+(?:\.\d+)?(?:%|ms|s|m|h|d|gb|mb|kb|x)?$|^p\d\d$")
# An imperative verb outside the list: lowercase-able letters, not shaped like a noun or adjective.
_VERB_SHAPE = re.compile(r"[A-Za-z]+(?:-[a-z]+)?")
_NOT_VERB_ENDINGS = ("ing", "ive", "al", "ity", "ness", "ment", "tion", "sion", "s", "ly", "ous")


# A link or ticket number says where the work is tracked, not what the work changes.
_REFERENCE = re.compile(
    r"<?https?://\S+>?|\(?\b(?:ticket|issue|pr|bug|ticker)?\s*#\d+\)?(?=[\s.,;)]*$|\s)"
    r"|\((?:pull\s+request|issue|link\s+to\s+issue|pr|done)\)",
    re.IGNORECASE,
)


def _without_references(action: str) -> str:
    """Blank out links and ticket numbers, keeping every other offset where it was."""
    return _REFERENCE.sub(lambda match: " " * len(match.group()), action)


def vague_findings(action: str) -> list[Finding]:
    """One finding saying what is missing, or nothing when the action is concrete."""
    action = _without_references(action)
    aimed = _PERSON_AIMED.search(action)
    if aimed:
        return [_vague(action, (0, aimed.end()), "vigilance", [_VERIFY])]
    hedge = _HEDGE.search(action)
    if hedge:  # "workload segmentation might be an option": a suggestion, not a task
        return [_vague(action, hedge.span(), "activity", [_VERIFY])]
    wrapper = _WRAPPER.match(action)
    if wrapper:  # "try to X and Y": the hedge covers every clause
        return [_vague(action, (wrapper.start(1), wrapper.end(1)), "vigilance", [_VERIFY])]
    if _checkable_guarantee(action):
        return []
    clauses = [clause for clause in _clauses(action) if clause.span[0] < clause.span[1]]
    if any(clause.concrete for clause in clauses):
        return []
    if not clauses:
        return [_vague(action, (0, len(action)), "empty", [_VERIFY, _ARTEFACT])]
    if all(clause.kind == "other" for clause in clauses) and _names_the_change(action):
        return []
    worst = next((c for c in clauses if c.kind not in ("concrete", "other")), clauses[0])
    return [_vague(action, worst.span, worst.kind, _missing(action, clauses))]


def _names_the_change(action: str) -> bool:
    """An item written as a noun phrase ("Nightly restore test of the billing database into
    staging", "Backups of etcd every six hours") names its deliverable when it is headed by an
    artefact or a schedule, is specific, and no word leaves the finish line open ("Alerting
    improvements for …", "Stricter approvals", "Rate limiting where needed")."""
    words = list(_WORD.findall(action))
    if not words:
        return False
    words[0] = words[0].lower()  # a capital at the start is the sentence's, not a name's
    lowered = {word.lower().strip(".,:;'’()") for word in words}
    if not lowered.isdisjoint(OPEN_ENDED_WORDS) or any(_COMPARATIVE.match(w) for w in lowered):
        return False
    if _watches_nothing_in_particular(tuple(words)):
        return False
    head = words[0].strip(".,:;'’()")
    modifier = head not in QUALIFYING_PREPOSITIONS and not head.endswith("ly")
    headed = (
        head in NUMBER_WORDS
        or head.isdigit()
        or _is_artefact_noun(head)
        or head in WATCHING_NOUNS
        or (modifier and len(words) > 1 and _is_artefact_noun(words[1].lower()))
    )
    return headed and is_specific(tuple(words))


def _missing(action: str, clauses: list[_Clause]) -> list[str]:
    if any(clause.kind == "concrete" for clause in clauses):
        return [_ARTEFACT]
    all_words = tuple(_WORD.findall(action))[1:]  # the lead word is capitalised as a verb
    return [_VERIFY] if is_specific(all_words) else [_VERIFY, _ARTEFACT]


def _vague(action: str, span: tuple[int, int], kind: LeadKind, missing: list[str]) -> Finding:
    phrase = action[span[0] : span[1]]
    return Finding(
        kind="vague-action",
        span=span,
        phrase=phrase,
        why=_REASONS[kind].format(phrase=phrase) + "; missing: " + " and ".join(missing),
        suggestion=_SUGGESTIONS.get(kind, _DEFAULT_SUGGESTION),
    )


def _clauses(action: str) -> list[_Clause]:
    edges = [0]
    for boundary in _CLAUSE_BOUNDARY.finditer(action):
        edges += [boundary.start(), boundary.end()]
    edges.append(len(action))
    clauses = [
        _clause(action, start, end) for start, end in zip(edges[::2], edges[1::2], strict=True)
    ]
    return _merge_verbless(action, clauses)


def _merge_verbless(action: str, clauses: list[_Clause]) -> list[_Clause]:
    """Glue a clause with no verb back onto the one before: "rename the prod and staging X"."""
    merged: list[_Clause] = []
    for clause in clauses:
        if merged and clause.kind == "other" and clause.span[0] < clause.span[1]:
            previous = merged.pop()
            span = (previous.span[0], clause.span[1])
            words = previous.object_words + tuple(_WORD.findall(action, *clause.span))
            clause = _Clause(span, previous.kind, words if previous.kind == "concrete" else ())
        merged.append(clause)
    return merged


def _clause(action: str, start: int, end: int) -> _Clause:
    words = list(_WORD.finditer(action, start, end))
    span = (words[0].start(), words[-1].end()) if words else (start, start)
    while words and words[0].group().lower() in _FILLERS:
        words.pop(0)
    if not words:
        return _Clause(span, "other", ())
    if start > 0 and words[0].group()[:1].isupper() and not action[:start].rstrip().endswith(";"):
        return _Clause(span, "other", ())  # "… for Elasticsearch and Opensearch": a name
    predicate = _after_modal(words)
    if predicate is not None:  # "All production buckets must block public ACLs"
        return _clause(action, predicate, end)
    if words[0].group().lower() in ("need", "needs"):
        if len(words) > 1 and words[1].group().lower() == "to":
            words = words[2:]
        else:
            return _Clause(span, "other", ())
    if not words:
        return _Clause(span, "other", ())
    texts = [word.group() for word in words]
    if _KEPT_QUANTITY.match(action, words[0].start(), end) or texts[0].lower() == "have":
        # "Keep the last seven nightly backups", "we need to have an SCA scanner that …": a
        # count kept, or a thing that must exist, is judged as "add" would be.
        return _Clause(span, "concrete", tuple(texts[1:]), adds=True)
    lead_text = action[words[0].start() : end].strip()
    for kind, pattern in _VAGUE_LEADS:
        if pattern.match(lead_text):
            return _Clause(span, kind, ())
    verb_length = _concrete_verb_length(texts)
    if verb_length:
        verb, object_words = "_".join(texts[:verb_length]), tuple(texts[verb_length:])
        if _open_ended(verb, object_words):
            return _Clause(span, "improve", ())
        adds = _lemma_in(verb, ADDING_VERBS)
        return _Clause(span, "concrete", object_words, adds, _documents(verb, object_words))
    return _Clause(span, "other", ())


def _after_modal(words: list[re.Match[str]]) -> int | None:
    """Where the predicate starts in a declarative item whose subject is a thing: "the deploy
    script should refuse to run …" is judged as "refuse to run …" would be."""
    lead = words[0].group().lower()
    if _lemma_in(lead, CONCRETE_VERBS) or any(p.match(words[0].group()) for _, p in _VAGUE_LEADS):
        return None
    for index, word in enumerate(words[1:7], start=1):
        if word.group().lower() in _MODALS:
            rest = [w for w in words[index + 1 :] if w.group().lower() not in _MODAL_ADVERBS]
            return rest[0].start() if rest else None
    return None


_MODALS = frozenset({"must", "should", "shall", "will"})
_MODAL_ADVERBS = frozenset({"always", "never", "also", "only", "automatically", "now"})
_DOCUMENTING_VERBS = frozenset({"document", "describe"})
_WRITING_VERBS = frozenset({"write", "create", "add", "publish"})
# A count kept is a setting: "keep the last seven nightly backups", "keep 30 days of logs".
_KEPT_QUANTITY = re.compile(
    r"(?:keep|retain)\s+(?:\w+\s+){0,3}?(?:\d+|"
    + "|".join(sorted(NUMBER_WORDS - {"once", "twice"}))
    + r")\b",
    re.IGNORECASE,
)


def _documents(verb: str, object_words: tuple[str, ...]) -> bool:
    """ "document the rollover process", "create guidance about internal traffic": the
    document is the deliverable once it says what it covers."""
    lowered = [word.lower().strip(".,:;'’") for word in object_words]
    if _lemma_in(verb, _DOCUMENTING_VERBS):
        return any(_is_content_word(word) for word in lowered)
    if not _lemma_in(verb, _WRITING_VERBS):
        return False
    head = next((word for word in lowered if word not in VAGUE_MODIFIERS), "")
    rest = lowered[lowered.index(head) + 1 :] if head else []
    return (
        head in DOCUMENT_NOUNS
        and bool(rest)
        and rest[0] in ("about", "on", "for", "covering")
        and any(_is_content_word(word) for word in rest[1:])
    )


_TARGETED_VERBS = frozenset({"change", "switch", "adjust", "tweak", "modify", "alter", "tune"})
_FIXING_VERBS = frozenset({"fix", "repair", "resolve", "address", "solve", "tackle"})
_COMPARATIVE = re.compile(r"^(?:more|less|better|worse|something|somewhere|stronger)$")


def _open_ended(verb: str, words: tuple[str, ...]) -> bool:
    """A change verb whose object gives no finish line: "change X" with no new value,
    "fix the deploy pipeline" (which defect?), "X to something more robust"."""
    lowered = [word.lower().strip(".,:;'’()") for word in words]
    if ("something" in lowered or "somewhere" in lowered) and "than" not in lowered:
        return True
    head = next((word for word in lowered if word not in VAGUE_MODIFIERS), "")
    if head in PLAN_NOUNS and not _lemma_in(verb, _DOCUMENTING_VERBS):
        return True  # "create a process for identifying owners": a plan, not the change
    if any(_IDENTIFIER.search(word) for word in words):
        return False
    comparatives = [
        index
        for index, word in enumerate(lowered)
        if _COMPARATIVE.match(word)
        and not (index and lowered[index - 1] == "to" and word == "better")
    ]
    if comparatives and "than" not in lowered:
        return True
    if _lemma_in(verb, _TARGETED_VERBS):
        return not any(word in ("to", "from", "into", "so", "by", "with") for word in lowered)
    if _lemma_in(verb, _FIXING_VERBS):
        return DEFECT_NOUNS.isdisjoint(lowered)
    return False


def _concrete_verb_length(words: list[str]) -> int:
    """How many leading words form a change verb ("add" 1, "set up" 2), or 0."""
    if len(words) > 1 and _lemma_in(f"{words[0]}_{words[1]}", PHRASAL_CONCRETE_VERBS):
        return 2
    lead = words[0].lower()
    if lead.endswith("s") and lead not in CONCRETE_VERBS and lead[:-1] in CONCRETE_VERBS:
        return 0  # "alerts for X", "logs of Y": a plural noun, not an imperative
    if _lemma_in(words[0], CONCRETE_VERBS):
        return 1
    return 1 if _verb_shaped(words[0]) else 0


# Fixes aimed at a person are vigilance wherever they sit: "Dave should not touch prod".
_PERSON_AIMED = re.compile(
    r"\b(?:(?:will|should|must|needs?\s+to)\s+be\s+more\s+careful"
    r"|should(?:n['’]t|\s+not|\s+never)\s+(?:be\s+allowed\s+to\s+)?(?:touch|go\s+near|deploy)"
    r"|needs?\s+(?:re-?training|a\s+talking[- ]to|a\s+refresher))\b",
    re.IGNORECASE,
)


def _verb_shaped(word: str) -> bool:
    """ "Retry", "Throttle", "Pre-warm": judged by shape, since no list of verbs is complete."""
    lowered = word.lower()
    if not _VERB_SHAPE.fullmatch(word) or lowered in NOT_CHANGE_VERBS or len(lowered) < 3:
        return False
    return not lowered.endswith(_NOT_VERB_ENDINGS)


def _lemma_in(word: str, lexicon: frozenset[str]) -> bool:
    head, _, rest = word.lower().partition("_")
    stems = {head, head[:-1], head[:-2], head[:-3], head[:-3] + "e", head[:-4], head[:-3] + "y"}
    return any((f"{stem}_{rest}" if rest else stem) in lexicon for stem in stems if stem)


def _is_artefact_noun(word: str) -> bool:
    singulars = {word, word.removesuffix("s"), word.removesuffix("es"), word[:-3] + "y"}
    return not singulars.isdisjoint(ARTEFACT_NOUNS)


def is_specific(words: tuple[str, ...]) -> bool:
    """Does this object name a particular thing: an identifier, number or qualified artefact?"""
    if any(_IDENTIFIER.search(word) or _is_proper_name(word) for word in words):
        return True
    lowered = [word.lower().strip(".:'’") for word in words]
    if not NUMBER_WORDS.isdisjoint(lowered):
        return True
    if _longest_compound(lowered) >= _SPECIFIC_COMPOUND:
        return True
    return any(_is_qualified_artefact(lowered, index) for index in range(len(lowered)))


def _is_proper_name(word: str) -> bool:
    """ "Kyverno", "Secrets Manager", "IRSA": a product or service named by its own name.

    Only the object's words are passed here, so a capital is not a sentence's first letter.
    """
    bare = word.strip(".,:;'’()")
    if not bare.isalpha() or len(bare) < 3 or bare.upper() in GENERIC_ACRONYMS:
        return False
    return bare[0].isupper() and bare.lower() not in GENERIC_NOUNS


def _longest_compound(words: list[str]) -> int:
    """Longest run of content words: "staging kube contexts" names one particular thing."""
    longest = run = 0
    for word in words:
        run = run + 1 if _is_content_word(word) else 0
        longest = max(longest, run)
    return longest


def _is_qualified_artefact(words: list[str], index: int) -> bool:
    if not _is_artefact_noun(words[index]):
        return _is_qualified_compound(words, index)
    before = words[index - 1] if index > 0 else ""
    if before and _is_content_word(before):
        return True
    after = words[index + 1 : index + 7]
    if len(after) > 1 and after[0] not in QUALIFYING_PREPOSITIONS:
        after = after[1:]  # a compound such as "runbook entry for ..."
    if after and after[0] in QUALIFYING_PREPOSITIONS:
        return any(_is_content_word(word) for word in after[1:5])
    return False


def _is_qualified_compound(words: list[str], index: int) -> bool:
    """ "flux capacitor to balance load", "customer emails before writing them to …":
    a two-word name narrowed by a phrase after it, whatever the noun."""
    if index + 2 >= len(words) or not _is_content_word(words[index]):
        return False
    named = index > 0 and _is_content_word(words[index - 1])
    definite = index > 0 and words[index - 1] == "the" and words[index].endswith("s")
    if not (named or definite):
        return False
    return words[index + 1] in QUALIFYING_PREPOSITIONS and _is_content_word(words[index + 2])


def _is_content_word(word: str) -> bool:
    return word.isalpha() and not (
        word in VAGUE_MODIFIERS or word in QUALIFYING_PREPOSITIONS or word in GENERIC_NOUNS
    )
