"""Yangguang backoffice package."""
