"""Home-page panels of the institutions app (filled as its areas land)."""
