from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .roles import roles_for_kind


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("The user name or password is not correct. Both are case-sensitive except the "
                           "user name."),
        "inactive": _("This account is not active. Ask your organisation's administrator."),
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.is_machine:
            raise forms.ValidationError(_("API accounts cannot sign in to the portal."), code="machine")


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Verification code"), max_length=16, strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "autofocus": True}),
        help_text=_("The 6-digit code from your authenticator app, or one of your backup codes."),
    )


class EnrolForm(forms.Form):
    token = forms.RegexField(
        label=_("Code from the app"), regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("Enter the 6 digits your authenticator app shows.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "autofocus": True}),
    )


def _role_choices(organisation):
    return [(role.code, role.label) for role in roles_for_kind(organisation.kind)]


class MemberCreateForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    full_name = forms.CharField(label=_("Full name (real name)"), max_length=100)
    email = forms.EmailField(label=_("E-mail"))
    mobile = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)
    identity_number = forms.CharField(label=_("Resident identity number"), max_length=18, required=False,
                                      help_text=_("Stored encrypted; lists show it masked."))
    roles = forms.MultipleChoiceField(label=_("Roles"), widget=forms.CheckboxSelectMultiple)
    password = forms.CharField(label=_("Initial password"), widget=forms.PasswordInput(render_value=False),
                               help_text=_("At least 12 characters mixing letters, digits and symbols."))

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = _role_choices(organisation)


class MemberUpdateForm(forms.Form):
    full_name = forms.CharField(label=_("Full name (real name)"), max_length=100)
    email = forms.EmailField(label=_("E-mail"))
    mobile = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)
    identity_number = forms.CharField(
        label=_("Resident identity number"), max_length=18, required=False,
        help_text=_("Leave empty to keep the number on record."))
    roles = forms.MultipleChoiceField(label=_("Roles"), widget=forms.CheckboxSelectMultiple)
    is_active = forms.BooleanField(label=_("Active"), required=False)

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = _role_choices(organisation)


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100,
                           help_text=_("What will use this token, e.g. “HIS interface”."))
    roles = forms.MultipleChoiceField(label=_("Roles the token acts with"), widget=forms.CheckboxSelectMultiple)
    expires_in_days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=730, initial=365)

    def __init__(self, *args, organisation, user, **kwargs):
        super().__init__(*args, **kwargs)
        choices = _role_choices(organisation)
        if not user.is_superuser:
            choices = [choice for choice in choices if choice[0] in user.role_codes]
        self.fields["roles"].choices = choices
