"""Formats for English, the second language."""
