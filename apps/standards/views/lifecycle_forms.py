"""Forms of the lifecycle pages. They only shape input; the services decide what is allowed."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User

from ..models import PublicComment, ReviewOpinion, WorkingGroupMember
from ..services.lifecycle import comment_min_days


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def people():
    """Active people of active organisations, the ones who may draft or review."""
    return (User.objects.filter(is_active=True, is_machine=False, organisation__isnull=False,
                                organisation__is_active=True)
            .select_related("organisation").order_by("organisation__name", "full_name", "pk"))


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name or obj.username} ({obj.organisation.name})"


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name or obj.username} ({obj.organisation.name})"


class StartDraftingForm(forms.Form):
    leads = PeopleChoiceField(label=_("Lead drafters"), queryset=User.objects.none(),
                              help_text=_("At least one lead."))
    members = PeopleChoiceField(label=_("Other drafters"), queryset=User.objects.none(), required=False,
                                help_text=_("The working group must include people of at least two organisations."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leads"].queryset = self.fields["members"].queryset = people()

    def member_roles(self) -> list[tuple]:
        leads = list(self.cleaned_data["leads"])
        lead_ids = {user.pk for user in leads}
        return ([(user, WorkingGroupMember.Role.LEAD) for user in leads]
                + [(user, WorkingGroupMember.Role.MEMBER) for user in self.cleaned_data["members"]
                   if user.pk not in lead_ids])


class WorkingGroupAddForm(forms.Form):
    user = PersonChoiceField(label=_("Person"), queryset=User.objects.none())
    role = forms.ChoiceField(label=_("Role"), choices=WorkingGroupMember.Role.choices,
                             initial=WorkingGroupMember.Role.MEMBER)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = people()


class ExpertForm(forms.Form):
    user = PersonChoiceField(label=_("Expert"), queryset=User.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = people()


class OpenCommentForm(forms.Form):
    opens_on = forms.DateField(label=_("Comments accepted from"), widget=DateInput())
    closes_on = forms.DateField(label=_("Comments accepted until"), widget=DateInput())

    def __init__(self, *args, **kwargs):
        today = timezone.localdate()
        kwargs.setdefault("initial", {"opens_on": today,
                                      "closes_on": today + timedelta(days=comment_min_days() - 1)})
        super().__init__(*args, **kwargs)
        self.fields["closes_on"].help_text = _("At least %(days)s days, both ends included.") % {
            "days": comment_min_days()}


class EmptyForm(forms.Form):
    """A step with nothing to fill in: the button is the decision."""


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class PublishForm(forms.Form):
    code = forms.CharField(label=_("Final code"), max_length=40, help_text=_("For example WS/T 500.1-2025."))
    published_on = forms.DateField(label=_("Published on"), widget=DateInput())
    in_force_on = forms.DateField(label=_("In force from"), widget=DateInput())


class AbolishForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    abolished_on = forms.DateField(label=_("Abolished on"), widget=DateInput())


class DraftForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    title_en = forms.CharField(label=_("English title"), max_length=400, required=False)
    scope_note = forms.CharField(label=_("Scope of application"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    text_upload = forms.FileField(label=_("Draft text (PDF)"), required=False,
                                  help_text=_("Leave empty to keep the current text."))


class OpinionForm(forms.Form):
    vote = forms.ChoiceField(label=_("Vote"), choices=ReviewOpinion.Vote.choices)
    opinion = forms.CharField(label=_("Opinion"), widget=forms.Textarea(attrs={"rows": 5}))


ANSWERS = [choice for choice in PublicComment.Answer.choices if choice[0] != PublicComment.Answer.PENDING]


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(label=_("Answer"), choices=ANSWERS)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False,
                             help_text=_("Required when the comment is only partly accepted or not accepted."))


class CommentForm(forms.Form):
    author_name = forms.CharField(label=_("Your name"), max_length=100)
    author_organisation = forms.CharField(label=_("Your organisation"), max_length=200, required=False)
    author_email = forms.EmailField(label=_("E-mail"), help_text=_("The answer is published; your address is not."))
    clause = forms.CharField(label=_("Clause"), max_length=50, required=False,
                             help_text=_("The clause or table you comment on, for example 5.2."))
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000)
