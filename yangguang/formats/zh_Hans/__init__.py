"""Formats for Simplified Chinese, the default language."""
