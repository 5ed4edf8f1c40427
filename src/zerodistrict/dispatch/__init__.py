"""Dispatch: who serves whom, step by step — rule-based CEMS or optimal LP."""
