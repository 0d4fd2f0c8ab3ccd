"""Chinese phone numbers: one normaliser for the registry, imports and case intake."""

from __future__ import annotations

import re
import unicodedata

_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{9,11}")
_SEPARATORS = re.compile(r"[\s\-()（）]")

MESSAGE = "请输入以1开头的11位手机号码，或带区号的固定电话（例如 0731-84561234）。"


class PhoneError(ValueError):
    """The text is not a usable phone number; str() is the Chinese message for the user."""

    def __init__(self) -> None:
        super().__init__(MESSAGE)


def normalize_phone(raw: str) -> str:
    """Canonical form: an 11-digit mobile, or a landline as "0731-84561234".

    Full-width characters are folded (NFKC); spaces, hyphens and brackets dropped; a +86/0086 prefix
    removed from mobiles. Area codes follow the national plan: 010 and 02x have three digits, all others
    four; the local number has 7 or 8 digits.
    """
    value = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw))
    for prefix in ("+86", "0086"):
        rest = value.removeprefix(prefix)
        if rest != value and _MOBILE.fullmatch(rest):
            return rest
    if _MOBILE.fullmatch(value):
        return value
    if _LANDLINE.fullmatch(value):
        area_length = 3 if value[1] in "12" else 4
        local = value[area_length:]
        if 7 <= len(local) <= 8:
            return f"{value[:area_length]}-{local}"
    raise PhoneError()
