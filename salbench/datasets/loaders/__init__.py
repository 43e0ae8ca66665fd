"""Parsers for the datasets' native file formats (no policy: the registry decides conversions)."""
