"""China's working-day calendar: the exceptions to "Monday to Friday are working days".

Deadlines such as "review within 20 working days" (SVC-2, SEC-6) are counted in working days. A
weekday is a working day unless it is a public holiday rest day; a Saturday or Sunday is a rest day
unless the State Council has scheduled a make-up working day (调休) on it. Only those exceptions are
stored, one row per date; everything else follows from the day of the week.
"""

from django.db import models
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from apps.core.history import TrackedModel

# The official holiday names, as English source strings, so that the names loaded from the fixture
# (see build_holiday_fixture) are shown in the user's language. Names an administrator types in
# are shown as typed.
OFFICIAL_HOLIDAY_NAMES = {
    "New Year's Day": _("New Year's Day"),  # 元旦
    "Spring Festival": _("Spring Festival"),  # 春节
    "Tomb-sweeping Day": _("Tomb-sweeping Day"),  # 清明节
    "Labour Day": _("Labour Day"),  # 劳动节
    "Dragon Boat Festival": _("Dragon Boat Festival"),  # 端午节
    "Mid-autumn Festival": _("Mid-autumn Festival"),  # 中秋节
    "National Day": _("National Day"),  # 国庆节
}


class CalendarDay(TrackedModel):
    """A date whose working/rest status differs from what its day of the week implies."""

    class Kind(models.TextChoices):
        # Translators: 法定节假日 — a weekday on which people rest because of a public holiday.
        HOLIDAY = "holiday", _("Public holiday (rest day)")
        # Translators: 调休上班 — a Saturday or Sunday that is a working day to make up for a holiday.
        WORKDAY = "workday", _("Make-up working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(
        _("holiday name"),
        max_length=64,
        help_text=_("The holiday this day belongs to, for example Spring Festival."),
    )
    note = models.CharField(
        _("note"),
        max_length=255,
        blank=True,
        help_text=_("Optional: for example the notice that announced the arrangement."),
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.display_name} ({self.get_kind_display()})"

    @property
    def display_name(self):
        """The holiday name in the active language when it is one of the official names."""
        return OFFICIAL_HOLIDAY_NAMES.get(self.name, self.name)


# Every change to the calendar, however it is made (services, the admin, a shell), must reach the
# cached copies the deadline calculations read; bulk loads invalidate explicitly because bulk_create
# sends no signals.
@receiver(post_save, sender=CalendarDay, dispatch_uid="workdays.calendarday.saved")
@receiver(post_delete, sender=CalendarDay, dispatch_uid="workdays.calendarday.deleted")
def _calendar_changed(sender, **kwargs):
    from . import services  # services imports this module

    services.calendar_cache_invalidate()
