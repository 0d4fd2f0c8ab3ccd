"""Simplified Chinese date formats: what the pages showed before the formats were named (Django's own, except the
month-day format, which drops the leading zero of the month as the pages always did)."""

DATE_FORMAT = "Y年n月j日"  # 2025年3月5日
DATETIME_FORMAT = "Y年n月j日 H:i"  # 2025年3月5日 09:30
SHORT_DATE_FORMAT = "Y年n月j日"
SHORT_DATETIME_FORMAT = "Y年n月j日 H:i"
MONTH_DAY_FORMAT = "n月j日"  # 3月5日
YEAR_MONTH_FORMAT = "Y年n月"  # 2025年3月
TIME_FORMAT = "H:i"  # 09:30
