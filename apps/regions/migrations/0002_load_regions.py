"""Load the administrative divisions (fixtures/regions.json, GB/T 2260 codes as published by the
Ministry of Civil Affairs) into a new database.

Uses the historical model. Reversing leaves the rows; reversing 0001 drops the table anyway.
"""

from django.db import migrations


def load_regions(apps, schema_editor):
    from apps.regions.services import regions_load

    regions_load(model=apps.get_model("regions", "Region"))


class Migration(migrations.Migration):
    dependencies = [("regions", "0001_initial")]

    operations = [migrations.RunPython(load_regions, migrations.RunPython.noop, elidable=False)]
