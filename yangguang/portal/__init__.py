"""Yangguang portal package."""
