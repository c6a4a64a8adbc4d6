"""Whether an answer tells of something done to us from outside: a cloud failover, a
provider's outage, a vendor's change.

Asking "why did that happen?" of such an answer steers the team toward the provider;
the interview asks instead what in our system let it hurt us. A word list ("aws",
"outage") cannot tell "AWS failed over the primary" from "we moved the service to AWS"
or "our deploy caused an outage", so this reads each clause's structure: who did it
(the subject, before the first verb) and what happened (an event verb, or an event
noun such as "outage" in the subject). A clause counts when its subject is an outside
party (a provider's role — vendor, upstream, registrar —, a possessive "their" or
"Stripe's", a proper name standing alone) and it tells of an event; or when its agent
is one ("was failed over by the cloud provider"); or when people outside (a customer,
attackers) did something to us ("a customer sent a malformed request"), though not when
they only saw the impact ("customers got 500s"). A subject of our own (we, our team,
the on-call engineer, our deploy) never counts, whatever else the clause names, nor does
a party said to be well ("our provider was fine").
Pure: standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Where a sentence ends (a capital after it says nothing), and where a clause does.
_SENTENCES = re.compile(r"(?<!\w\.\w)[.!?\n]+(?:\s|$)|^")
_CLAUSES = re.compile(
    r"[;:()]+|,|\s[-–—]\s|\b(?:and|but|so|because|after|when|while|until|since|then|"
    r"which|before|as|once|though|although)\b",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’.\-]*")

# Who a party is by its role toward us: outside by what it is called.
_ROLES = frozenset({
    "provider", "providers", "vendor", "vendors", "upstream", "third-party", "partner",
    "supplier", "isp", "carrier", "registrar", "host", "hoster", "hosting", "cloud", "saas",
    "processor", "acquirer", "psp", "datacenter", "data-center", "colo", "colocation",
    "region", "zone", "az", "their", "they", "them",
})  # fmt: skip
# Names of the big outside parties people write as the subject ("AWS failed over").
_KNOWN = frozenset({
    "aws", "amazon", "gcp", "google", "azure", "microsoft", "cloudflare", "akamai", "fastly",
    "stripe", "twilio", "github", "okta", "auth0", "heroku", "digitalocean", "linode",
    "ovh", "hetzner", "vercel", "netlify", "sendgrid", "mailgun", "paypal", "adyen",
})  # fmt: skip
# Software teams run themselves: a name standing alone is not an outside party.
_SELF_HOSTED = frozenset({
    "redis", "postgres", "postgresql", "mysql", "kafka", "nginx", "elasticsearch",
    "rabbitmq", "mongodb", "kubernetes", "k8s", "consul", "etcd", "zookeeper", "cassandra",
    "memcached", "haproxy", "envoy", "jenkins", "the", "a", "an", "this", "that",
})  # fmt: skip
# A subject of our own: then the clause is about us, whatever it names.
_OURS = frozenset({
    "we", "i", "our", "ours", "us", "my", "team", "engineer", "engineers", "on-call",
    "oncall", "someone", "somebody", "developer", "developers", "sre", "ops", "operator",
})  # fmt: skip
# What happening to a service sounds like (first words of the verb phrase).
_EVENT_VERBS = frozenset({
    "failed", "fails", "fail", "went", "goes", "had", "has", "have", "was", "were", "is",
    "are", "got", "started", "starts", "began", "begins", "stopped", "stops", "dropped",
    "drops", "rejected", "rejects", "throttled", "throttles", "rate-limited", "revoked",
    "rotated", "deprecated", "changed", "changes", "rolled", "pushed", "shipped",
    "released", "migrated", "moved", "rebooted", "restarted", "terminated", "retired",
    "blocked", "blocks", "suspended", "experienced", "suffered", "lost", "cut", "timed",
    "returned", "returns", "crashed", "broke", "purged", "evicted", "removed", "disabled",
    "expired", "renamed", "upgraded", "patched", "announced", "degraded", "flapped",
    "switched", "shifted", "reset", "closed", "refused", "sent", "served", "stalled",
})  # fmt: skip
# Something that happened, named as a thing ("an AWS region outage took checkout down").
_EVENT_NOUNS = frozenset({
    "outage", "outages", "failover", "fail-over", "incident", "degradation", "disruption",
    "maintenance", "ddos", "brownout", "blackout", "downtime", "change", "deprecation",
    "migration", "cut", "fire", "flood",
})  # fmt: skip
# Parts of a system, ours as much as anyone's: a name before one is no outside party.
_COMPONENTS = frozenset({
    "api", "apis", "db", "database", "service", "services", "app", "server", "servers",
    "cluster", "cache", "queue", "pod", "pods", "primary", "replica", "node", "nodes",
    "worker", "workers", "job", "jobs", "checkout", "payments", "users", "customers",
    "traffic", "requests", "errors", "latency",
})  # fmt: skip
# People outside our system whose acts reach it: "a customer sent a malformed request".
# They count only as the doer of an act (`_ACTS`), never as those who saw the impact
# ("customers got 500s", "users were logged out").
_PEOPLE_OUTSIDE = frozenset({
    "customer", "customers", "user", "users", "attacker", "attackers", "botnet", "scraper",
    "scrapers", "crawler", "crawlers", "spammer", "spammers", "tenant", "tenants",
})  # fmt: skip
_ACTS = frozenset({
    "sent", "sends", "send", "flooded", "floods", "uploaded", "uploads", "submitted",
    "submits", "hammered", "hammers", "scraped", "scrapes", "spammed", "attacked", "attacks",
    "posted", "posts", "called", "calls", "requested", "ran", "runs", "triggered",
    "triggers", "imported", "imports", "created", "creates", "launched", "retried",
    "overloaded", "exploited", "abused", "pasted", "entered", "registered",
})  # fmt: skip
# "Our provider was fine": a party said to be well tells of no event.
_BE = frozenset({"was", "were", "is", "are", "stayed", "remained"})
_WELL = frozenset({
    "fine", "ok", "okay", "healthy", "unaffected", "stable", "normal", "operational",
    "green", "up", "available", "responsive", "blameless",
})  # fmt: skip
# Whose a possessive is not an outside party's: a time ("last night's deploy") or our own
# work ("the release's migration"); and what a person's possessive names when the person
# is one of us ("Alice's deploy", "Carmen's config change"), not a vendor ("Stripe's API").
_TIMES = frozenset({
    "night", "yesterday", "today", "tonight", "morning", "afternoon", "evening", "week",
    "weekend", "month", "year", "day", "quarter", "sprint", "monday", "tuesday",
    "wednesday", "thursday", "friday", "saturday", "sunday",
})  # fmt: skip
_OUR_WORK = frozenset({
    "deploy", "deploys", "deployment", "release", "rollout", "migration", "change",
    "changes", "config", "configuration", "script", "cron", "patch", "update", "upgrade",
    "pr", "commit", "merge", "query", "cleanup", "fix", "hotfix", "mistake", "refactor",
    "pipeline", "build", "code", "branch", "runbook", "playbook", "terraform", "helm",
})  # fmt: skip
# After an event noun, who it belongs to: "an outage at the hosting company".
_OF = frozenset({"at", "of", "from", "by", "in", "on"})
SUBJECT_WORDS = 8
NEAR = 4


def sounds_external(text: str) -> bool:
    """Some clause of `text` tells of an event whose doer is outside our system."""
    for sentence in _SENTENCES.split(text or ""):
        for n, clause in enumerate(_CLAUSES.split(sentence or "")):
            tokens = _TOKEN.findall(clause or "")
            if tokens and _clause_is_external(tokens, sentence_start=n == 0):
                return True
    return False


def _clause_is_external(tokens: Sequence[str], *, sentence_start: bool) -> bool:
    verb = next((i for i, t in enumerate(tokens) if i > 0 and t.lower() in _EVENT_VERBS), None)
    boundary = _verb_boundary(tokens, verb)
    subject = list(tokens[:boundary])[-SUBJECT_WORDS:]
    if not subject or _is_ours(subject) or _said_well(tokens, verb):
        return False
    if _act_of_people_outside(subject, tokens[boundary:]):
        return True
    if verb is not None and verb == boundary and _is_outside(subject, sentence_start):
        return True
    if _names_an_outside_event(list(tokens[:boundary]) + list(tokens[boundary:][: NEAR + 2])):
        return True
    return verb is not None and _agent_is_outside(tokens[verb:])


def _said_well(tokens: Sequence[str], verb: int | None) -> bool:
    """ "The vendor was fine", "their API stayed healthy": no event at all."""
    if verb is None or tokens[verb].lower() not in _BE or verb + 1 >= len(tokens):
        return False
    return tokens[verb + 1].lower() in _WELL


def _act_of_people_outside(subject: Sequence[str], predicate: Sequence[str]) -> bool:
    """ "A customer sent …", "a customer's script flooded …", "attackers scraped …": the
    subject names people outside (its last word, or a possessive: not "the user service")
    and the verb right after it is something they did."""
    if not predicate or predicate[0].lower() not in _ACTS:
        return False
    possessives = [w for w in subject if w.endswith(("'s", "’s", "s'", "s’"))]
    return any(_bare(word) in _PEOPLE_OUTSIDE for word in (subject[-1], *possessives))


def _verb_boundary(tokens: Sequence[str], verb: int | None) -> int:
    """Where the subject ends: at the event verb, or an earlier verb in the past tense
    ("our retry logic hammered the provider"); the whole clause when there is none."""
    for at, word in enumerate(tokens[1 : verb if verb is not None else len(tokens)], start=1):
        lower = word.lower()
        if lower.endswith("ed") and len(lower) > 4 and lower not in _ROLES:
            return at
    return verb if verb is not None else min(len(tokens), SUBJECT_WORDS)


def _is_ours(subject: Sequence[str]) -> bool:
    """The subject is us: "we", "our deploy", "the on-call engineer" (not "our provider")."""
    words = [w.lower() for w in subject]
    if not any(w in _OURS for w in words):
        return False
    return not any(_outside_at(subject, at) for at in range(len(subject)))


def _is_outside(subject: Sequence[str], sentence_start: bool = False) -> bool:
    """A party outside: a role ("the upstream API"), a possessive ("Stripe's API"), a known
    name, or a proper name standing alone ("Acme Pay")."""
    if any(_outside_at(subject, at) for at in range(len(subject))):
        return True
    return _is_bare_name(subject, sentence_start)


def _outside_at(words: Sequence[str], at: int, position: int | None = None) -> bool:
    """Whether `words[at]` names an outside party, read with the word after it."""
    after = words[at + 1] if at + 1 < len(words) else None
    return _outside_word(words[at], at if position is None else position, after)


def _outside_word(word: str, at: int, after: str | None = None) -> bool:
    lower = _bare(word)
    if lower in _ROLES or lower in _KNOWN:
        return True
    possessive = word.endswith(("'s", "’s")) and len(word) > 2
    if not possessive or not (at > 0 or word[0].isupper()):
        return False
    if lower in _OURS | _SELF_HOSTED | _TIMES | _OUR_WORK | _COMPONENTS:
        return False
    return after is None or _bare(after) not in _OUR_WORK


def _is_bare_name(subject: Sequence[str], sentence_start: bool) -> bool:
    """One to three capitalised words and nothing else, not software we run ourselves nor
    a part of a system; at a sentence's start one word is a name only if it looks like one
    ("OVH", "SendGrid"), since any first word has its capital."""
    if not 1 <= len(subject) <= 3 or any(not w[0].isupper() for w in subject):
        return False
    if any(_bare(w) in _SELF_HOSTED | _COMPONENTS for w in subject):
        return False
    if sentence_start and len(subject) == 1:
        word = subject[0]
        return len(word) > 1 and (word.isupper() or any(c.isupper() for c in word[1:]))
    return True


def _names_an_outside_event(words: Sequence[str]) -> bool:
    """ "An AWS region outage", "the vendor's maintenance", "an outage at the hosting
    company": an event noun with an outside party just before or after it."""
    for at, word in enumerate(words):
        if _bare(word) not in _EVENT_NOUNS:
            continue
        before = words[max(0, at - NEAR) : at]
        if any(_outside_at(before, n, n + 1) for n in range(len(before))) or any(
            w[0].isupper() and _bare(w) not in _SELF_HOSTED | _COMPONENTS for w in before[1:]
        ):
            return True
        after = [w.lower() for w in words[at + 1 : at + 1 + NEAR]]
        if after and after[0] in _OF and _is_outside(words[at + 2 : at + 1 + NEAR]):
            return not _is_ours(words[at + 2 : at + 1 + NEAR])
    return False


def _agent_is_outside(predicate: Sequence[str]) -> bool:
    """A passive clause's agent: "was failed over by the cloud provider"."""
    words = [w.lower() for w in predicate]
    if "by" not in words:
        return False
    agent = list(predicate[words.index("by") + 1 :])[:SUBJECT_WORDS]
    return bool(agent) and not _is_ours(agent) and _is_outside(agent)


def _bare(word: str) -> str:
    lower = word.lower()
    for ending in ("'s", "’s", "'", "’"):
        if lower.endswith(ending):
            return lower[: -len(ending)]
    return lower
