"""Validation of real-name identity data (SEC-5): resident identity numbers and mobile numbers."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

MOBILE_PATTERN = re.compile(r"^1[3-9]\d{9}$")


def clean_identity_number(value: str) -> str:
    """Return the compact, validated 18-character number or raise a translated ValidationError."""
    try:
        return ric.validate(value)
    except stdnum_errors.InvalidChecksum:
        raise ValidationError(_("The check digit of this resident identity number is wrong."),
                              code="identity_checksum") from None
    except stdnum_errors.InvalidLength:
        raise ValidationError(_("A resident identity number has 18 characters."),
                              code="identity_length") from None
    except stdnum_errors.InvalidComponent:
        raise ValidationError(_("This resident identity number contains an impossible birth date or region."),
                              code="identity_component") from None
    except stdnum_errors.ValidationError:
        raise ValidationError(_("This is not a valid resident identity number."),
                              code="identity_invalid") from None


def mask_identity_number(value: str) -> str:
    """Show the region (first 6) and the last 4 characters only: 350102********123X."""
    return value[:6] + "*" * (len(value) - 10) + value[-4:] if len(value) > 10 else "*" * len(value)


def clean_mobile(value: str) -> str:
    compact = re.sub(r"[\s-]", "", value or "")
    if compact.startswith("+86"):
        compact = compact[3:]
    if not MOBILE_PATTERN.match(compact):
        raise ValidationError(_("Enter an 11-digit mainland China mobile number."), code="mobile_invalid")
    return compact
