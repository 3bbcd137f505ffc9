"""The demo's assistant log: a few questions residents asked, through the real service, so
`onewindow assistant unanswered` has something to show: some answered and followed, some
answered and left, some no guide answers."""

from __future__ import annotations

from onewindow.assistant import services
from onewindow.assistant.models import AskedQuestion

# (question, what the resident did next: "apply", "guide", "" for nothing, "no" for "not useful")
QUESTIONS = (
    ("我妈退休了养老金怎么领", "guide"),
    ("my shop needs a food licence", "apply"),
    ("开个小卖部要办什么", "apply"),
    ("身份证丢了咋整", ""),
    ("孩子的疫苗本找不到了", ""),
    ("how do I get a fishing boat licence for my uncle", "no"),
    ("我头疼该吃什么药", ""),
    ("想在村口开个小超市", ""),
)


def seed_assistant_questions() -> int:
    """Ask the demo's questions once (none when the log already has some)."""
    if AskedQuestion.objects.exists():
        return 0
    for question, next_step in QUESTIONS:
        asked = services.ask(question)
        if asked.answer.document is None:
            continue
        if next_step == "no":
            services.rate(asked.token, is_useful=False)
        elif next_step:
            services.follow(asked.token, next_step)
    return len(QUESTIONS)
