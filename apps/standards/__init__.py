"""Health-data standards: registry, lifecycle, plans, adoption, conformance and effectiveness (STD-1 to STD-8).

Other apps read standards through `apps.standards.selectors` (for example the catalog links resources to
the standards they follow) and never write these tables."""
