"""Standards pages."""
