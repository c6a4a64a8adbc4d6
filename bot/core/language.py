"""Blameless-language check: find sentences that make a person the subject of a failure.

The method asks "what allowed this?", never "who did this?". A sentence is
flagged when a failure predicate ("forgot to", "should have", "broke",
"careless", "human error", ...) is attached to a person: a name, a Slack
mention, a pronoun or a role. The same predicate with a system as its subject
("the alert should have fired", "Kafka failed to rebalance") is the analysis
we want, and passes. Plain facts about people ("Alice restarted the pods")
carry no failure predicate and pass too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from bot.core.wordlists import (
    AUXILIARIES,
    FIRST_PERSON_PLURAL,
    FUNCTION_WORDS,
    IRREGULAR_PAST,
    NOT_NAMES,
    PERSON_PRONOUNS,
    PERSONAL_WORK,
    POSSESSIVE_PRONOUNS,
    ROLE_NOUNS,
    SKIPPED_BEFORE_VERB,
)

FindingKind = Literal["blame", "counterfactual", "vague-action"]
Needs = Literal[
    "any",
    "person",
    "person_or_none",
    "who",
    "who_np",
    "possessive",
    "owner",
    "clause",
    "agent",
    "inverted",
    "active",
    "prior",
]

MENTION = r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>"
_WORD = re.compile(rf"{MENTION}|@[\w.-]+|[\w][\w'’-]*")
_CLAUSE_BREAK = re.compile(
    r"[!?;,()\"“”\n]|[.:](?!\w)|(?<![\w-])(?:and|but|so|because|since|when|while|after|before"
    r"|although|though|if|until|or|then|which|who|whereas)(?![\w-])",  # not "copy-and-paste"
    re.IGNORECASE,
)
_NOT_NAME_ENDINGS = ("ing", "tion", "sion", "ment", "ness", "ity", "ies", "ics", "ure")
_PLURAL = re.compile(r"[^aeiousy]s$")
_POSSESSIVE_S = re.compile(r"(.+)['’]s")
# A person named after a fixed word: "because of {who}", "caused by the new {who}".
_WHO = (
    r"(?P<who>(?:(?:the|a|an|our|my|that|this|new|junior|senior|poor|lead|night|day"
    r"|[a-z]+(?:al|ed|ive|ous|ful|less|ic|ior|ary|ible|able)|(?-i:[A-Z]{2,5}))\s+){0,3}"
    rf"(?:{MENTION}|@?[\w'’-]+(?:/[\w'’-]+)?))"  # "the boss/manager"
)

# A person named between two fixed words: "is on {the deploy team} for", "if {Hugo} had".
_WHO_BEFORE = rf"(?P<who>(?:[\w'’-]+\s+){{0,3}}?(?:{MENTION}|@?[\w'’-]+))"


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    span: tuple[int, int]
    phrase: str
    why: str
    suggestion: str


@dataclass(frozen=True)
class _Rule:
    """A failure predicate, and whose subject turns it into blame.

    needs: "any" is blame on its own; "person" needs a person as subject;
    "person_or_none" also fires with no subject at all ("Forgot to drain it");
    "who" checks the person captured in the pattern's `who` group;
    "possessive" also accepts something a person owns ("Sofia's deploy");
    "clause" looks at the clause's first word, for phrases that trail the verb.
    """

    category: str
    pattern: re.Pattern[str]
    needs: Needs
    cues: tuple[str, ...] = ()  # a match needs one of these in the lowered text: skip it cheaply


def _rule(category: str, needs: Needs, pattern: str, cues: str = "") -> _Rule:
    """`cues` names the required words where `leading_literals` cannot find them."""
    found = tuple(cues.split()) or leading_literals(pattern)
    return _Rule(category, re.compile(pattern, re.IGNORECASE), needs, found)


_META = set("\\()[]{}?*+.|^$")


def leading_literals(pattern: str) -> tuple[str, ...]:
    """The words one of which every match of `pattern` starts with, or () when unknown.

    "\\b(?:careless(?:ly)?|froze)\\b" -> ("careless", "froze"): a sentence with neither
    cannot match, so the rule is skipped without running the regex.
    """
    cues: list[str] = []
    for alternative in _top_level(pattern):
        body = alternative
        while body.startswith(("\\b", "^")):
            body = body[2:] if body.startswith("\\b") else body[1:]
        end = _group_end(body)
        if body.startswith("(?:") and body[end + 1 : end + 2] not in ("?", "*", "{"):
            found = leading_literals(body[3:end])
        else:
            found = (_literal_prefix(body),) if _literal_prefix(body) else ()
        if not found:
            return ()
        cues.extend(found)
    return tuple(cues)


def _top_level(pattern: str) -> list[str]:
    parts, depth, start, index = [], 0, 0, 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:index])
            start = index + 1
        index += 1
    return [*parts, pattern[start:]]


def _group_end(body: str) -> int:
    depth, index = 0, 0
    while index < len(body):
        if body[index] == "\\":
            index += 2
            continue
        depth += {"(": 1, ")": -1}.get(body[index], 0)
        if depth == 0:
            return index
        index += 1
    return len(body)


def _literal_prefix(body: str) -> str:
    prefix = ""
    for char in body:
        if char in _META:
            if char in "?*{" and prefix:
                prefix = prefix[:-1]  # the character before is optional
            break
        prefix += char
    return prefix.lower() if prefix.replace("-", "").replace("'", "").isalnum() else ""


_NEG_EXEMPT = (
    r"get|got|receive|received|have|had|know|knew|see|saw|hear|heard|need|needed"
    r"|exist|existed|happen|happened|work|worked|apply|applied|fire|fired|been"
    # Denials that clear a person: "he didn't steal a thing", "she didn't mean to".
    r"|steal|break|cause|mean|intend|want|expect|deserve|harm|hurt|lie"
)
# Verbs for finding or undoing a bad change: "She reverted the bad config" is not blame.
_REMEDIAL = (
    r"identified|found|spotted|noticed|reverted|fixed|removed|replaced|flagged|caught|reported"
    r"|located|isolated|diagnosed|traced|undid|corrected|rolled|disabled|saw|confirmed"
    r"|is|was|were|are|be|been|had|has|have|got"
    r"|after|before|during|from|to|into|onto|on|in|at|with|for|of|by|about|over|under|despite"
)
_RECIPIENTS = r"us|them|him|her|customers|users|everyone|people|it"
_RULES: tuple[_Rule, ...] = (
    _rule(
        "human-error",
        "any",
        r"\b(?:human|operator|user|pilot|people|engineer|engineering|admin|administrator|sysadmin"
        r"|staff|employee|technician|contractor|personnel|developer|programmer|dba|manual)"
        r"[ -](?:error|mistake)s?\b",
    ),
    _rule(
        "character",
        "any",
        r"\b(?:careless(?:ly|ness)?|negligen(?:t|ce|tly)|slopp(?:y|iness|ily)|foolish(?:ly|ness)?"
        r"|incompeten(?:t|ce)|lazy|laziness|lazily|reckless(?:ly|ness)?"
        r"|irresponsib(?:le|ly|ility)|clueless|stupid(?:ity)?|idiot(?:ic|s)?|ashamed"
        r"|rookie\s+mistake|noob\s+mistake|amateur\s+hour|finger\s+trouble"
        r"|asleep\s+at\s+the\s+wheel|dropped\s+the\s+ball|(?:bad|poor)\s+judge?ment"
        r"|should(?:\s+have|['’]ve)\s+known\s+better"
        r"|(?:not|never|had\s+been)\s+paying\s+attention)\b|n['’]t\s+paying\s+attention\b",
    ),
    _rule(
        "attribution",
        "any",
        r"\b(?:fault\s+of|to\s+blame|blame\b[^.;]{0,40}?\b(?:lies|lay|rests|rested|falls|fell)\s+(?:with|on)"
        r"|(?:held|hold|be)\s+(?:\S+\s+)?accountable"
        r"|(?:my|his|her|their|your)\s+fault)\b",
    ),
    _rule("attribution", "owner", r"\bfault\b"),
    _rule("mistake", "owner", r"\b(?:mistake|typo|blunder|oversight|screw-?up|slip-?up)s?\b"),
    # Causal connectives before a person: "because of", "caused by", "on the part of", "at
    # the hands of" a person.
    _rule(
        "attribution",
        "who_np",
        r"\b(?:because\s+of|caused\s+by|on\s+the\s+part\s+of|at\s+the\s+hands\s+of)\s+"
        rf"{_WHO}",
        "because caused part hands",
    ),
    _rule(
        "attribution",
        "who_np",
        rf"\b(?:attributed|attributable|blamed|pinned)\s+(?:\w+\s+)?(?:to|on)\s+{_WHO}",
    ),
    # A nominalised failure of a person: "the failure of a lead operator to act".
    _rule(
        "attribution",
        "who",
        rf"\b(?:failure|inability|refusal|negligence|carelessness)\s+of\s+{_WHO_BEFORE}(?=\s+to\b)",
    ),
    _rule("attribution", "who", rf"\b(?:is|was|it['’]s|that['’]s)\s+on\s+{_WHO_BEFORE}\s+for\b"),
    _rule("attribution", "person", r"\b(?:is|was|are|were)\s+(?:\w+\s+)?at\s+fault\b"),
    # "IT contractor blamed for causing BA chaos": a person the failure is pinned on.
    _rule(
        "attribution",
        "person",
        r"\b(?:(?:is|was|were|are|been|being|got|get)\s+)?blamed\s+for\b",
        "blamed",
    ),
    # "The outage may have been down to engineer's error": British attribution.
    _rule(
        "attribution",
        "who",
        rf"\b(?:is|was|were|are|been)\s+(?:\w+\s+)?down\s+to\s+{_WHO}",
        "down",
    ),
    # A person's act, then what it did: "an engineer disconnected the supply, causing a surge".
    _rule(
        "outcome",
        "prior",
        r",\s+(?:(?:therefore|thereby|so|and)\s+)?(?:causing|triggering|knocking\s+out"
        r"|taking\s+down|bringing\s+down|shutting\s+down|disrupting|wiping\s+out)\b",
        "causing triggering knocking taking bringing shutting disrupting wiping",
    ),
    _rule(
        "attribution",
        "who_np",
        r"\b(?:root\s+cause|cause|trigger|culprit)\s+(?:is|was)\s+"
        rf"(?:(?:identified|traced)\s+(?:as|to)\s+|that\s+)?{_WHO}",
    ),
    _rule("attribution", "who_np", rf"\b(?:mistake|error|typo)s?\s+(?:by|from)\s+{_WHO}"),
    # "… found the root cause of the problem: Ryan."
    _rule(
        "attribution",
        "who_np",
        rf"\b(?:root\s+cause|culprit)(?:\s+of\s+[^:.;]{{0,40}})?:\s+{_WHO}",
        "root culprit",
    ),
    _rule(
        "counterfactual",
        "who",
        rf"\bif\s+(?:only\s+)?{_WHO_BEFORE}(?:\s+(?:had|hadn['’]t|would\s+have|would['’]ve)"
        r"|['’]d)(?:\s+not|\s+just)?\s+\w+",
    ),
    # "Had the reviewer read the diff, ...": the inverted conditional, at a clause's start.
    _rule("counterfactual", "inverted", r"(?:^|(?<=[,;:(—–]\s)|(?<=\bonly\s))had\s+", "had"),
    # A failure in the passive with a person as its agent: "the bad config was pushed by Tom".
    _rule(
        "attribution",
        "agent",
        r"\b(?:was|were|been|got|get|is|are)\s+(?:\w+\s+){0,3}?\w+\s+(?:[^.;,]{0,40}?\s)?by\s+"
        r"(?P<agent>(?:[\w@<>|'’-]+[ \t]*){1,4})",
    ),
    # Fault located on a person: "that one's on the payments team", "this is on Dave".
    _rule(
        "attribution",
        "who",
        r"\b(?:is|was|it['’]s|that['’]s|one['’]s|this['’]s)\s+"
        r"(?:(?:squarely|entirely|all|totally|really|honestly|solely|firmly)\s+)?on\s+"
        rf"{_WHO_BEFORE}(?=\s*(?:[.,;!?]|$|\s+(?:not|again|this\s+time|alone)\b))",
    ),
    _rule(
        "attribution",
        "any",
        r"\b(?:fault|responsibility|blame)\s+(?:lies|lay|rests|rested|falls|fell|sits)\s+"
        r"(?:squarely\s+)?(?:with|on)\b",
    ),
    _rule("attribution", "owner", r"\bdoing\b(?=\s*[.,;!?]|$)"),
    _rule(
        "jargon",
        "any",
        r"\b(?:pebkac|pebcak|pbkac|id-?10-?t|layer[- ]8|wetware)\b"
        r"|\bbetween\s+the\s+(?:keyboard|chair)\s+and\s+the\s+(?:keyboard|chair)\b",
    ),
    # Questions that ask a person to justify themselves.
    _rule(
        "question",
        "who",
        r"\b(?:why|how\s+come)\s+(?:did|didn['’]t|did\s+not|would|wouldn['’]t|could|couldn['’]t"
        rf"|were|weren['’]t|was|wasn['’]t|do|don['’]t|does|doesn['’]t)\s+{_WHO}",
    ),
    _rule("question", "any", r"\bwhat\s+(?:were|was)\s+(?:you|they|he|she)\s+thinking\b"),
    # "Or did the boss/manager not keep tabs on …?": a yes-no question that blames.
    _rule("question", "who", rf"\bdid\s+{_WHO}\s+not\s+\w+[^?]*\?", "did"),
    # A fix aimed at the person, given as an order: "revoke his access to production".
    _rule(
        "person-fix",
        "any",
        r"\b(?:revoke|take\s+away|pull|remove)\s+(?:his|her)\s+(?:access|permissions|rights)\b",
    ),
    _rule(
        "question",
        "any",
        r"\b(?:what\s+made\s+(?:you|him|her|them)\s+think|who\s+thought\s+(?:it|this|that)\s+was"
        r"|whose\s+(?:fault|idea|change|mistake)\s+(?:was|is))\b",
    ),
    _rule(
        "question",
        "any",
        r"^\W*(?:so,?\s+|and\s+)?who\s+(?:\w+\s+)?(?:pushed|approved|merged|deployed|broke|shipped"
        r"|signed\s+off|caused|screwed|messed|let|allowed)\b[^?]*\?",
        "who",
    ),
    # Judgments of competence or state with a person as the subject.
    _rule(
        "competence",
        "person",
        r"\b(?:froze|panicked|freaked\s+out|cut\s+corners|rubber[- ]stamped|blindly|cowboy(?:ed)?"
        r"|winged\s+it|rushed(?:\s+(?:it|this|that|the\s+\w+))?(?:\s+(?:out|through))?"
        r"|had\s+no\s+(?:idea|clue)|did(?:n['’]t|\s+not)\s+(?:know|understand|realise|realize)"
        r"\s+(?:what|how|that|the)|(?:was|were)(?:n['’]t|\s+not)\s+sure\s+(?:how|what)"
        r"|(?:has|have|had)(?:n['’]t|\s+not)\s+(?:had\s+)?a\s+clue"
        r"|(?:was|were|is|are)(?:n['’]t|\s+not)\s+(?:competent|qualified"
        r"|careful|up\s+to)|too\s+(?:lazy|careless|junior|inexperienced|green)"
        r"|out\s+of\s+(?:their|his|her|my|your)\s+depth|in\s+over\s+(?:their|his|her)\s+head)\b",
    ),
    # Fixes aimed at the person rather than the system.
    _rule(
        "person-fix",
        "person",
        r"\b(?:needs?|requires?)\s+(?:(?:some|more|a|an)\s+)?(?:re-?training|training|coaching"
        r"|supervision|a\s+talking[- ]to|a\s+refresher|to\s+be\s+(?:more\s+careful|retrained"
        r"|reminded|supervised)|to\s+pay\s+more\s+attention|to\s+slow\s+down)"
        r"|should(?:n['’]t|\s+not|\s+never)\s+(?:be\s+allowed\s+to\s+)?(?:touch|go\s+near"
        r"|have\s+access\s+to|deploy\s+to|work\s+on)\b"
        r"|(?:should|must|will)\s+(?:\w+ly\s+)?be\s+(?:reprimanded|supervised|watched"
        r"|put\s+on\s+a\s+pip)"
        r"|should\s+(?:\w+ly\s+)?be\s+(?:kept\s+away|removed|banned|taken\s+off|fired|sacked"
        r"|disciplined|let\s+go|written\s+up|retrained|barred)"
        r"|(?:should|must|ought\s+to)\s+(?:\w+ly\s+)?(?:get|be\s+given)\s+the\s+"
        r"(?:sack|boot|axe|chop|shitcan)\b|will\s+be\s+more\s+careful",
    ),
    _rule(
        "attribution",
        "person",
        r"\b(?:is|was|are|were)\s+(?:solely\s+|directly\s+)?responsible\s+for\s+(?:the\s+|this\s+)?"
        r"(?:outage|incident|failure|downtime|breakage|mess|problem|data\s+loss|breaking|causing)",
    ),
    _rule(
        "mistake",
        "person_or_none",
        r"\bmade\s+(?:(?:a|an|another|the|some)\s+)?(?:\w+\s+)?"
        r"(?:mistake|error|typo|blunder)s?\b",
    ),
    _rule(
        "omission",
        "person_or_none",
        r"\b(?:forgot(?:ten)?(?:\s+to)?|neglected(?:\s+to)?|ignored|overlooked|fat[- ]?fingered"
        r"|mistyped|screwed\s+up|messed\s+up|botched|slept\s+through"
        r"|did(?:n['’]t|\s+not)\s+bother(?:\s+to)?)\b",
    ),
    _rule(
        "omission",
        "person",
        rf"\b(?:didn['’]t|did\s+not|(?:had|has|have)(?:n['’]t|\s+not)|never|failed\s+to)\s+"
        rf"(?!(?:{_NEG_EXEMPT})\b)\w+",
    ),
    _rule("omission", "person", r"\b(?:missed|(?:was|were)(?:n['’]t|\s+not)?\s+supposed\s+to)\b"),
    # Steps a person left out or went around: "the engineer skipped the canary".
    _rule(
        "omission",
        "person",
        r"\b(?:skipped|bypassed|disregarded|omitted|circumvented|overrode|ignoring|skipping"
        r"|bypassing)\b",
    ),
    _rule(
        "competence",
        "person",
        r"\b(?:lacked|lacks)\s+(?:the\s+)?(?:skills?|experience|knowledge|competence|training)"
        r"|(?:got|was|were|is|are)\s+(?:too\s+)?(?:distracted|sloppy|complacent|overconfident)"
        r"|(?:was|were)\s+in\s+(?:a|too\s+much\s+of\s+a)\s+(?:hurry|rush)\b"
        r"|did(?:n['’]t|\s+not)\s+(?:think|read\s+the\s+(?:docs|documentation|runbook|manual))\b",
    ),
    _rule(
        "omission",
        "person",
        r"\bleft\s+(?:(?:the|a|an|it|them|this|that)\s+)?(?:[\w-]+\s+){0,3}?"
        r"(?:blank|empty|unset|unchecked|unlocked|unpatched|disabled|half-done)\b",
    ),
    # A person's change whose effect is the failure: "deployed a config change that took down".
    _rule(
        "outcome",
        "person",
        r"\b(?:pushed|deployed|shipped|merged|ran|applied|made|introduced|wrote|committed|executed)"
        r"\s+(?:\S+\s+){1,6}?(?:that|which)\s+(?:\w+\s+)?(?:took\s+down|brought\s+down|broke"
        r"|caused|crashed|deleted|wiped|corrupted|truncated|knocked\s+out)\b",
    ),
    # A person's state given as the explanation: "an exhausted operator", "the tired admin".
    _rule(
        "competence",
        "who",
        r"\b(?:tired|exhausted|sleepy|sleep-deprived|overworked|distracted|inexperienced|rookie"
        r"|hungover|clueless|ham-?fisted|hapless|bumbling|inept|clumsy|butter-?fingered"
        rf"|dim-?witted|half-?witted|novice)\s+{_WHO}",
    ),
    _rule(
        "should-have",
        "person",
        r"\b(?:should|ought\s+to|could)(?:n['’]t|\s+not)?\s*(?:\s+have|['’]ve)\s+"
        r"(?!(?:been|had|received|got|gotten)\b)\w+",
    ),
    _rule(
        "outcome",
        "possessive",
        r"\b(?:caused|broke|took\s+down|brought\s+down|knocked\s+over|corrupted|wiped|crashed)\b",
    ),
    _rule("outcome", "person", r"\bmis-?(?:configured|read|handled|judged|typed|understood)\b"),
    _rule(
        "outcome",
        "person",
        rf"\b(?!(?:{_REMEDIAL})\b)[a-z]+\s+(?:(?:{_RECIPIENTS})\s+)?(?:the|a|an)\s+"
        r"(?:wrong|bad|broken|faulty|buggy|incorrect|untested)\b",
        "wrong bad broken faulty buggy incorrect untested",
    ),
    # "her copy-and-paste error inadvertently erased …": a person, or a person's work.
    _rule("mistake", "possessive", r"\b(?:accident(?:al)?ly|inadvertently|mistakenly|wrongly)\b"),
    _rule("mistake", "clause", r"\bby\s+(?:mistake|accident)\b"),
    # A wrong choice in the active voice: "the engineer wiped the primary instead of the
    # secondary" (not "the policy was set to 'ignore' instead of 'fail'").
    _rule("outcome", "active", r"\binstead\s+of\b"),
    # A step the clause's person left out: "he pushed it without testing", "Apparently without
    # noticing the big label" (a clipped report whose subject is the person of the story).
    _rule(
        "omission",
        "clause",
        r"\bwithout\s+(?:even\s+|first\s+|ever\s+)?(?:noticing|checking|reading|testing|asking"
        r"|telling|verifying|realising|realizing|thinking|double-checking|looking)\b",
    ),
)

_WHY = {
    "human-error": "“{phrase}” stops the analysis at a person",
    "character": "“{phrase}” judges a person instead of the conditions they worked in",
    "attribution": "“{phrase}” attributes the failure to a person",
    "mistake": "“{phrase}” makes a person's mistake the explanation",
    "omission": "“{phrase}” makes a person the subject of a missed step",
    "should-have": "“{phrase}” judges a person with hindsight",
    "outcome": "“{phrase}” names a person as the cause",
    "counterfactual": "“{phrase}” is a counterfactual aimed at a person: it replays the event "
    "with hindsight they did not have",
    "competence": "“{phrase}” judges a person's competence or state instead of the conditions "
    "they worked in",
    "person-fix": "“{phrase}” aims the fix at a person, not at the system",
    "jargon": "“{phrase}” is a joke that makes the person the fault",
    "question": "“{phrase}” asks a person to justify themselves",
}
_SUGGESTION = {
    "human-error": "Ask what allowed the mistake: which check, default or tool let it through?",
    "character": "Describe the conditions: what allowed this to be easy to do and hard to notice?",
    "attribution": "Drop the attribution and ask what allowed the failure: "
    "which safeguard was missing?",
    "mistake": "Ask what allowed the mistake to reach production: which validation, review or "
    "default would have caught it?",
    "omission": "Make the system the subject: what allowed “{rest}” to be skipped? "
    "e.g. “Nothing in the process required or checked it.”",
    "should-have": "Ask what made that step easy to miss, and turn hindsight into a gap in the "
    "system: what allowed the work to go ahead without “{rest}”? e.g. “The runbook did not "
    "call for it” or “No alert prompted it.”",
    "outcome": "Name the change and the gap, not the person: what allowed “{rest}” "
    "to happen without a check catching it?",
    "counterfactual": "Ask what made that step easy to miss: what did the tools and signals "
    "show at that moment, and what would have made “{rest}” the obvious thing to do?",
    "competence": "Describe what the person faced: what were they seeing, what pressure were "
    "they under, and what would have made the safe path the easy one?",
    "person-fix": "Fix the system instead: which guard, default or check would make this "
    "step safe for anyone who does it next?",
    "jargon": "Ask what allowed the mistake: which check, default or tool let it through?",
    "question": "Ask about the system, not the person: e.g. “What made this look safe at the "
    "time?” or “What did the tool show before it ran?”",
}
# Hindsight aimed at a person ("Bob should have checked", "had the reviewer read …") is its
# own kind, with its own advice: what made that step easy to miss?
_KIND: dict[str, FindingKind] = {
    "counterfactual": "counterfactual",
    "should-have": "counterfactual",
}


def find_blame(text: str) -> list[Finding]:
    """Blame findings in `text`, in order, without overlapping spans."""
    lowered = text.lower()
    found = [finding for rule in _RULES for finding in _apply(rule, text, lowered)]
    meta = [m.span() for m in _META_PART.finditer(text) if _talks_about_blame(m.group())]
    found = [f for f in found if not any(a <= f.span[0] < b for a, b in meta)]
    return _without_overlaps(found)


def _talks_about_blame(part: str) -> bool:
    """Talk about blame ("blaming the operator teaches nothing"), not an order to blame
    ("… blame the idiot and send him the bill"): "blame" opening a clause is an imperative."""
    imperative = _IMPERATIVE_BLAME.match(part)
    return any(
        not (imperative and cue.start() == imperative.start(1)) for cue in _META_CUE.finditer(part)
    )


_IMPERATIVE_BLAME = re.compile(r"[\W\d]*(blame)\b", re.IGNORECASE)


# Talk about blame itself ("this is not about who made the mistake") is not blame.
_META_PART = re.compile(r"[^.;!?]+?(?=\bbut\b|[.;!?]|$)", re.IGNORECASE)
_META_CUE = re.compile(
    r"\b(?:not|isn['’]t|never)\s+(?:about\s+)?(?:who|whom|finding\s+who|blam\w*|fault)\b"
    r"|\bblameless\b|\bwithout\s+blame\b|\bno\s+blame\b|\bassign(?:ing)?\s+blame\b"
    r"|^\W*blaming\b|\bfinding\s+(?:a\s+)?(?:culprit|scapegoat|someone\s+to\s+blame)\b"
    r"|\bblam(?:e|ing)\s+(?:the|a|an|individuals?|people|workers?|operators?|engineers?|someone"
    r"|others|each\s+other)\b|\bassign(?:s|ed|ing)?\s+(?:blame|responsibility|fault)\b"
    r"|\b(?:old|new|this|that)\s+view\b|\bjudg\w*\s+(?:other\s+)?people|\bhindsight\b"
    r"|\bbad\s+apples?\b|\bfear\s+of\s+being\s+blamed\b|\bfundamental\s+attribution\b"
    r"|\b(?:investigation|analysis|review)s?\s+(?:will\s+)?(?:often\s+)?(?:focus|conclude)"
    r"|\bhold\w*\s+(?:people|someone|individuals|engineers|staff|employees)\s+"
    r"(?:accountable|responsible)\b",
    re.IGNORECASE,
)
# A judgment word under negation or quoted as a label: "this is not incompetence".
_NEGATED_BEFORE = re.compile(
    r"\b(?:not|n['’]t|no|never|nobody|tempting\s+to\s+\w+(?:\s+\w+)?|call(?:ing)?\s+(?:this|it)"
    r"|rather\s+than|instead\s+of|prevent\w*|avoid\w*|reduc\w*|mitigat\w*|minimi[sz]\w*"
    r"|eliminat\w*|guard\w*\s+against|protect\w*\s+against|tolerat\w*|catch\w*"
    r"|(?:view|theory|symptom|myth)s?\s+of)\s+(?:\w+\s+){0,2}$",
    re.IGNORECASE,
)


def _apply(rule: _Rule, text: str, lowered: str) -> Iterator[Finding]:
    if rule.cues and not any(cue in lowered for cue in rule.cues):
        return
    blamed_start = _CHECKS[rule.needs]
    for match in rule.pattern.finditer(text):
        start = blamed_start(text, match)
        if start is not None:
            end = _inverted_end(text, match) if rule.needs == "inverted" else match.end()
            yield _finding(rule.category, text, (start, end))


def _needs_any(text: str, match: re.Match[str]) -> int | None:
    words = _clause_words(text, match.start())
    head = text[words[0][1] : match.start()] if words else ""
    if _NEGATED_BEFORE.search(head) or _mentioned(text, match):
        return None
    return match.start()


def _mentioned(text: str, match: re.Match[str]) -> bool:
    """A judgment word in quotes is mentioned, not used: "we don't ask why they were
    'careless'", "described the script's behavior as “really, really stupid”"."""
    before, after = text[: match.start()], text[match.end() :]
    if before.endswith(("'", "‘")) and after.startswith(("'", "’")):
        return True
    opened = before.count("“") > before.count("”") or before.count('"') % 2 == 1
    return opened and ("”" in after or '"' in after)


_NEGATION = re.compile(r"\b(?:not|never|no)\b|n['’]t\b", re.IGNORECASE)
_FAILURE_MARK = re.compile(
    r"\b(?:mistakes?|errors?|slip-?ups?|typos?|blunders?|screw-?ups?|wrong|bad|broken|faulty"
    r"|untested|unreviewed|careless\w*|botched|fat[- ]?fingered|rushed|misconfigured|mishandled"
    r"|overlooked|ignored|neglected|forgotten|skipped|deleted|dropped|wiped|corrupted"
    r"|deletion|removal|misconfiguration|truncation|outage|breakage"
    r"|accidentally|inadvertently|mistakenly|wrongly|unintentionally|by\s+mistake"
    r"|without\s+(?:a\s+|any\s+)?(?:review|approval|testing|tests?|checking))\b",
    re.IGNORECASE,
)


def _needs_agent(text: str, match: re.Match[str]) -> int | None:
    """A failure in the passive whose agent is a person: "botched by the night shift"."""
    agent = [word for word in _WORD.findall(match["agent"]) if word.lower() not in _DETERMINERS]
    if not any(is_person_word(word) for word in agent[:3]):
        return None
    words = _clause_words(text, match.start())
    start = words[0][1] if words else match.start()
    if _NEGATION.search(text, start, match.start("agent")):
        return None  # "this was not the result of a mistake by our staff"
    return start if _FAILURE_MARK.search(text, start, match.start("agent")) else None


def _needs_inverted(text: str, match: re.Match[str]) -> int | None:
    """ "Had <person> <verb>": the person must come within three words of "had"."""
    return match.start() if _inverted_end(text, match) > match.end() else None


def _inverted_end(text: str, match: re.Match[str]) -> int:
    """Where "Had <person> <verb>" ends, or the match's own end when no person follows."""
    following = list(_WORD.finditer(text, match.end()))[:5]
    for index, word in enumerate(following[:4]):
        lowered = word.group().lower()
        if lowered in _DETERMINERS or lowered in _ROLE_MODIFIERS:
            continue
        if is_person_word(word.group()) and index + 1 < len(following):
            return following[index + 1].end()
        if _compound_role_acts(following[index + 1 : index + 3]):
            continue  # "had the release manager checked": a compound role, then its verb
        break
    return match.end()


def _compound_role_acts(pair: list[re.Match[str]]) -> bool:
    if len(pair) < 2 or pair[0].group().lower() not in ROLE_NOUNS:
        return False
    verb = pair[1].group().lower()
    return verb.endswith("ed") or verb in IRREGULAR_PAST


def _needs_who(text: str, match: re.Match[str]) -> int | None:
    who = _WORD.findall(match["who"])[-1]
    return match.start() if is_person_word(who) or _is_person_possessive(who) else None


def _needs_who_np(text: str, match: re.Match[str]) -> int | None:
    """The whole noun phrase after "caused by", "the root cause was": "an Amazon EBS service
    degradation" ends in a thing, "the DBA team" in people, "Dave forgetting" in Dave. Denied
    in its clause ("this was not the result of a mistake by our staff"), it blames no one."""
    if _NEGATION.search(text, _clause_start(text, match.start()), match.start()):
        return None
    who = _WORD.findall(match["who"])[-1]
    if who.lower() not in PERSON_PRONOUNS and not _is_person_possessive(who):
        for word in list(_WORD.finditer(text, match.end("who")))[:4]:
            if not _continues_noun_phrase(word.group()):
                break
            who = word.group()
            if who.islower() and not is_person_word(who):
                break  # "an adjacent service …": a thing heads the phrase
    return match.start() if is_person_word(who) or _is_person_possessive(who) else None


def _continues_noun_phrase(word: str) -> bool:
    lowered = word.lower()
    if lowered in FUNCTION_WORDS or _is_gerund(word) or re.fullmatch(MENTION, word):
        return False
    if word.islower():
        return not lowered.endswith("ed")
    return word.isupper() or _looks_like_name(word) or lowered in ROLE_NOUNS


def _needs_person(text: str, match: re.Match[str], *, allow_none: bool = False) -> int | None:
    words = _subject_words(text, match.start())
    if not words:
        before = text[: _clause_start(text, match.start())]
        if not before.strip(" \t-*•>"):
            return match.start() if allow_none else None
        if _RELATIVE_OR_PASSIVE.search(before) or text[match.end() :].lstrip().startswith("by "):
            return None  # "… which broke production", ", caused by …": a thing is the subject
        # The person is named in an earlier clause; quote the predicate itself.
        return match.start() if _shared_subject(text, before) is not None else None
    if _is_passive(words) or _is_hypothetical(text, words[0][1], words[0][0]):
        return None
    subject = subject_head(words)
    if subject is None or not is_person_word(subject[0]):
        return None
    if subject[0].lower() == "i" and _SELF_REPORT.search(text, match.end()):
        return None
    return subject[1]


# Role nouns that also name software: "each Shepherd worker acquired a lock, causing …".
_SOFTWARE_ROLES = frozenset({"worker", "workers", "agent", "agents", "owner", "owners"})
_RELATIVE_OR_PASSIVE = re.compile(r"\b(?:which|that)\s*$", re.IGNORECASE)


def _shared_subject(text: str, before: str) -> int | None:
    """ "An operator used a tool … but forgot to type -n": a clause with no subject of its
    own shares the subject of the clause before it; a clause that starts with its verb
    ("…, destroyed disks and crashed a datacenter") passes it on from further back."""
    edges = [0]
    for brk in _CLAUSE_BREAK.finditer(before):
        edges += [brk.start(), brk.end()]
    segments = list(zip(edges[::2], [*edges[1::2], len(before)], strict=False))
    for seg_start, seg_end in reversed(segments[-4:]):
        words = [
            (m.group(), seg_start + m.start()) for m in _WORD.finditer(text[seg_start:seg_end])
        ]
        content = [(w, i) for w, i in words if w.lower() not in _DETERMINERS | SKIPPED_BEFORE_VERB]
        if not content or not any(_is_verb_like(word) for word, _ in content):
            continue  # "ISPs and their customers": a coordinated noun phrase, not a clause
        for position, (word, index) in enumerate(content[:3]):
            if word.lower() in FIRST_PERSON_PLURAL:
                return None
            if word.lower() in ("am", "pm") and position and content[position - 1][0].isdigit():
                continue  # "2:09 PM": a time, not a product manager
            bare_name = _looks_like_name(word) and word.lower() not in ROLE_NOUNS
            if is_person_word(word) and not (bare_name and seg_start > 0):
                return index
        if not _is_verb_first(content[0][0]):
            return None
    return None


def _is_verb_like(word: str) -> bool:
    """A word that can carry a clause: an auxiliary or a past form."""
    lowered = word.lower()
    return (
        lowered in AUXILIARIES
        or lowered.endswith(("ed", "n't", "n’t"))
        or (lowered in IRREGULAR_PAST)
    )


def _is_verb_first(word: str) -> bool:
    """ "destroyed disks": a clause that begins with its verb goes on with the last subject."""
    return word.islower() and (word.endswith("ed") or word in IRREGULAR_PAST)


_PERSONAL_PRONOUNS = frozenset({"he", "she", "they", "i", "you", "someone", "somebody"})
# Words that end a subject's head noun: a prepositional phrase or a participle follows it.
_HEAD_ENDERS = frozenset({"at", "from", "of", "in", "on", "with", "for", "inside", "under"})


def subject_head(words: list[tuple[str, int]]) -> tuple[str, int] | None:
    """The head of the subject noun phrase before a predicate, or None when it is no person.

    "the operator at OWASA" -> operator; "an employee removing the equipment" -> employee;
    "the alert for the on-call engineer" -> alert; "Porting the old code" -> None (a
    gerund: the subject is an activity); "Asked for more information" -> None (a clipped
    verb); "the recipe site Supermarket" -> None (a thing's name); a pronoun right before
    the verb is its subject ("some yahoo did something he wasn't supposed to").
    """
    content = [(word, start) for word, start in words if word.lower() not in _DETERMINERS]
    if not content:
        return words[-1]
    if content[-1][0].lower() in _PERSONAL_PRONOUNS:
        return content[-1]
    first = content[0][0]
    if _is_gerund(first) and not is_person_word(first):
        return None
    if len(content) > 1 and _is_clipped_verb(first, words):
        return None
    for index in range(1, len(content)):
        word = content[index][0]
        if word.lower() in _HEAD_ENDERS:
            return _unless_named_thing(content, index - 1)
        if _is_gerund(word) and not word[:1].isupper() and _acts(content[index - 1], words):
            return content[index - 1]
    return _unless_named_thing(content, len(content) - 1)


def _acts(before: tuple[str, int], words: list[tuple[str, int]]) -> bool:
    """Is the word before a participle its doer: a role ("an employee removing …"), or a
    name whose participle takes an object ("Sam running the migration"), unlike the
    adjective in "Insufficient monitoring for …"?"""
    if not is_person_word(before[0]):
        return False
    if not _looks_like_name(before[0]) or before[0].lower() in ROLE_NOUNS:
        return True
    position = next(i for i, (_, start) in enumerate(words) if start == before[1])
    following = words[position + 2 : position + 3]
    return bool(following) and following[0][0].lower() in _DETERMINERS | POSSESSIVE_PRONOUNS


def _is_clipped_verb(first: str, words: list[tuple[str, int]]) -> bool:
    """ "Asked for more information …": a report clipped of its subject, not a name."""
    after = words[1][0].lower() if len(words) > 1 else ""
    return first[:1].isupper() and first.lower().endswith("ed") and after in _CLIPPED_FOLLOWERS


_CLIPPED_FOLLOWERS = frozenset({"for", "to", "from", "about", "with", "the", "a", "an"})


def _unless_named_thing(content: list[tuple[str, int]], index: int) -> tuple[str, int] | None:
    """A name after a common noun or an acronym names a thing ("site Supermarket",
    "Transaction ID Wraparound"); after a role it is a person ("engineer Bob")."""
    head = content[index]
    if index == 0 or not _looks_like_name(head[0]) or head[0].lower() in ROLE_NOUNS:
        return head
    before = content[index - 1][0]
    if before.lower() in ROLE_NOUNS or _looks_like_name(before):
        return head
    if before.islower() or (before.isupper() and len(before) > 1):
        return None
    return head


def _is_gerund(word: str) -> bool:
    return len(word) > 4 and word.lower().endswith("ing") and word.isalpha()


def _is_hypothetical(text: str, clause_start: int, subject: str = "") -> bool:
    """ "even if he totally messed up, …": a concession, not a claim about what he did; "just
    because you didn't change the code, …": a generic "you" in a condition, not a person."""
    before = text[:clause_start]
    if re.search(r"\beven\s+if\s*$", before, re.IGNORECASE):
        return True
    return subject.lower() == "you" and _GENERIC_CONDITION.search(before) is not None


_GENERIC_CONDITION = re.compile(
    r"\b(?:just\s+because|if|when|whenever|unless|once|until)\b(?:[^,.;]*\band)?\s*$",
    re.IGNORECASE,
)


# "I ran it in the wrong terminal because both prompts look identical" gives the system context.
_SELF_REPORT = re.compile(r"\b(?:because|since|as|given\s+that|so\s+that)\b", re.IGNORECASE)


def _needs_person_or_none(text: str, match: re.Match[str]) -> int | None:
    return _needs_person(text, match, allow_none=True)


def _needs_possessive(text: str, match: re.Match[str]) -> int | None:
    """A person, or something a person owns: "Sofia's deploy caused", "her mistake"."""
    owner = _needs_owner(text, match)
    return owner if owner is not None else _needs_person(text, match)


def _needs_owner(text: str, match: re.Match[str]) -> int | None:
    """Something a person owns: "her mistake", "Sofia's deploy" (not "Facebook's routers":
    after a bare name the thing owned must be a person's work)."""
    words = _subject_words(text, match.start())
    if not words:
        return None
    following = [*words[1:], (match.group(), match.start())]
    for (word, start), (after, _) in zip(words, following, strict=True):
        if not _is_person_possessive(word):
            continue
        owner = _POSSESSIVE_S.fullmatch(word)
        bare_name = owner is not None and _looks_like_name(owner.group(1))
        if not bare_name or after.lower().split()[0] in PERSONAL_WORK:
            return start
    return None


def _needs_clause(text: str, match: re.Match[str]) -> int | None:
    """The clause's own subject, for phrases that trail the verb ("deleted it by mistake"); a
    clause that starts with its verb ("… and cut the blue wire instead of the red one") has
    the subject of the clause before."""
    words = _clause_words(text, match.start())
    skipped = _DETERMINERS | _ROLE_MODIFIERS
    content = [(word, start) for word, start in words if word.lower() not in skipped]
    if content and is_person_word(content[0][0]):
        return content[0][1]
    if content and _is_verb_first(content[0][0]):
        before = text[: _clause_start(text, match.start())]
        if before.strip() and _shared_subject(text, before) is not None:
            return content[0][1]
    return None


def _needs_prior(text: str, match: re.Match[str]) -> int | None:
    """A participle after a comma ("…, causing a surge") has the subject of the clause
    before it: a person there ("an engineer disconnected the supply") is its cause."""
    words = _clause_words(text, match.start())
    content = [(w, i) for w, i in words if w.lower() not in _DETERMINERS | SKIPPED_BEFORE_VERB]
    if len(content) < 2:
        return None
    first, start = content[0]
    after = next((w for w, i in words if i > start), "")
    if _is_verb_first(first):  # "… and wiped the disk, causing …": the subject before
        return _shared_subject(text, text[: _clause_start(text, match.start())])
    if not is_person_word(first) or (first.lower() in _SOFTWARE_ROLES):
        return None
    if _looks_like_name(first) and first.lower() not in ROLE_NOUNS and not _is_verb_like(after):
        return None  # "More structure was present …": a capital, not a name
    return start


def _needs_active(text: str, match: re.Match[str]) -> int | None:
    """The clause's person, when the clause is in the active voice ("was set to 'ignore'
    instead of 'fail'" is a passive: a setting, not a person's choice)."""
    words = [word.lower() for word, _ in _clause_words(text, match.start())]
    for index, word in enumerate(words[:-1]):
        if word in _PASSIVE_AUX and _is_verb_first(words[index + 1]):
            return None
    return _needs_clause(text, match)


# Each check answers: where does the blamed phrase start, or None when this is not blame.
_CHECKS: dict[Needs, Callable[[str, re.Match[str]], int | None]] = {
    "any": _needs_any,
    "who": _needs_who,
    "who_np": _needs_who_np,
    "owner": _needs_owner,
    "person": _needs_person,
    "person_or_none": _needs_person_or_none,
    "possessive": _needs_possessive,
    "clause": _needs_clause,
    "agent": _needs_agent,
    "inverted": _needs_inverted,
    "active": _needs_active,
    "prior": _needs_prior,
}
_ROLE_MODIFIERS = frozenset({"new", "junior", "senior", "poor", "only", "lead", "night", "day"})
_DETERMINERS = frozenset({"the", "a", "an", "our", "this", "that", "one", "of"})
_PASSIVE_AUX = frozenset({"was", "were", "been", "being", "is", "are", "be", "get", "got"})
_ROLE_SUFFIXES = (("on", "call"), ("on", "duty"), ("in", "charge"), ("on", "shift"))


def _clause_start(text: str, end: int) -> int:
    return max((m.end() for m in _CLAUSE_BREAK.finditer(text[:end])), default=0)


def _clause_words(text: str, end: int) -> list[tuple[str, int]]:
    head = text[:end]
    start = _clause_start(text, end)
    return [(m.group(), start + m.start()) for m in _WORD.finditer(head[start:])]


def _subject_words(text: str, verb_start: int) -> list[tuple[str, int]]:
    """The words before the predicate in its clause, minus adverbs and role suffixes. A
    complement clause after a verb ("Amazon admitted that an incorrectly typed command
    caused …", "the problem is that the engineer forgot …") has its own subject."""
    words = _clause_words(text, verb_start)
    for index in range(len(words) - 1, 0, -1):
        if words[index][0].lower() == "that" and _is_verb_like(words[index - 1][0]):
            words = words[index + 1 :]
            break
    while words and words[-1][0].lower() in SKIPPED_BEFORE_VERB:
        words.pop()
    if len(words) > 1 and re.fullmatch(r"[A-Z]", words[-1][0]) and is_person_word(words[-2][0]):
        words.pop()  # "Engineer A", "Engineer X"
    lowered = tuple(word.lower() for word, _ in words[-2:])
    if lowered in _ROLE_SUFFIXES:
        words = words[:-2]
    return words


def _is_passive(words: list[tuple[str, int]]) -> bool:
    return any(word.lower() in _PASSIVE_AUX for word, _ in words[-2:])


def is_person_word(word: str) -> bool:
    """A mention, pronoun, role or name: something that refers to a person."""
    if re.fullmatch(MENTION, word) or word.startswith("@"):
        return True
    lowered = word.lower()
    if lowered in FIRST_PERSON_PLURAL:
        return False
    if lowered in PERSON_PRONOUNS or lowered in ROLE_NOUNS:
        return True
    return _looks_like_name(word)


def _looks_like_name(word: str) -> bool:
    """Capitalised like a name (any script: "Zoë", "Łukasz", "Jean-Luc") and not a known thing."""
    if not all(
        part[:1].isupper() and part[1:].islower() and part.isalpha() for part in word.split("-")
    ):
        return False
    lowered = word.lower()
    if lowered in NOT_NAMES or lowered.endswith(_NOT_NAME_ENDINGS):
        return False
    return not _PLURAL.search(lowered)


def _is_person_possessive(word: str) -> bool:
    """ "his", "Sofia's", "<@U1>'s": a person owns what follows."""
    if word.lower() in POSSESSIVE_PRONOUNS:
        return True
    owner = _POSSESSIVE_S.fullmatch(word)
    return owner is not None and is_person_word(owner.group(1))


def _finding(category: str, text: str, span: tuple[int, int]) -> Finding:
    phrase = text[span[0] : span[1]]
    return Finding(
        kind=_KIND.get(category, "blame"),
        span=span,
        phrase=phrase,
        why=_WHY[category].format(phrase=phrase),
        suggestion=_SUGGESTION[category].format(
            rest=_rest_of_clause(text, _quote_from(category, text, span))
        ),
    )


def _quote_from(category: str, text: str, span: tuple[int, int]) -> int:
    """Hindsight quotes the expected step with its verb ("checked the dashboard")."""
    if category not in ("should-have", "counterfactual"):
        return span[1]
    last_word = list(_WORD.finditer(text, span[0], span[1]))[-1]
    return last_word.start()


def _rest_of_clause(text: str, start: int, limit: int = 60) -> str:
    """What the predicate acted on ("the runbook"), to quote back in the suggestion."""
    tail = text[start:]
    end = next((m.start() for m in _CLAUSE_BREAK.finditer(tail) if m.start() > 0), len(tail))
    rest = tail[:end].strip(" ,.;:!?")
    if not rest:
        return "this"
    return rest if len(rest) <= limit else rest[:limit].rsplit(" ", 1)[0] + "…"


def _without_overlaps(findings: list[Finding]) -> list[Finding]:
    kept: list[Finding] = []
    for finding in sorted(findings, key=lambda f: (f.span[0], -(f.span[1] - f.span[0]))):
        if not kept or finding.span[0] >= kept[-1].span[1]:
            kept.append(finding)
    return kept
