"""Masking what residents type into free text before it is shown publicly.

A title or description is the resident's own words and may carry a phone or ID number ("我是302的，电话
138…"). Public pages pass them through `scrub`, which applies the platform's one masking policy
(`lib/masking`) to anything shaped like a mobile or an ID number; names and addresses cannot be found
reliably in free text, which is why a confidential case shows no text at all.
"""

from __future__ import annotations

import re

from yangguang.lib.masking import mask_id_number, mask_phone

# Digits not glued to other digits: an ID number (18, or the old 15) or a mainland mobile number.
_ID = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9Xx])")
_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def scrub(text: str) -> str:
    text = _ID.sub(lambda m: mask_id_number(m.group()) if len(m.group()) == 18 else "*" * 15, text)
    return _MOBILE.sub(lambda m: mask_phone(m.group()), text)
