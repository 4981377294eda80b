"""factory_boy factories shared by every app's tests."""

import factory
from django.contrib.auth.models import Group

from apps.accounts.models import Organisation, User
from apps.accounts.services import organisation_jurisdiction
from apps.regions.models import Region

PASSWORD = "Correct-Horse-42!"


def region(code: str) -> Region:
    """A region, reloading the reference table if a transactional test flushed it."""
    found = Region.objects.filter(code=code).first()
    if found is None:
        from apps.regions.services import regions_load

        regions_load()
        found = Region.objects.get(code=code)
    return found


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"测试机构{n}")
    kind = Organisation.Kind.INSTITUTION
    level = ""
    region = factory.LazyFunction(lambda: region("350102"))

    @factory.post_generation
    def jurisdiction(obj, create, extracted, **kwargs):
        obj.jurisdiction_prefix = organisation_jurisdiction(obj)
        if create:
            obj.save(update_fields=["jurisdiction_prefix"])


def department(region_code: str | None, level: str, name: str | None = None) -> Organisation:
    region_row = region(region_code) if region_code else None
    return OrganisationFactory(kind=Organisation.Kind.DEPARTMENT, level=level, region=region_row,
                               name=name or f"卫生健康部门-{region_code or 'national'}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.cn")
    organisation = factory.SubFactory(OrganisationFactory)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(obj, create, extracted, **kwargs):
        if create:
            obj.save()
            if extracted:
                obj.groups.set(Group.objects.filter(name__in=extracted))
