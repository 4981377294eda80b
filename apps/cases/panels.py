"""Home-page panels of the cases app (apps/core/home.py)."""
