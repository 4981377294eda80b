"""Signals other apps may listen to (they must not write this app's tables in response)."""

from django.dispatch import Signal

# Sent after an institution's admission status changed (admitted, suspended, revoked, closed...).
# Arguments: institution, status, by. The catalog suspends or resumes data grants from it (INS-4).
institution_status_changed = Signal()
