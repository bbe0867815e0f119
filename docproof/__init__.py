"""Proves the commands of a Markdown page against a real Docker engine."""
