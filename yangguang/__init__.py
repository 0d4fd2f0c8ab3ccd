"""Yangguang (阳光社区): community supervision and governance platform."""
