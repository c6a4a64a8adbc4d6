"""The one mechanism that keeps the bot's messages within Slack's limits."""

from __future__ import annotations

from bot.sandbox.block_limits import message_problems, view_problems
from bot.slack import limits
from bot.slack.blocks import header, section
from bot.slack.controls import button, option, plain


def test_shorten_cuts_at_a_space_and_never_inside_a_mention_or_an_escape() -> None:
    text = "Paged " + "x" * 2985 + " <@U0BOB> &amp; more"
    short = limits.shorten(text, 3000)

    assert len(short) <= 3000 and short.endswith("…")
    assert "<@U0B" not in short.replace("<@U0BOB>", ""), "no half mention"
    assert not short.rstrip("…").endswith("&am")
    assert limits.shorten("fits", 10) == "fits"


def test_pieces_put_back_together_are_the_text() -> None:
    text = ("The pool was sized per pod <https://example.com/x|runbook> &lt;5&gt;. " * 120).strip()
    parts = limits.pieces(text)

    assert "".join(parts) == text
    assert all(len(part) <= limits.SECTION_TEXT for part in parts) and len(parts) == 3
    assert all(part.count("<") == part.count(">") for part in parts)


def test_fit_message_shortens_a_long_section_and_keeps_its_full_text_for_the_thread() -> None:
    long = "a " * 2000
    fitted = limits.fit_message("fallback", [section("short"), section(long)] + [section("x")] * 60)

    assert message_problems(fitted.text, fitted.blocks) is None
    assert len(fitted.blocks) == 50 and "more blocks" in fitted.blocks[-1]["elements"][0]["text"]
    assert fitted.spilled == [long]
    (follow_up,) = limits.full_text_messages(fitted.spilled)
    assert message_problems(*follow_up) is None
    assert "".join(b["text"]["text"] for b in follow_up[1][1:]) == long


def test_labels_are_shortened_where_they_are_built() -> None:
    assert len(header("h" * 400)["text"]["text"]) == 150
    assert button("b" * 100, "id", "v")["text"]["text"].endswith("…")
    assert len(option("o" * 100, "v" * 200)["text"]["text"]) == 75
    assert (
        plain("Deadline of AI-001 and more", limits.VIEW_TITLE)["text"] == "Deadline of AI-001 and…"
    )
    view = limits.fit_view(
        {"type": "modal", "title": plain("t" * 40, 75), "blocks": [section("s")] * 120}
    )
    assert view_problems(view) == []


def test_an_answer_through_respond_is_fitted_and_its_full_text_follows_not_replacing_it() -> None:
    answers: list[dict[str, object]] = []
    long = "why " * 1500

    limits.fitting(lambda **answer: answers.append(answer))(
        response_type="ephemeral", text="preview", blocks=[section(long)], replace_original=False
    )

    first, *more = answers
    assert message_problems(first["text"], first["blocks"]) is None
    assert more and all(a["replace_original"] is False for a in more)
    assert all(a["response_type"] == "ephemeral" for a in more)
    assert "".join(b["text"]["text"] for a in more for b in a["blocks"][1:]) == long  # type: ignore[index, union-attr]


def test_an_ack_that_answers_is_fitted_once() -> None:
    answers: list[dict[str, object]] = []
    limits.fitting(lambda **answer: answers.append(answer), once=True)(
        text="x", blocks=[section("y" * 5000)]
    )
    (only,) = answers
    assert message_problems(only["text"], only["blocks"]) is None
