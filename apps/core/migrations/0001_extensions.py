from django.contrib.postgres.operations import BtreeGinExtension, TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    """pg_trgm for name search (Chinese needs a UTF-8 LC_CTYPE, see apps/core/db/base.py)."""

    initial = True
    dependencies = []
    operations = [TrigramExtension(), BtreeGinExtension()]
