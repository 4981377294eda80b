"""Home-page panels of the inspections app (apps.core.home.register_panels)."""
