"""A province -> city -> county picker: three selects, the last one carrying the field's value.

Works with htmx (each choice loads the next list from regions:options); a redisplayed form shows
the chosen path again. `prefix` limits the choices to a department's jurisdiction."""

from django import forms
from django.template.loader import render_to_string
from django.urls import reverse

from .models import Region
from .selectors import region_path
from .views import child_options


class RegionPickerWidget(forms.Widget):
    def __init__(self, attrs=None, prefix: str = ""):
        super().__init__(attrs)
        self.prefix = prefix

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        code = str(value or "")
        path = {region.level: region for region in region_path(code)} if code else {}
        provinces = Region.objects.filter(level=Region.Level.PROVINCE).order_by("code")
        if self.prefix:
            provinces = provinces.filter(code__startswith=self.prefix[:2])
        province = path.get(Region.Level.PROVINCE) or (provinces.first() if self.prefix else None)
        cities = child_options(province.code) if province else []
        if len(self.prefix) >= 4:
            cities = [city for city in cities if city.code.startswith(self.prefix[:4])]
        city = path.get(Region.Level.PREFECTURE) or (cities[0] if len(self.prefix) >= 4 and cities else None)
        counties = child_options(city.code) if city else []
        if len(self.prefix) == 6:
            counties = [county for county in counties if county.code == self.prefix]
        return render_to_string("regions/picker.html", {
            "name": name, "attrs": attrs, "id": attrs.get("id", f"id_{name}"), "value": code,
            "provinces": provinces, "province": province, "cities": cities, "city": city,
            "counties": counties, "options_url": reverse("regions:options"),
        })

    def value_from_datadict(self, data, files, name):
        return data.get(name)
