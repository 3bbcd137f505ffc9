"""`onewindow assistant evaluate [--split dev|held_out|all] [--sample N] [--failures]`: the
assistant measured on its labelled questions against the published catalogue;
`onewindow assistant unanswered [--days N]`: the questions to grow the lexicon from."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from onewindow.assistant import evaluation, selectors


class Command(BaseCommand):
    help = "Measure the service assistant, and list the questions it could not answer."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        evaluate = commands.add_parser("evaluate", help="top-1/top-3 accuracy, refusals")
        evaluate.add_argument("--split", choices=[*evaluation.SPLITS, "all"], default="held_out")
        evaluate.add_argument("--sample", type=int, default=0, help="a fixed sample of N")
        evaluate.add_argument("--failures", action="store_true", help="list what went wrong")
        unanswered = commands.add_parser("unanswered", help="questions to learn from")
        unanswered.add_argument("--days", type=int, default=30)

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "evaluate":
            self._evaluate(options["split"], options["sample"], options["failures"])
        else:
            since = timezone.now() - timedelta(days=options["days"])
            for text, outcome, count in selectors.questions_to_learn_from(since=since):
                self.stdout.write(f"{count:5d}  {outcome:13s} {text}")

    def _evaluate(self, split: str, size: int, failures: bool) -> None:
        index = selectors.catalogue_index()
        if not index.documents:
            raise CommandError("No published services: seed the catalogue first.")
        splits = evaluation.SPLITS if split == "all" else (split,)
        questions = [q for name in splits for q in evaluation.load(name)]
        if size:
            questions = evaluation.sample(questions, size)
        for language in ("zh", "en", ""):
            chosen = [q for q in questions if not language or q.language == language]
            figures, _ = evaluation.evaluate(chosen, index, selectors.source_text)
            title = f"{split} {language or 'both languages'} ({len(index.documents)} services)"
            self.stdout.write("\n".join(figures.lines(title)))
            if failures and not language:
                self.stdout.write("\n".join(f"  - {line}" for line in figures.failures))
