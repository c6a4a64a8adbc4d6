"""Which answers tell of something done to us from outside (issue 14.5).

Read from structure, not a list of words: the subject of a clause is an outside party
(a provider's role, a possessive, a name standing alone) and the clause tells of an
event; a subject of our own never counts, whatever it names. The sentences below were
written apart from the code (the held-out ones after it was done) and share no phrase
with the old cue list: "payment processor", "registrar", "Acme Pay", "Mollie".
"""

from __future__ import annotations

import pytest

from bot.core.interview import sounds_external

OUTSIDE = (
    "Our payment processor started rejecting every card for twenty minutes",
    "The upstream identity service was unreachable",
    "Stripe's API began returning 502s",
    "Acme Pay had an outage",
    "The primary database was failed over by the cloud provider",
    "Our DNS registrar suspended the domain",
    "A regional outage at the hosting company took the load balancers down",
    "Checkout broke when Mollie changed its webhook signature",
    "AWS failed over our RDS primary to another availability zone",
)
HELD_OUT_OUTSIDE = (
    "The CDN vendor pushed a bad edge config",
    "Our SMS gateway provider throttled outbound messages",
    "The third-party geocoding API started timing out",
    "The ISP lost a fibre link between the two sites",
    "Our hosting provider migrated the VMs to new hardware",
    "A power cut at the colocation facility took both racks offline",
    "The identity vendor changed its token format",
    "The payment partner suffered an outage",
    "The bank's API returned malformed XML",
    "Their load balancer dropped connections during the upgrade",
    "Upstream DNS stopped answering",
)
OURS = (
    "We failed over the database by hand and the pool did not reconnect",
    "Our deploy caused an outage in checkout",
    "The on-call engineer restarted the API pods",
    "A config change set the pool size to 5",
    "Checkout returned 500s for 40 minutes",
    "We moved the service to AWS last month",
    "Our retry logic hammered the provider",
    "Redis went down",
    "The Postgres primary failed over",
)
HELD_OUT_OURS = (
    "We rotated the keys and forgot the worker",
    "Traffic doubled after the campaign email",
    "The team shipped the feature flag enabled",
    "The release removed the retry",
    "The job stopped after the cron change",
    "The Kafka consumer group rebalanced forever",
    "Someone changed the timeout to 50 ms",
    "Our cache evicted hot keys under load",
    "Our autoscaler was capped at 10 pods",
    "I restarted the consumer",
)


# Written by a second reader after the rule was done (none of them in the lists above).
PEOPLE_OUTSIDE_ACTED = (
    "A customer sent a malformed request",
    "A customer's script flooded the API",
    "Attackers scraped the login page",
    "Checkout failed after a customer imported 40,000 orders",
)

IMPACT_ON_PEOPLE_OR_OUR_PARTS = (
    "Customers got 500s for twenty minutes",
    "Users were logged out",
    "The user service sent duplicate events",
    "Support sent the customer an apology",
    "The retry job sent every customer an email",
)

SAID_WELL = (
    "Our provider was fine; we misconfigured the timeout",
    "The vendor was healthy the whole time",
    "Their API is fine and our client timed out",
)

# A possessive is an outside party's ("Stripe's API") unless it is a time or our own work,
# or a person's work: "Alice's deploy" is a colleague's, however her name is capitalised.
OUR_POSSESSIVES = (
    "Alice's deploy broke checkout",
    "Carmen's config change dropped the pool to 5",
    "The release's migration dropped a column",
    "Last night's deploy broke checkout",
    "Friday's release changed the timeout",
    "Yesterday's migration failed",
)

THEIR_POSSESSIVES = (
    "Twilio's SMS API throttled us",
    "Stripe's webhook changed",
    "Cloudflare's config change broke DNS",
)


@pytest.mark.parametrize(
    "answer", OUTSIDE + HELD_OUT_OUTSIDE + PEOPLE_OUTSIDE_ACTED + THEIR_POSSESSIVES
)
def test_an_event_done_by_an_outside_party_is_external(answer: str) -> None:
    assert sounds_external(answer)


@pytest.mark.parametrize(
    "answer", OURS + HELD_OUT_OURS + IMPACT_ON_PEOPLE_OR_OUR_PARTS + SAID_WELL + OUR_POSSESSIVES
)
def test_what_we_did_or_what_our_system_did_is_not_external(answer: str) -> None:
    assert not sounds_external(answer)


def test_the_outside_party_may_stand_in_any_clause_but_only_as_the_doer() -> None:
    assert sounds_external("Orders failed for an hour, after Acme Pay had an outage")
    assert not sounds_external("Orders failed for an hour, after we paused the Acme Pay sync")
    assert not sounds_external("")
    assert sounds_external("Stripe's API was down"), "'was' then no word of health"
    assert sounds_external("GitHub Actions was down so we could not deploy")
