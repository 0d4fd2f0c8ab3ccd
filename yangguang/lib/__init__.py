"""Django-free helpers shared by the whole platform (ID numbers, masking, field crypto)."""
