"""Standards for tests."""

import itertools

from apps.standards.models import FrameworkCategory, Standard

_serial = itertools.count(1)


def category(code: str = "T-DATA", name: str = "数据类标准") -> FrameworkCategory:
    found = FrameworkCategory.objects.filter(code=code).first()
    return found or FrameworkCategory.objects.create(code=code, name=name, name_en="Data standards")


def make_standard(code: str | None = None, status: str = Standard.Status.IN_FORCE, *,
                  nature: str = Standard.Nature.MANDATORY, **fields) -> Standard:
    """A registered standard (written directly: tests of the lifecycle move it through the services)."""
    number = next(_serial)
    values = {"code": code or f"WS/T 9{number:02d}.1-2024", "title": f"测试标准{number}", "title_en": f"Test standard {number}",
              "nature": nature, "level": Standard.Level.INDUSTRY, "category": fields.pop("category", None) or category(),
              "status": status}
    values.update(fields)
    return Standard.objects.create(**values)
