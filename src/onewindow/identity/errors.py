from django.utils.translation import gettext_lazy as _

from onewindow.core.errors import Conflict

DUPLICATE_ID_NUMBER = _("An account with this resident ID number already exists.")
DUPLICATE_MOBILE = _("An account with this mobile number already exists.")
DUPLICATE_CREDIT_CODE = _("A business with this unified social credit code is already registered.")


class DuplicateRegistration(Conflict):
    code = "duplicate_registration"
