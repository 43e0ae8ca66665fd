"""Saliency metrics (being written)."""
