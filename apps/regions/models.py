"""Administrative divisions of the People's Republic of China (GB/T 2260 codes).

A region's `code` is its six-digit GB/T 2260 code and also its primary key, so any row that points
at a region already carries the code: jurisdiction checks are a prefix match on that column
(a provincial department with prefix "35" sees every region whose code starts with "35")."""

from django.contrib.postgres.indexes import OpClass
from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    class Level(models.IntegerChoices):
        PROVINCE = 1, _("Province")
        PREFECTURE = 2, _("Prefecture-level city")
        COUNTY = 3, _("County-level division")

    code = models.CharField(_("GB/T 2260 code"), max_length=6, primary_key=True)
    prefix = models.CharField(
        _("jurisdiction prefix"), max_length=6,
        help_text=_("Significant digits of the code: 2 for a province, 4 for a prefecture, 6 for a county."),
    )
    name = models.CharField(_("name"), max_length=64)
    name_en = models.CharField(_("English name (pinyin)"), max_length=128)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("administrative division")
        verbose_name_plural = _("administrative divisions")
        indexes = [
            # LIKE 'prefix%' on a non-C collation needs the pattern operator class.
            models.Index(OpClass("code", name="varchar_pattern_ops"), name="region_code_prefix_idx"),
            models.Index(fields=["level", "code"], name="region_level_code_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def full_name(self) -> str:
        names = [self.name]
        node = self.parent
        while node is not None:
            names.append(node.name)
            node = node.parent
        return "".join(reversed(names))

    @staticmethod
    def prefix_for(code: str, level: int) -> str:
        return code[: {1: 2, 2: 4, 3: 6}[level]]


