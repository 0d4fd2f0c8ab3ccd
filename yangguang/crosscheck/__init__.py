"""Yangguang crosscheck package."""
