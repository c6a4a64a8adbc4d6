"""Word lists behind the language checks: who counts as a person, what counts as an artefact.

Kept apart from the rules so the rules stay readable. Each list is general
vocabulary of incident write-ups, not a patch for one sentence.
"""

from __future__ import annotations


def _words(block: str) -> frozenset[str]:
    return frozenset(block.split())


# First-person plural is left out on purpose: "we had not tested the restore" is the
# organisation owning a gap, which is the analysis a post-mortem wants.
PERSON_PRONOUNS = _words(
    "he she they i you someone somebody whoever everyone everybody him her them"
)
FIRST_PERSON_PLURAL = _words("we us our ours we'd we've we're we’d we’ve we’re")
POSSESSIVE_PRONOUNS = _words("his her their my your")

ROLE_NOUNS = _words(
    """
    engineer engineers developer developers dev devs on-call oncall on-caller on-callers
    operator operators admin admins administrator administrators sysadmin sysadmins
    dba dbas sre sres intern interns hire hires newbie newbies reviewer reviewers
    approver approvers author authors manager managers lead leads deployer deployers
    contractor contractors employee employees person people guy guys team teams staff
    coworker coworkers colleague colleagues teammate teammates folks responder responders
    commander ic human humans programmer programmers architect architects owner owners
    ops technician technicians tech techs pm pms designer designers vendor vendors qa
    tester testers analyst analysts consultant consultants supervisor supervisors
    shift hire newcomer newcomers junior juniors senior seniors typist approvers
    releaser maintainer maintainers committer committers contributor contributors
    worker workers personnel employee's idiot idiots moron morons yahoo wanker clown clowns
    agent agents rep reps staffer staffers crew
    boss bosses cto ceo cio cfo coo director directors exec execs executive executives
    trainee trainees apprentice apprentices techie techies co-worker co-workers electrician
    electricians installer installers fitter fitters
    """
)

# What a person's work is called: "Sofia's deploy" blames Sofia, "Facebook's routers" does not.
PERSONAL_WORK = _words(
    """
    deploy deploys deployment change changes push commit commits pr script command code config
    configuration query migration update fix patch edit edits decision mistake mistakes typo
    fault doing laptop account credentials key password terminal branch shell rollout release
    merge review approval call action actions
    """
)

# Words that end a noun phrase read after "caused by", "the root cause was".
FUNCTION_WORDS = _words(
    """
    and or but who whom that which with when while for to in at on by of from not because
    again as after before during since until then so if is was were are has had have did does
    do will would could should can may might must been being be also just only this these
    those there here its their his her our your my the a an who's
    """
)
AUXILIARIES = _words(
    "is was were are am be been has had have did does do will would could should can may might"
    " must shall 's ’s"
)
# English verbs whose past is not "-ed": they tell a clause (a subject and its verb) from a
# coordinated noun phrase ("ISPs and their customers").
IRREGULAR_PAST = _words(
    """
    read run ran done did made seen saw sent taken took known knew gone went written wrote
    set put cut shut hit let quit brought bought caught taught thought fought sought got gave
    given came become became began begun broke broken forgot forgotten left kept lost spent
    built lent bent told said found held meant chose chosen drove driven fell fallen froze
    frozen overrode overridden rode rose shook stole struck swore threw thrown tore torn woke
    understood misunderstood withdrew led paid laid sold stood felt slept swept won spun dug
    stuck hung flung blew blown drew drawn grew grown flew flown wore worn rang sang sank
    undid redid rewrote reran upset
    """
)

# Adverbs and auxiliaries that sit between a subject and its verb ("he had just forgotten").
SKIPPED_BEFORE_VERB = _words(
    """
    just simply also again clearly obviously probably apparently unfortunately accidentally
    really actually completely totally basically repeatedly initially still already evidently
    likely certainly definitely somehow even ever allegedly reportedly mistakenly
    inadvertently wrongly had has have 'd would will must may might
    """
)

# Capitalised words that are not people: sentence openers, calendar words, and the products
# and companies that most often appear as the subject of an incident sentence (a company as
# subject is the organisation owning a gap, like "we": tests/data/README.md).
NOT_NAMES = _words(
    """
    the this that these those it its a an our we there here what why how who when where
    nothing nobody everything something anything none each every all some no one both
    anyone anybody
    also once later then after before during while because if so but and or yes
    monday tuesday wednesday thursday friday saturday sunday
    january february march april may june july august september october november december
    today yesterday tomorrow utc
    kafka postgres postgresql mysql mariadb redis memcached kubernetes k8s nginx envoy
    haproxy terraform ansible puppet chef jenkins github gitlab circleci argo argocd helm
    docker consul vault etcd zookeeper elasticsearch opensearch kibana grafana prometheus
    alertmanager datadog pagerduty opsgenie sentry splunk cloudflare aws gcp azure lambda
    dynamodb route53 cloudfront istio linkerd rabbitmq celery sidekiq airflow spark
    hadoop cassandra mongodb mongo clickhouse snowflake bigquery stripe okta slack zoom
    jira confluence heroku netlify fastly akamai varnish traefik caddy apache tomcat
    linux windows chrome cron systemd coredns calico cilium flux spinnaker buildkite
    bazel gradle maven npm pip dependabot renovate certbot nomad openstack ceph minio
    grpc graphql python java golang node rails django
    amazon google microsoft facebook meta apple netflix twitter etsy salesforce oracle ibm
    intel cisco juniper verizon comcast atlassian dropbox shopify spotify uber lyft airbnb
    paypal visa mastercard samsung sony nintendo valve steam reddit discord twitch zoom
    linode digitalocean hetzner ovh rackspace equinix crowdstrike fastly knight target
    delta southwest ryanair tsb natwest barclays lloyds hsbc
    alert alarm page pager config cache database db queue cluster node network storage
    replica primary secondary canary rollback release build pipeline script system
    tooling automation staging production prod gateway proxy scheduler worker job
    timeout certificate deploy deployment migration backup disk memory cpu traffic
    latency load service server host dashboard runbook check probe test suite
    """
)

# Verbs that name a change someone else can verify once it is done.
CONCRETE_VERBS = _words(
    """
    add create write build set configure enable disable remove delete drop rename migrate
    move upgrade downgrade bump pin raise lower increase decrease reduce cap limit replace
    split merge automate block require enforce gate alert page route rotate renew schedule
    backfill deploy ship patch fix document update change switch convert extend shorten
    introduce implement publish archive restrict grant revoke tag label link wire instrument
    expose emit log record make install provision allocate resize scale run notify
    send post retire deprecate separate isolate encrypt restore register subscribe store
    generate codify lock validate reject cut tighten loosen attach assign file open close use
    """
)
PHRASAL_CONCRETE_VERBS = _words("set_up turn_on turn_off roll_out back_up wire_up hook_up")

# Things an action can change and a reviewer can go and look at.
ARTEFACT_NOUNS = _words(
    """
    dashboard panel alert alarm metric graph chart runbook playbook doc document page
    section step stage test check probe job cron pipeline script config configuration setting
    flag switch timeout limit threshold quota ttl index query table column field migration
    rule lint hook ticket template checklist policy rotation schedule endpoint queue topic
    bucket namespace cluster node instance image module key secret certificate cert breaker
    retry backoff validation validator guard lock replica pool connection disk volume channel
    reminder label tag owner variable var header trace report adr slo sli canary protection
    approver approval permission role account webhook heartbeat monitor budget command
    database db service server host client api cache store snapshot backup file repo
    environment repository branch registry controller provider suite playbook
    """
)

# What a fix must name to be checkable: "fix the deploy pipeline" names no defect.
DEFECT_NOUNS = _words(
    """
    bug bugs leak leaks failure failures error errors race crash crashes deadlock regression
    panic panics typo loop timeout timeouts
    """
)
# Acronyms that name a kind of thing, not a particular one ("the API", "our CI").
GENERIC_ACRONYMS = _words("API APIS DB DBS CI CD UI UX SLA SLAS SLO SLOS PR PRS OS")

# Nouns that sound like an object but name no particular thing.
GENERIC_NOUNS = _words(
    """
    this it that them these those everything things thing stuff issue issues problem problems
    incident incidents outage outages future again now everyone us people process processes
    monitoring alerting observability testing coverage documentation communication quality
    reliability stability performance resilience code system systems infrastructure situation
    experience toil debt way ways team teams handling
    """
)
VAGUE_MODIFIERS = _words(
    """
    a an the this that these those some any all every each our their its my your more better
    new additional extra proper good improved further other various several many relevant
    necessary appropriate basic simple general enough
    flaky noisy broken failing slow stale old unused legacy bad wrong missing existing current
    important main problematic weak fragile standardized standardised proactive common clear
    robust sustainable consistent generic adequate sufficient
    """
)
QUALIFYING_PREPOSITIONS = _words(
    """
    for to in on of at from with when whenever if that which under above below over around
    per into across showing comparing covering after before during between as about until
    """
)

# Leading words that look like an imperative but are not a verb of change.
NOT_CHANGE_VERBS = _words(
    """
    long-term short-term preventative preventive process monitoring alerting better more less
    new all some any no each every the a an our their this that these those do get have
    make be go work keep continue general overall future next action actions todo tbd
    high low good great proper bad
    """
)

# Objects that watch something: concrete only once they say what is measured.
WATCHING_NOUNS = _words(
    """
    monitoring alerting alert alerts alarm alarms observability logging logs metrics metric
    instrumentation dashboards dashboard visibility telemetry tracing notification notifications
    """
)
SIGNAL_WORDS = _words(
    """
    latency errors error failures failure failed failing lag saturation expiry expiring usage
    depth rate rates count p99 p95 p90 p50 5xx 4xx 500s 502s 503s 504s timeouts timeout retries size
    downtime down outage outages unavailable unreachable unhealthy healthy oom expiry restarts
    throughput utilisation utilization missing full disk cpu memory heartbeat status success
    exhaustion exhausted backlog drops dropped restarts evictions age stale staleness
    """
)
# Verbs that create something, where an object that only watches must say what it measures.
ADDING_VERBS = _words(
    "add create build enable introduce implement configure install put wire set_up hook_up wire_up"
)
# Quantities written as words: "three times", "hourly" make an action checkable.
NUMBER_WORDS = _words(
    """
    one two three four five six seven eight nine ten twelve fifteen twenty thirty once twice
    hourly daily nightly weekly monthly
    """
)
# Nouns that name a plan, not a thing: "create a process for …", "implement a strategy".
PLAN_NOUNS = _words(
    """
    process processes procedure procedures plan plans strategy strategies framework
    frameworks approach approaches practice practices culture mindset initiative
    """
)
# What a written guide is called: "create guidance about internal traffic" delivers it.
DOCUMENT_NOUNS = _words(
    "guidance guide guides faq how-to explainer write-up writeup documentation doc docs"
)
# Words that leave an item's finish line open when it is written as a noun phrase:
# "alerting improvements for …", "stricter approvals", "rate limiting where needed".
OPEN_ENDED_WORDS = _words(
    """
    improvement improvements enhancement enhancements updates changes fixes cleanup hardening
    work needed necessary required appropriate stricter tighter faster safer stronger clearer
    simpler easier smarter greater higher lower fewer
    """
)
