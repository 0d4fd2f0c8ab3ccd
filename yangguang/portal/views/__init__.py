"""Views of the resident portal, one module per task: home (index, boards, public case pages), report,
tracking (the private follow-up link) and posters (QR codes for notice boards)."""
