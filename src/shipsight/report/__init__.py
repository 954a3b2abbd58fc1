"""Analyst outputs: the HTML map report, the oil-cap tracker, evidence packs."""
