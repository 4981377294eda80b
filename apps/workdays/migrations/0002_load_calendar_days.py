"""Load China's published holiday arrangements (fixtures/calendar_days.json) into a new database.

Uses the historical model, so no history rows are written: the committed fixture is the record of
where these days came from. Reversing leaves the rows; reversing 0001 drops the table anyway.
"""

from django.db import migrations


def load_calendar_days(apps, schema_editor):
    from apps.workdays.services import calendar_days_load

    calendar_days_load(model=apps.get_model("workdays", "CalendarDay"))


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial")]

    operations = [migrations.RunPython(load_calendar_days, migrations.RunPython.noop, elidable=False)]
