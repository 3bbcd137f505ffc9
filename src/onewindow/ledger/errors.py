"""Errors the ledger raises, with stable codes for problem+json."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from onewindow.core.errors import Conflict, DomainError, NotFound

PERSONAL_DATA = _("The ledger is public: %(what)s looks like personal data and is not recorded.")
UNKNOWN_ENTRY = _("No ledger entry has this index or leaf hash.")
NOT_INTEGRATED = _("Entry %(index)s is not yet included in a published checkpoint.")
SIZE_BEYOND_TREE = _("Tree size %(size)s is beyond the published tree of %(tree_size)s entries.")
INDEX_BEYOND_TREE = _("Index %(index)s is not inside a tree of %(tree_size)s entries.")
SIZES_OUT_OF_ORDER = _("The first tree size must not exceed the second.")
RANGE_INVALID = _("The range must start before it ends and span at most %(limit)s entries.")


class LedgerError(DomainError):
    code = "ledger_invalid"


class PersonalDataRefused(LedgerError):
    code = "ledger_personal_data"


class UnknownEntry(NotFound):
    code = "ledger_unknown_entry"


class NotYetIntegrated(Conflict):
    code = "ledger_not_integrated"


class TreeSizeOutOfRange(LedgerError):
    code = "ledger_tree_size_out_of_range"
