"""Blameless-language pushback on interview answers.

Every answer is checked; each blaming phrase becomes an open finding and a
reply in the thread. Editing the answer re-checks it (a phrase that is gone is
resolved, a new one is pushed back on); `keep` marks what is left as kept on
purpose. Findings never resolved stay open for the report's checklist.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.core.interview_views import FindingNotice
from bot.core.language import Finding, find_blame
from storage.models import Answer, LanguageFinding
from storage.repositories import findings

BLAME = "blame"
COUNTERFACTUAL = "counterfactual"
VAGUE = "vague-action"


def check_answer(session: Session, answer: Answer) -> list[FindingNotice]:
    """Record the blame in a new answer; the notices to push back with."""
    return [add(session, answer, found) for found in find_blame(answer.text)]


def recheck_answer(session: Session, answer: Answer) -> list[FindingNotice]:
    """After an edit: resolve phrases that are gone, push back on new ones only."""
    found = find_blame(answer.text)
    still_there = {_key(f.phrase) for f in found}
    known: set[str] = set()
    answer_findings = findings.for_answer(session, answer.id)
    for finding in (f for f in answer_findings if f.kind in (BLAME, COUNTERFACTUAL)):
        if _key(finding.phrase) in still_there and finding.status != findings.RESOLVED:
            known.add(_key(finding.phrase))
        elif finding.status == findings.OPEN:
            finding.status = findings.RESOLVED
    return [add(session, answer, f) for f in found if _key(f.phrase) not in known]


def is_held(session: Session, answer: Answer) -> bool:
    """Blaming wording of this answer is still open: neither edited away nor kept."""
    return any(
        f.status == findings.OPEN and f.kind in (BLAME, COUNTERFACTUAL)
        for f in findings.for_answer(session, answer.id)
    )


def add(
    session: Session, answer: Answer, found: Finding, action_item_id: int | None = None
) -> FindingNotice:
    finding = LanguageFinding(
        team_id=answer.team_id,
        postmortem_id=answer.postmortem_id,
        answer_id=answer.id,
        action_item_id=action_item_id,
        kind=found.kind,
        phrase=found.phrase,
        status=findings.OPEN,
    )
    session.add(finding)
    session.flush()
    return FindingNotice(
        finding.id, found.kind, found.phrase, found.why, found.suggestion, answer.author_id
    )


def resolve_open(session: Session, answer_id: int, kind: str) -> None:
    for finding in findings.for_answer(session, answer_id, kind):
        if finding.status == findings.OPEN:
            finding.status = findings.RESOLVED


def keep(session: Session, postmortem_id: int, user_id: str) -> tuple[Answer, list[str]] | None:
    """Keep the open findings of the person's latest flagged answer (anyone's if they have none).

    Returns the answer and the kinds kept, or None when nothing was open.
    """
    answer = findings.latest_open_answer(session, postmortem_id, user_id)
    answer = answer or findings.latest_open_answer(session, postmortem_id)
    if answer is None:
        return None
    kinds: list[str] = []
    for finding in findings.for_answer(session, answer.id):
        if finding.status == findings.OPEN:
            finding.status = findings.KEPT
            kinds.append(finding.kind)
    return answer, kinds


def record_replies(session: Session, finding_ids: list[int], reply_ts: str) -> None:
    """Remember the bot's reply, so the report can link to the conversation."""
    for finding_id in finding_ids:
        finding = findings.get(session, finding_id)
        if finding is not None:
            finding.reply_ts = reply_ts


def _key(phrase: str) -> str:
    return " ".join(phrase.lower().split())
