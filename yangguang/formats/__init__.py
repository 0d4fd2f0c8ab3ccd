"""Per-language date formats (settings.FORMAT_MODULE_PATH).

Templates and code name a format (``|date:"DATE_FORMAT"``) instead of spelling one out, so a Chinese page shows
2025年3月5日 and an English page 5 Mar 2025. Each package is named as ``django.utils.translation.to_locale`` names
the language (``zh-hans`` -> ``zh_Hans``). Anything not defined here (input formats, number separators, first day of
the week) falls back to Django's own locale module for the language.
"""
