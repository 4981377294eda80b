"""Shared steps of the adoption, conformance and effectiveness tests (STD-5, STD-6, STD-7)."""

import datetime

import pytest
from django.utils import timezone

from apps.institutions.models import Institution
from apps.standards.models import AdoptionDeclaration, Standard
from apps.standards.services.adoption import adoption_declare
from tests.conftest import make_user
from tests.institutions.factories import make_institution
from tests.standards.factories import make_standard

LONG_AGO = datetime.date(2024, 6, 1)


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    """Unit tests do not reach the broker: e-mail and recompute tasks are recorded, not sent."""
    from apps.institutions import tasks
    from apps.notifications.tasks import send_notification_email

    sent = []
    monkeypatch.setattr(send_notification_email, "apply_async", lambda *a, **k: sent.append(("email", a)))
    monkeypatch.setattr(tasks.credit_recompute_everyone, "apply_async",
                        lambda *a, **k: sent.append(("recompute", a)))
    return sent


@pytest.fixture
def hospital(gulou):
    return make_institution("350102", Institution.Status.ADMITTED)


@pytest.fixture
def hospital_admin(hospital):
    return make_user(hospital.organisation, "institution_admin")


@pytest.fixture
def in_force():
    return make_standard("WS 9363.1-2023", Standard.Status.IN_FORCE, published_on=datetime.date(2023, 8, 1))


def declare(institution, standard, by=None, *, since=LONG_AGO, systems="电子病历系统") -> AdoptionDeclaration:
    by = by or make_user(institution.organisation, "institution_admin")
    return adoption_declare(organisation=institution.organisation, standard=standard, since=since, systems=systems,
                            evidence_upload=None, by=by)


def today() -> datetime.date:
    return timezone.localdate()
