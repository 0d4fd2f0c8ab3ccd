"""The one platform-wide masking policy for personal data shown to people without full access.

Every kind of value has exactly one mask, and every page, export and public notice goes through
this module.  That is the whole point: if one screen showed the first six digits of an ID number
and another the last eight, a reader with both could rebuild it.  Do not add a second mask for
an existing kind; change the policy here, for everyone.

Each function depends only on the text it is given, so the same value always masks the same way.
Callers should pass values in canonical form (for ID numbers, what ``idnumber.normalize`` returns).
"""

import unicodedata
from collections.abc import Callable
from typing import Final

__all__ = [
    "MASKERS",
    "mask",
    "mask_address",
    "mask_bank_account",
    "mask_id_number",
    "mask_name",
    "mask_phone",
]

STAR: Final = "*"

# Building markers for addresses: the building is needed to organise work in a neighbourhood
# (楼栋长, door-to-door visits) and is shared by dozens of households; the unit and room are not.
_BUILDING_MARKERS: Final = ("号楼", "栋", "幢")

# Characters that may appear in a romanised name besides letters and spaces.
_LATIN_NAME_PUNCTUATION: Final = frozenset("-'.")


def _is_latin_name(name: str) -> bool:
    """Whether every character is a Latin letter, a space or name punctuation ("O'Neil")."""
    return all(
        ch.isspace()
        or ch in _LATIN_NAME_PUNCTUATION
        or (ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN "))
        for ch in name
    )


def mask_name(name: str) -> str:
    """Mask a person's name.

    Chinese names: one character becomes "*", two keep the surname ("张*"), three or more keep
    the first and last character ("张*丰", "欧**娜").  Latin-script names keep the first letter
    of each word ("J*** S****").  Surrounding whitespace is ignored; empty input gives "".

    Any other script falls back to the Chinese rule, which never shows more than two characters.
    """
    name = name.strip()
    if not name:
        return ""
    if _is_latin_name(name):
        return " ".join(word[0] + STAR * (len(word) - 1) for word in name.split())
    if len(name) == 1:
        return STAR
    if len(name) == 2:
        return name[0] + STAR
    return name[0] + STAR * (len(name) - 2) + name[-1]


def mask_id_number(id18: str) -> str:
    """Mask an identity number: first 3 and last 4 characters of an 18-character number.

    "11010519491231002X" becomes "110***********002X": the province/city prefix and the
    sequence and check characters stay, the county and full birth date are hidden.  Anything
    that is not 18 characters long (15-digit old numbers, typos) keeps only its first and last
    character, and values of five characters or fewer are starred completely.  The output has
    the same length as the (stripped) input.
    """
    value = id18.strip()
    if len(value) == 18:
        return value[:3] + STAR * 11 + value[14:]
    if len(value) <= 5:
        return STAR * len(value)
    return value[0] + STAR * (len(value) - 2) + value[-1]


def _digit_value(ch: str) -> str:
    """ASCII digit for any Unicode decimal digit (full-width digits are still digits)."""
    return str(unicodedata.decimal(ch))


def _phone_visible_digits(digits: str) -> set[int]:
    """Indexes into ``digits`` (the number's digits only) that the phone mask leaves visible."""
    # Mobile numbers, optionally preceded by the country code 86 or 0086: keep the country code,
    # the carrier prefix (3 digits) and the last 4.
    for prefix in ("", "86", "0086"):
        start = len(prefix)
        if len(digits) == start + 11 and digits.startswith(prefix) and digits[start] == "1":
            return set(range(start + 3)) | set(range(start + 7, start + 11))
    # Landlines with area code: 010 and 02x are three digits long, all others four.
    if digits.startswith("0") and len(digits) >= 10:
        area = 3 if digits[1] in "12" else 4
        return set(range(area)) | {len(digits) - 2, len(digits) - 1}
    # Anything else: last two digits, unless that would leave almost nothing hidden.
    if len(digits) >= 5:
        return {len(digits) - 2, len(digits) - 1}
    return set()


def mask_phone(phone: str) -> str:
    """Mask a phone number, replacing hidden digits with "*" and keeping separators in place.

    Mobile "13812345678" becomes "138****5678" ("+86 138 1234 5678" becomes
    "+86 138 **** 5678"); landline "0731-84561234" becomes "0731-******34"; anything else keeps
    only its last two digits.  Full-width digits are treated as digits, so they are masked too.
    The output has the same length as the (stripped) input.
    """
    value = phone.strip()
    positions = [i for i, ch in enumerate(value) if ch.isdecimal()]
    digits = "".join(_digit_value(value[i]) for i in positions)
    visible = _phone_visible_digits(digits)
    chars = list(value)
    for n, i in enumerate(positions):
        if n not in visible:
            chars[i] = STAR
    return "".join(chars)


def mask_address(text: str) -> str:
    """Mask a street address down to the building.

    Everything up to and including the last 栋, 幢 or 号楼 is kept and the rest (unit, floor,
    room) becomes "****": "阳光小区3栋2单元501" becomes "阳光小区3栋****".  Without a building
    marker the first six characters are kept.  "****" is always appended, so the mask does not
    reveal whether anything followed.  Empty input gives "".
    """
    value = text.strip()
    if not value:
        return ""
    cut = max(
        (value.rfind(marker) + len(marker) for marker in _BUILDING_MARKERS if marker in value),
        default=-1,
    )
    if cut < 0:
        cut = 6
    return value[:cut] + STAR * 4


def mask_bank_account(acct: str) -> str:
    """Mask a bank account or card number to "****" plus its last four characters.

    Whitespace is ignored ("6222 0212 3456 7890 123" becomes "****0123"), and the star count is
    fixed so the mask does not reveal the account's length.  Values of four characters or fewer
    become "****".  Empty input gives "".
    """
    value = "".join(acct.split())
    if not value:
        return ""
    if len(value) <= 4:
        return STAR * 4
    return STAR * 4 + value[-4:]


MASKERS: dict[str, Callable[[str], str]] = {
    "name": mask_name,
    "id_number": mask_id_number,
    "phone": mask_phone,
    "address": mask_address,
    "bank_account": mask_bank_account,
}


def mask(kind: str, value: str) -> str:
    """Mask ``value`` with the policy for ``kind`` (a key of :data:`MASKERS`).

    Raises ``ValueError`` for an unknown kind rather than showing the value unmasked.
    """
    try:
        masker = MASKERS[kind]
    except KeyError:
        raise ValueError(f"no masking policy for kind {kind!r}") from None
    return masker(value)
