"""Saliency cropping: crop rules, crop boxes, scoring crops against human fixations, overlays.

The public names are re-exported by :mod:`salbench.crop`; see there.
"""
