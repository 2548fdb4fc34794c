"""Synthetic REES46-shaped event data: catalogue, population, sessions, month files."""
