"""Responsible entities (institutions): registry, admission, credit rating, exit and restoration,
change of responsible entity and entrustment (INS-1 to INS-8, SUP-4).

Other apps use this app only through `apps.institutions.services` (credit events, status questions)
and `apps.institutions.selectors`; they never write its tables."""
