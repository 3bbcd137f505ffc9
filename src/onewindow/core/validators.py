"""Validators for the identifiers people type: resident ID, credit code, mobile, postal code.

Each `validate_*` raises `django.core.exceptions.ValidationError` with a translatable
message naming the rule that failed and a stable `code`. Validators check a value strictly;
callers first pass what a person typed through the matching `normalise_*` function.

Standards: GB 11643-1999 (citizen identity number, ISO 7064 MOD 11-2 check character),
GB 32100-2015 (unified social credit code, MOD 31 check character), GB 11714-1997
(organisation code, used only when generating codes).
"""

from __future__ import annotations

import random
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

SHANGHAI = ZoneInfo("Asia/Shanghai")

# --- Resident identity number (GB 11643-1999) ---------------------------------------------

RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK_CHARACTERS = "10X98765432"  # indexed by (weighted sum mod 11)
EARLIEST_BIRTH_DATE = date(1900, 1, 1)

# Province-level codes of GB/T 2260, plus 83: the residence permits of Taiwan residents
# (港澳台居民居住证, 2018) number their holders under 810000, 820000 and 830000.
PROVINCE_CODES = frozenset(
    [
        *range(11, 16),
        *range(21, 24),
        *range(31, 38),
        *range(41, 47),
        *range(50, 55),
        *range(61, 66),
        71,
        81,
        82,
        83,
    ]
)

_RESIDENT_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_SEVENTEEN_DIGITS = re.compile(r"[0-9]{17}")
_SIX_DIGITS = re.compile(r"[0-9]{6}")


def normalise_resident_id(value: str) -> str:
    """What a person typed, without spaces and with a lowercase check `x` made uppercase."""
    return "".join(value.split()).upper()


def resident_id_check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits of a resident ID."""
    if not _SEVENTEEN_DIGITS.fullmatch(first17):
        raise ValueError("a resident ID check character needs exactly 17 digits")
    total = sum(
        int(digit) * weight for digit, weight in zip(first17, RESIDENT_ID_WEIGHTS, strict=True)
    )
    return RESIDENT_ID_CHECK_CHARACTERS[total % 11]


def birth_date_from_resident_id(value: str) -> date:
    """The date of birth in digits 7–14. Raises ValueError if they are not a calendar date."""
    digits = value[6:14]
    if not digits.isdigit() or len(digits) != 8:
        raise ValueError("digits 7 to 14 of a resident ID must be a date as YYYYMMDD")
    return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))


def sex_from_resident_id(value: str) -> str:
    """The sex recorded in the 17th digit: "male" if it is odd, else "female"."""
    digit = value[16:17]
    if not digit.isdigit():
        raise ValueError("the 17th character of a resident ID must be a digit")
    return "male" if int(digit) % 2 == 1 else "female"


def validate_resident_id(value: str, *, today: date | None = None) -> None:
    """Check a normalised resident ID number; `today` defaults to the date in Asia/Shanghai."""
    if len(value) != 18:
        raise ValidationError(
            _("A resident ID number has 18 characters; this one has %(length)s."),
            code="resident_id_length",
            params={"length": len(value)},
        )
    if not _RESIDENT_ID_SHAPE.fullmatch(value):
        raise ValidationError(
            _("A resident ID number is 17 digits followed by a digit or the letter X."),
            code="resident_id_characters",
        )
    if int(value[:2]) not in PROVINCE_CODES:
        raise ValidationError(
            _("The first two digits, %(province)s, are not a province code."),
            code="resident_id_province",
            params={"province": value[:2]},
        )
    try:
        birth = birth_date_from_resident_id(value)
    except ValueError:
        raise ValidationError(
            _("Digits 7 to 14 must be a real date of birth (YYYYMMDD)."),
            code="resident_id_birth_date",
        ) from None
    if birth > (today if today is not None else datetime.now(SHANGHAI).date()):
        raise ValidationError(
            _("The date of birth in digits 7 to 14 is in the future."),
            code="resident_id_birth_date_future",
        )
    if birth < EARLIEST_BIRTH_DATE:
        raise ValidationError(
            _("The date of birth in digits 7 to 14 is before 1900."),
            code="resident_id_birth_date_too_early",
        )
    expected = resident_id_check_character(value[:17])
    if value[17] != expected:
        raise ValidationError(
            _("The check character does not match: the last character should be %(expected)s."),
            code="resident_id_check_character",
            params={"expected": expected},
        )


def generate_resident_id(
    rng: random.Random, *, division_code: str, birth: date, sex: str | None = None
) -> str:
    """A valid resident ID for demo data and tests: a 6-digit county code, the birth date,
    a random sequence number (odd for "male", even for "female", either if `sex` is None)."""
    if not _SIX_DIGITS.fullmatch(division_code):
        raise ValueError("division_code must be a 6-digit county-level code")
    sequence = rng.randrange(1000)
    if sex is not None:
        if sex not in ("male", "female"):
            raise ValueError('sex must be "male", "female" or None')
        if (sequence % 2 == 1) != (sex == "male"):
            sequence = sequence + 1 if sequence < 999 else sequence - 1
    first17 = f"{division_code}{birth:%Y%m%d}{sequence:03d}"
    return first17 + resident_id_check_character(first17)


# --- Unified social credit code (GB 32100-2015) ---------------------------------------------

# The 31 characters of the code: digits and capitals without I, O, Z, S, V.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_CODE_VALUES = {character: index for index, character in enumerate(CREDIT_CODE_ALPHABET)}

# GB 11714 organisation code (chars 9–17): 8 body characters, then a MOD 11 check.
_ORGANISATION_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def credit_code_check_character(first17: str) -> str:
    """The GB 32100 check character: 31 - (weighted sum mod 31), with 31 written as 0."""
    if len(first17) != 17 or any(c not in _CREDIT_CODE_VALUES for c in first17):
        raise ValueError("a credit code check character needs 17 characters of its alphabet")
    total = sum(
        _CREDIT_CODE_VALUES[character] * weight
        for character, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """Check a unified social credit code (uppercase, no spaces).

    The organisation code's own GB 11714 check digit (character 17) is not required:
    codes issued by some registries and many generators do not satisfy it, while the
    MOD 31 check already rejects every single-character substitution.
    """
    if len(value) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(length)s."),
            code="credit_code_length",
            params={"length": len(value)},
        )
    if any(character not in _CREDIT_CODE_VALUES for character in value):
        raise ValidationError(
            _(
                "A unified social credit code uses only digits and capital letters "
                "other than I, O, S, V and Z."
            ),
            code="credit_code_characters",
        )
    if not value[2:8].isdigit():
        raise ValidationError(
            _("Characters 3 to 8 must be the six-digit administrative division code."),
            code="credit_code_division",
        )
    expected = credit_code_check_character(value[:17])
    if value[17] != expected:
        raise ValidationError(
            _("The check character does not match: the last character should be %(expected)s."),
            code="credit_code_check_character",
            params={"expected": expected},
        )


def _organisation_code_check_character(body: str) -> str:
    total = sum(int(c, 36) * w for c, w in zip(body, _ORGANISATION_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def generate_credit_code(rng: random.Random, *, division_code: str) -> str:
    """A valid credit code of a company registered by market regulation ("91"), for demo
    data and tests, whose organisation code also carries a correct GB 11714 check digit."""
    if not _SIX_DIGITS.fullmatch(division_code):
        raise ValueError("division_code must be a 6-digit county-level code")
    body = "".join(rng.choice(CREDIT_CODE_ALPHABET) for _ in range(8))
    first17 = f"91{division_code}{body}{_organisation_code_check_character(body)}"
    return first17 + credit_code_check_character(first17)


# --- Mobile numbers and postal codes ---------------------------------------------------------

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_POSTAL_CODE = re.compile(r"[0-9]{6}")
_MOBILE_SEPARATORS = re.compile(r"[\s\-()]")


def normalise_mobile(value: str) -> str:
    """What a person typed, without spaces, hyphens, brackets or a +86 / 0086 / 86 prefix."""
    digits = _MOBILE_SEPARATORS.sub("", value)
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            return digits[len(prefix) :]
    if len(digits) == 13 and digits.startswith("86"):
        return digits[2:]
    return digits


def validate_mobile(value: str) -> None:
    """Check a normalised mainland China mobile number: 11 digits starting 13–19."""
    if not _MOBILE.fullmatch(value):
        raise ValidationError(
            _("A mobile number has 11 digits and starts with 13 to 19."),
            code="mobile_format",
        )


def validate_postal_code(value: str) -> None:
    """Check a mainland China postal code: 6 digits whose first two name a region (01–86)."""
    if not _POSTAL_CODE.fullmatch(value):
        raise ValidationError(
            _("A postal code has 6 digits."),
            code="postal_code_format",
        )
    if not 1 <= int(value[:2]) <= 86:
        raise ValidationError(
            _("The first two digits of a postal code must be between 01 and 86."),
            code="postal_code_region",
        )
