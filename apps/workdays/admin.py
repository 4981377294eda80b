"""The holiday calendar as administrators maintain it. Edits are checked by the same rule as
`services.calendar_day_set`, recorded in the history with the signed-in user (SimpleHistoryAdmin)
and invalidate the cached calendar through the model's save/delete signals."""

from django import forms
from django.contrib import admin
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from apps.core import errors

from .models import OFFICIAL_HOLIDAY_NAMES, CalendarDay
from .services import calendar_day_validate


class CalendarDayForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ["date", "kind", "name", "note"]

    def clean(self):
        cleaned = super().clean()
        # Only when every field parsed: otherwise the field errors already say what is wrong.
        if not any(field in self.errors for field in ("date", "kind", "name", "note")):
            try:
                calendar_day_validate(day=cleaned["date"], kind=cleaned["kind"], name=cleaned["name"],
                                      note=cleaned.get("note", ""))
            except errors.ValidationFailed as failure:
                if not failure.field_errors:
                    raise forms.ValidationError(failure.message) from failure
                for field, messages in failure.field_errors.items():
                    for message in messages:
                        self.add_error(field if field in self.fields else None, message)
        return cleaned


class YearListFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = model_admin.get_queryset(request).dates("date", "year", order="DESC")
        return [(str(day.year), str(day.year)) for day in years]

    def queryset(self, request, queryset):
        if self.value():
            try:
                return queryset.filter(date__year=int(self.value()))
            except ValueError:
                return queryset.none()
        return queryset


@admin.register(CalendarDay)
class CalendarDayAdmin(SimpleHistoryAdmin):
    form = CalendarDayForm
    list_display = ["date", "weekday", "kind", "display_name", "note"]
    list_filter = ["kind", YearListFilter]
    search_fields = ["name", "note"]
    date_hierarchy = "date"
    ordering = ["date"]
    list_per_page = 100

    @admin.display(description=_("day of the week"))
    def weekday(self, obj):
        # Shown so that an administrator sees at a glance why a row is a holiday or a make-up day.
        return WEEKDAYS[obj.date.weekday()]

    @admin.display(description=_("holiday name"), ordering="name")
    def display_name(self, obj):
        return obj.display_name

    def get_search_results(self, request, queryset, search_term):
        # Official names are stored as English source text; let "春节" find "Spring Festival" too.
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip().lower()
        if term:
            stored = [source for source, shown in OFFICIAL_HOLIDAY_NAMES.items() if term in str(shown).lower()]
            if stored:
                results |= queryset.filter(name__in=stored)
        return results, may_have_duplicates
