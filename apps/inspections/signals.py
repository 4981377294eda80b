"""Signals of the inspections app for other apps to react to without this app knowing them."""

from django.dispatch import Signal

# Sent by services.referral.finding_refer inside its transaction, after the finding is marked referred:
# kwargs `finding` (the Finding), `note` (the grounds), `by` (the referring user). The accountability-case
# app (next issue) opens a case from it; a receiver's writes commit or roll back with the referral.
finding_referred = Signal()
