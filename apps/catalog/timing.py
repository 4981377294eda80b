"""The catalog's time limits in one place (SVC-2, SVC-3). Working days follow apps.workdays."""

# Working days a step has, by kind, counted from the day it becomes active.
STEP_WORKING_DAYS = {
    "provider": 10,
    "provider_municipal": 15,
    "provider_provincial": 15,
    "applicant_provincial": 15,
    "national": 20,
}
# Reviewers are reminded once when a step is due within this many working days.
STEP_REMINDER_WORKING_DAYS = 2
# Working days a department has to review a catalog entry (shown as its due date).
RESOURCE_REVIEW_WORKING_DAYS = 10
# Recipients are reminded once this many days before a grant ends.
GRANT_EXPIRY_REMINDER_DAYS = 30
# Calendar days after a grant ends (expiry or revocation) by which the destruction certificate is due.
DESTRUCTION_CERTIFICATE_DAYS = 30
# A progress report is due every this many months of a grant; the final report this many days after its end.
PROGRESS_REPORT_MONTHS = 6
FINAL_REPORT_DAYS = 30
# Longest period one application may request (a renewal continues it).
MAX_PERIOD_DAYS = 3 * 365
