"""English date formats: day, abbreviated month, year (5 Mar 2025) reads the same to British and American readers,
and a 24-hour clock matches the Chinese pages. The short formats are ISO dates, as in the dense staff tables."""

DATE_FORMAT = "j M Y"  # 5 Mar 2025
DATETIME_FORMAT = "j M Y, H:i"  # 5 Mar 2025, 09:30
SHORT_DATE_FORMAT = "Y-m-d"  # 2025-03-05
SHORT_DATETIME_FORMAT = "Y-m-d H:i"  # 2025-03-05 09:30
MONTH_DAY_FORMAT = "j M"  # 5 Mar
YEAR_MONTH_FORMAT = "F Y"  # March 2025
TIME_FORMAT = "H:i"  # 09:30
