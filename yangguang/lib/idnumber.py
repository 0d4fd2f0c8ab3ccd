"""Chinese resident identity numbers (公民身份号码, GB 11643-1999).

An 18-character number is laid out as::

    RRRRRR YYYYMMDD SSS C
    region birth    seq check

where the sequence code is odd for men and even for women, and the check character is ISO 7064
MOD 11-2 over the first 17 digits ("X" stands for 10).  Numbers issued before 1999 have 15 digits
(two-digit year, no check character); :func:`normalize` upgrades them so the rest of the platform
only ever stores, indexes and cross-checks the 18-character canonical form.

Error messages are Chinese because this module must stay free of Django (and so of gettext);
a view that needs another language should translate by :attr:`IdNumberError.code`.
"""

import operator
import random
from datetime import date
from typing import Final, Literal

__all__ = [
    "MIN_BIRTH_DATE",
    "ErrorCode",
    "IdNumberError",
    "birth_date",
    "checksum_char",
    "is_valid",
    "make_fake",
    "normalize",
    "region_code",
    "sex",
    "upgrade15",
]

# Stable codes for callers that show their own (translated) message instead of str(error).
ErrorCode = Literal["length", "checksum", "birth_date", "region", "chars"]

_MESSAGES: Final[dict[ErrorCode, str]] = {
    "length": "身份证号码长度应为18位（或15位旧号码）",
    "checksum": "身份证号码校验位错误",
    "birth_date": "身份证号码中的出生日期无效",
    "region": "身份证号码的地区代码无效",
    "chars": "身份证号码含有非法字符",
}

# Nobody born earlier is still alive, so an older date can only be a typing error.
MIN_BIRTH_DATE: Final = date(1890, 1, 1)

# GB 11643-1999 weights are 2^(17-i) mod 11 for positions i = 0..16.
_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS: Final = "10X98765432"
_ASCII_ZERO_BIAS: Final = ord("0") * sum(_WEIGHTS)

# GB/T 2260 province-level codes.  Only the first two digits are checked: county codes change
# every year (mergers, new districts) and old numbers keep their historical code forever, so a
# full county table would reject genuine people.
_PROVINCES: Final = frozenset(
    [f"{n}" for n in range(11, 16)]
    + [f"{n}" for n in range(21, 24)]
    + [f"{n}" for n in range(31, 38)]
    + [f"{n}" for n in range(41, 47)]
    + [f"{n}" for n in range(50, 55)]
    + [f"{n}" for n in range(61, 66)]
    + ["71", "81", "82", "83", "91"]
)

_ASCII_DIGITS: Final = frozenset("0123456789")


def _build_cleanup_table() -> dict[int, str | None]:
    """Translation table used by :func:`normalize` before validation.

    Full-width characters arrive from Chinese input methods and zero-width characters from
    copy-paste out of web pages and spreadsheets; neither is a typing mistake worth rejecting.
    Only the letter X is mapped because no other letter can appear in a valid number.
    """
    table: dict[int, str | None] = {0xFF10 + i: str(i) for i in range(10)}
    table[ord("x")] = "X"
    table[ord("ｘ")] = "X"
    table[ord("Ｘ")] = "X"
    for invisible in "\u200b\u200c\u200d\u2060\ufeff":
        table[ord(invisible)] = None
    return table


_CLEANUP: Final = _build_cleanup_table()


class IdNumberError(ValueError):
    """An identity number failed validation; ``str(e)`` is a Chinese message for the user."""

    def __init__(self, code: ErrorCode) -> None:
        """Create the error for ``code``; the message is looked up so it is always consistent."""
        self.code: ErrorCode = code
        super().__init__(_MESSAGES[code])

    def __reduce__(self) -> tuple[type["IdNumberError"], tuple[ErrorCode]]:
        # Rebuild from the code, not the message: the default would call __init__(message)
        # and break when the error crosses a process boundary (task workers, xdist).
        return (IdNumberError, (self.code,))


def _check_char(first17: str) -> str:
    """Check character for 17 ASCII digits, without validating them (hot path of make_fake)."""
    # Multiplying the ASCII codes and subtracting 48 * sum(weights) once is about three times
    # faster than converting each character; make_fake calls this a million times per seed.
    total = sum(map(operator.mul, _WEIGHTS, first17.encode("ascii"))) - _ASCII_ZERO_BIAS
    return _CHECK_CHARS[total % 11]


def checksum_char(first17: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character ("0"-"9" or "X") for 17 digits.

    Raises :class:`IdNumberError` if ``first17`` is not exactly 17 ASCII digits.
    """
    if not _ASCII_DIGITS.issuperset(first17):
        raise IdNumberError("chars")
    if len(first17) != 17:
        raise IdNumberError("length")
    return _check_char(first17)


def upgrade15(id15: str) -> str:
    """Convert a 15-digit pre-1999 number to its 18-character form.

    The two-digit year gets the century "19" (15-digit numbers were only issued in the
    twentieth century) and the check character is appended.  Only the shape is checked here;
    :func:`normalize` validates region and birth date.
    """
    if not _ASCII_DIGITS.issuperset(id15):
        raise IdNumberError("chars")
    if len(id15) != 15:
        raise IdNumberError("length")
    first17 = id15[:6] + "19" + id15[6:]
    return first17 + _check_char(first17)


def _parse_birth(id18: str) -> date:
    """Birth date encoded in digits 7-14, or IdNumberError("birth_date") if not a real date."""
    try:
        return date(int(id18[6:10]), int(id18[10:12]), int(id18[12:14]))
    except ValueError:
        raise IdNumberError("birth_date") from None


def _require_shape(id18: str) -> None:
    """Raise unless ``id18`` is 17 ASCII digits followed by a digit or "X" (no other checks)."""
    if len(id18) != 18:
        raise IdNumberError("length")
    if not (_ASCII_DIGITS.issuperset(id18[:17]) and (id18[17] in _ASCII_DIGITS or id18[17] == "X")):
        raise IdNumberError("chars")


def normalize(raw: str, *, today: date | None = None) -> str:
    """Clean up and validate an identity number; return the canonical 18-character form.

    Whitespace anywhere (including the ideographic space U+3000) and zero-width characters are
    removed, full-width digits become ASCII, "x" becomes "X", and 15-digit numbers are upgraded.
    Checks, in order: characters, length, check character, province code, birth date (a real
    date between 1890-01-01 and ``today``, which defaults to the current date).

    The check character is verified before the region and date so that a single mistyped digit
    is always reported as a checksum error, whichever field it landed in.

    Raises :class:`IdNumberError` with ``code`` set to the first failed check.
    """
    cleaned = "".join(raw.translate(_CLEANUP).split())
    if not cleaned:
        raise IdNumberError("length")
    body, last = cleaned[:-1], cleaned[-1]
    # "X" is only legal as the check character, so anywhere else it is an illegal character.
    if not (_ASCII_DIGITS.issuperset(body) and (last in _ASCII_DIGITS or last == "X")):
        raise IdNumberError("chars")
    if len(cleaned) == 15:
        if last == "X":
            # Old numbers have no check character, so an X cannot be explained as one.
            raise IdNumberError("chars")
        id18 = upgrade15(cleaned)
    elif len(cleaned) == 18:
        if _check_char(body) != last:
            raise IdNumberError("checksum")
        id18 = cleaned
    else:
        raise IdNumberError("length")

    # Province "00" is not in the table, so this also rules out an all-zero region code.
    if id18[:2] not in _PROVINCES:
        raise IdNumberError("region")

    born = _parse_birth(id18)
    if born < MIN_BIRTH_DATE or born > (today if today is not None else date.today()):
        raise IdNumberError("birth_date")
    return id18


def is_valid(raw: str, *, today: date | None = None) -> bool:
    """Return whether :func:`normalize` accepts ``raw``."""
    try:
        normalize(raw, today=today)
    except IdNumberError:
        return False
    return True


def birth_date(id18: str) -> date:
    """Birth date of a canonical 18-character number (as returned by :func:`normalize`).

    Only the shape is checked, not the checksum; raises :class:`IdNumberError` if the number
    is malformed or the date field is not a real date.
    """
    _require_shape(id18)
    return _parse_birth(id18)


def sex(id18: str) -> Literal["M", "F"]:
    """Return "M" or "F" from the 17th digit (odd sequence codes are assigned to men)."""
    _require_shape(id18)
    return "M" if int(id18[16]) % 2 else "F"


def region_code(id18: str) -> str:
    """Return the six-digit administrative division code the number was issued under.

    This is where the number was first issued, not where the person lives now.
    """
    _require_shape(id18)
    return id18[:6]


def make_fake(rng: random.Random, region: str, birth: date, sex: str) -> str:
    """Build a valid, fictional 18-character number for demo and test data.

    ``region`` is a six-digit division code with a real province prefix, ``sex`` is "M" or "F".
    The sequence code is drawn from ``rng`` (so a seeded generator gives repeatable data) with
    the parity that encodes ``sex``; "000" is never produced because it is not issued.

    Raises ``ValueError`` (a programming error, not user input) for bad arguments.
    """
    if len(region) != 6 or not _ASCII_DIGITS.issuperset(region) or region[:2] not in _PROVINCES:
        raise ValueError(f"region must be a six-digit division code, got {region!r}")
    if sex not in ("M", "F"):
        raise ValueError(f"sex must be 'M' or 'F', got {sex!r}")
    if birth < MIN_BIRTH_DATE:
        raise ValueError(f"birth date {birth} is before {MIN_BIRTH_DATE}")
    # Odd sequence codes are men: 1, 3, ..., 999; even ones women: 2, 4, ..., 998.
    if sex == "M":
        seq = 2 * rng.randrange(500) + 1
    else:
        seq = 2 * rng.randrange(1, 500)
    yyyymmdd = birth.year * 10000 + birth.month * 100 + birth.day
    first17 = f"{region}{yyyymmdd:08d}{seq:03d}"
    return first17 + _check_char(first17)
