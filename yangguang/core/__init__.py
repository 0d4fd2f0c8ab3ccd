"""Yangguang core package."""
