"""What payments announces to the apps above it (docs/ARCHITECTURE.md, "Signals").

`payment_confirmed(payment=...)` is sent on commit, once per payment, when the provider's
signed webhook or the status query confirmed it (never the return URL);
`payment_refunded(payment=..., refund=...)` on commit when a refund is confirmed. The apps
that own what was paid for move it on; `appointments.receipts` queues the e-receipt for
the worker (signing stays out of the webhook's request).
A receiver that did not run (a crash between commit and on-commit) is caught up by
`payments.tasks.tick`, which sends the signal again for confirmed payments without a receipt:
receivers are written to be repeated."""

from django.dispatch import Signal

payment_confirmed = Signal()
payment_refunded = Signal()
