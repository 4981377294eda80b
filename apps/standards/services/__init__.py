"""The standards app's write API; each area lives in its own module."""
