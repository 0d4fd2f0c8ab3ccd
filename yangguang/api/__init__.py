"""Yangguang api package."""
