"""Lifecycle endpoints (STD-1, STD-3) under /api/v1/standards/<pk>/...: the same services as the workbench.

- One POST endpoint per move (`start-drafting/`, `open-comment/`, `close-comment/`, `send-to-approval/`,
  `send-back/`, `publish/`, `bring-into-force/`, `revision/`, `abolish/`, `withdraw/`); an illegal move
  answers 409, a user without the table's permission 403, a standard the user may not see 404.
- `working-group/` and `experts/`: list, add (POST), remove (DELETE `<user id>/`); `draft/`: the working group
  edits the draft while drafting.
- `comments/`: anyone may read the answered comments of a public draft (without e-mail addresses) and POST a
  comment during the comment period (throttled); the people at work see every comment and answer it.
- `opinions/`: the experts' opinions and votes; an appointed expert POSTs their own."""

from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from apps.accounts.models import User
from apps.core import errors, policy

from ..models import ExpertReviewer, PublicComment, ReviewOpinion, Standard, WorkingGroupMember
from ..services import lifecycle, participation
from .registry_serializers import StandardSerializer

# --- shapes --------------------------------------------------------------------------------------------------


def _people():
    return User.objects.filter(is_active=True, is_machine=False)


class MemberInputSerializer(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(queryset=_people())
    role = serializers.ChoiceField(choices=WorkingGroupMember.Role.choices, default=WorkingGroupMember.Role.MEMBER)


class StartDraftingSerializer(serializers.Serializer):
    members = MemberInputSerializer(many=True)


class CommentPeriodSerializer(serializers.Serializer):
    opens_on = serializers.DateField()
    closes_on = serializers.DateField()


class NoInputSerializer(serializers.Serializer):
    """The move needs no input."""


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=2000)


class PublishSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40)
    published_on = serializers.DateField()
    in_force_on = serializers.DateField()


class AbolishSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=2000)
    abolished_on = serializers.DateField()


class ExpertInputSerializer(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(queryset=_people())


class PersonSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.name", default=None, read_only=True)

    class Meta:
        model = User
        fields = ["id", "full_name", "organisation"]
        read_only_fields = fields


class MemberSerializer(serializers.ModelSerializer):
    user = PersonSerializer(read_only=True)
    organisation = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = WorkingGroupMember
        fields = ["user", "organisation", "role", "added_at"]
        read_only_fields = fields


class ExpertSerializer(serializers.ModelSerializer):
    user = PersonSerializer(read_only=True)

    class Meta:
        model = ExpertReviewer
        fields = ["user", "appointed_at"]
        read_only_fields = fields


class DraftSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    title_en = serializers.CharField(max_length=400, required=False, allow_blank=True, default="")
    scope_note = serializers.CharField(required=False, allow_blank=True, default="")
    text = serializers.FileField(required=False, help_text="The draft text, a PDF.")


class PublicCommentSerializer(serializers.ModelSerializer):
    """What anyone may read: the commenter's organisation only, never a name, an e-mail address or an
    account (as the public pages)."""

    class Meta:
        model = PublicComment
        fields = ["id", "author_organisation", "clause", "text", "submitted_at", "answer", "answer_reason",
                  "answered_at"]
        read_only_fields = fields


class StaffCommentSerializer(PublicCommentSerializer):
    answered_by = serializers.CharField(source="answered_by.full_name", default=None, read_only=True)

    class Meta(PublicCommentSerializer.Meta):
        fields = [*PublicCommentSerializer.Meta.fields, "author_name", "author_email", "answered_by"]
        read_only_fields = fields


class CommentInputSerializer(serializers.Serializer):
    author_name = serializers.CharField(max_length=100, allow_blank=True)
    author_organisation = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    author_email = serializers.CharField(max_length=254, allow_blank=True)
    clause = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    text = serializers.CharField(max_length=5000, allow_blank=True)


ANSWER_CHOICES = [c for c in PublicComment.Answer.choices if c[0] != PublicComment.Answer.PENDING]


class AnswerInputSerializer(serializers.Serializer):
    answer = serializers.ChoiceField(choices=ANSWER_CHOICES)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class OpinionSerializer(serializers.ModelSerializer):
    reviewer = PersonSerializer(read_only=True)
    counted = serializers.SerializerMethodField()

    class Meta:
        model = ReviewOpinion
        fields = ["reviewer", "vote", "opinion", "submitted_at", "counted"]
        read_only_fields = fields

    def get_counted(self, opinion) -> bool:
        """False for the opinion of an expert no longer appointed."""
        return opinion.reviewer_id in self.context.get("appointed", ())


class OpinionInputSerializer(serializers.Serializer):
    vote = serializers.ChoiceField(choices=ReviewOpinion.Vote.choices)
    opinion = serializers.CharField(allow_blank=True)


# --- access --------------------------------------------------------------------------------------------------


def _standard(request, pk: int) -> Standard:
    return policy.get_object(request.user, Standard.objects.select_related("category", "supersedes"), pk=pk)


def _at_work(request, pk: int) -> Standard:
    """The standard, for the people of its procedure (officers, heads, working group, experts); else 403."""
    standard = _standard(request, pk)
    user = request.user
    if (policy.can(user, lifecycle.MANAGE, standard) or policy.can(user, lifecycle.APPROVE, standard)
            or policy.can(user, "standards.answer_comment", standard)
            or WorkingGroupMember.objects.filter(standard=standard, user=user).exists()
            or ExpertReviewer.objects.filter(standard=standard, user=user).exists()):
        return standard
    raise errors.PermissionDenied()


# --- moves ---------------------------------------------------------------------------------------------------


class _MoveView(APIView):
    input_serializer = NoInputSerializer
    created = False

    def call(self, standard: Standard, data: dict, user) -> Standard:
        raise NotImplementedError

    def post(self, request, pk: int):
        standard = _standard(request, pk)
        payload = self.input_serializer(data=request.data)
        payload.is_valid(raise_exception=True)
        result = self.call(standard, payload.validated_data, request.user)
        return Response(StandardSerializer(result).data,
                        status=status.HTTP_201_CREATED if self.created else status.HTTP_200_OK)


def _move(name: str, serializer, call, summary: str, created: bool = False):
    view = type(name, (_MoveView,), {"input_serializer": serializer, "created": created,
                                     "call": lambda self, standard, data, user: call(standard, data, user)})
    code = 201 if created else 200
    return extend_schema_view(post=extend_schema(request=serializer, responses={code: StandardSerializer},
                                                 summary=summary))(view)


StartDraftingView = _move(
    "StartDraftingView", StartDraftingSerializer,
    lambda s, d, by: lifecycle.standard_start_drafting(
        standard=s, members=[(m["user"], m["role"]) for m in d["members"]], by=by),
    "Project -> drafting, with the working group (several organisations, a lead)")
OpenCommentView = _move(
    "OpenCommentView", CommentPeriodSerializer,
    lambda s, d, by: lifecycle.standard_open_comment(standard=s, opens_on=d["opens_on"], closes_on=d["closes_on"],
                                                     by=by),
    "Drafting -> public comment, for a period of at least the minimum number of days")
CloseCommentView = _move(
    "CloseCommentView", NoInputSerializer, lambda s, d, by: lifecycle.standard_close_comment(standard=s, by=by),
    "Public comment -> expert review, once the period ended and every comment is answered")
SendToApprovalView = _move(
    "SendToApprovalView", NoInputSerializer, lambda s, d, by: lifecycle.standard_send_to_approval(standard=s, by=by),
    "Expert review -> approval, once every appointed expert voted and a majority approves")
SendBackView = _move(
    "SendBackView", ReasonSerializer,
    lambda s, d, by: lifecycle.standard_send_back(standard=s, reason=d["reason"], by=by),
    "Back to drafting from public comment, expert review or approval, with the reason")
PublishView = _move(
    "PublishView", PublishSerializer,
    lambda s, d, by: lifecycle.standard_publish(standard=s, code=d["code"], published_on=d["published_on"],
                                                in_force_on=d["in_force_on"], by=by),
    "Approval -> published, by a department head, with the final code and dates")
BringIntoForceView = _move(
    "BringIntoForceView", NoInputSerializer, lambda s, d, by: lifecycle.standard_bring_into_force(standard=s, by=by),
    "Published -> in force on its date; the version it supersedes becomes superseded")
RevisionStartView = _move(
    "RevisionStartView", ReasonSerializer,
    lambda s, d, by: lifecycle.standard_revision_start(standard=s, reason=d["reason"], by=by),
    "Published or in force -> under revision; answers the new revision project", created=True)
AbolishView = _move(
    "AbolishView", AbolishSerializer,
    lambda s, d, by: lifecycle.standard_abolish(standard=s, reason=d["reason"], abolished_on=d["abolished_on"],
                                                by=by),
    "Abolish a published standard, by a department head")
WithdrawView = _move(
    "WithdrawView", ReasonSerializer,
    lambda s, d, by: lifecycle.standard_withdraw_project(standard=s, reason=d["reason"], by=by),
    "Withdraw a project or a draft")


# --- people and the draft ------------------------------------------------------------------------------------


class WorkingGroupView(generics.ListAPIView):
    """The working group; POST adds a person (or changes their role)."""

    serializer_class = MemberSerializer
    queryset = WorkingGroupMember.objects.none()
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WorkingGroupMember.objects.none()
        standard = _at_work(self.request, self.kwargs["pk"])
        return (WorkingGroupMember.objects.filter(standard=standard).select_related("user__organisation", "organisation")
                .order_by("-role", "added_at", "pk"))

    @extend_schema(request=MemberInputSerializer, responses={201: MemberSerializer})
    def post(self, request, pk: int):
        standard = _standard(request, pk)
        payload = MemberInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        member = participation.working_group_add(standard=standard, user=payload.validated_data["user"],
                                                 role=payload.validated_data["role"], by=request.user)
        return Response(MemberSerializer(member).data, status=status.HTTP_201_CREATED)


class WorkingGroupMemberView(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request, pk: int, user_pk: int):
        standard = _standard(request, pk)
        participation.working_group_remove(standard=standard, user=User.objects.filter(pk=user_pk).first(),
                                           by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExpertsView(generics.ListAPIView):
    """The appointed experts; POST appoints one."""

    serializer_class = ExpertSerializer
    queryset = ExpertReviewer.objects.none()
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ExpertReviewer.objects.none()
        standard = _at_work(self.request, self.kwargs["pk"])
        return ExpertReviewer.objects.filter(standard=standard).select_related("user__organisation").order_by(
            "appointed_at", "pk")

    @extend_schema(request=ExpertInputSerializer, responses={201: ExpertSerializer})
    def post(self, request, pk: int):
        standard = _standard(request, pk)
        payload = ExpertInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        expert = participation.expert_appoint(standard=standard, user=payload.validated_data["user"], by=request.user)
        return Response(ExpertSerializer(expert).data, status=status.HTTP_201_CREATED)


class ExpertView(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request, pk: int, user_pk: int):
        standard = _standard(request, pk)
        participation.expert_remove(standard=standard, user=User.objects.filter(pk=user_pk).first(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DraftView(APIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request=DraftSerializer, responses=StandardSerializer)
    def post(self, request, pk: int):
        """The working group (or an officer) edits the draft while drafting; `text` replaces the PDF."""
        standard = _standard(request, pk)
        payload = DraftSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            standard = participation.draft_update(standard=standard, title=data["title"], title_en=data["title_en"],
                                                  scope_note=data["scope_note"], text_upload=data.get("text"),
                                                  by=request.user)
        except errors.ValidationFailed as error:
            if "text_upload" in error.field_errors:
                error.field_errors["text"] = error.field_errors.pop("text_upload")
            raise
        return Response(StandardSerializer(standard).data)


# --- comments and opinions -----------------------------------------------------------------------------------


class CommentThrottle(AnonRateThrottle):
    rate = "30/hour"
    scope = "standard-comment"


def _client_key(request) -> str:
    user = request.user
    if getattr(user, "is_authenticated", False):
        return f"user:{user.pk}"
    return f"ip:{request.META.get('REMOTE_ADDR', '')}"


class CommentsView(generics.ListAPIView):
    """Comments on a draft: the answered ones for everyone (public drafts), all of them (with e-mail
    addresses) for the people at work. POST: anyone comments during the comment period."""

    queryset = PublicComment.objects.none()
    permission_classes = [AllowAny]

    def get_throttles(self):
        return [CommentThrottle()] if self.request.method == "POST" else super().get_throttles()

    def _staff(self, standard) -> bool:
        user = self.request.user
        return (policy.can(user, "standards.answer_comment", standard)
                or policy.can(user, lifecycle.EDIT_DRAFT, standard) or policy.can(user, lifecycle.MANAGE, standard))

    def get_serializer_class(self):
        if getattr(self, "swagger_fake_view", False) or not getattr(self, "_staff_view", False):
            return PublicCommentSerializer
        return StaffCommentSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PublicComment.objects.none()
        standard = _standard(self.request, self.kwargs["pk"])
        rows = PublicComment.objects.filter(standard=standard).select_related("answered_by").order_by(
            "submitted_at", "pk")
        self._staff_view = self._staff(standard)
        return rows if self._staff_view else rows.exclude(answer=PublicComment.Answer.PENDING)

    @extend_schema(request=CommentInputSerializer, responses={201: PublicCommentSerializer})
    def post(self, request, pk: int):
        standard = _standard(request, pk)
        payload = CommentInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        comment = participation.comment_submit(standard=standard, by=request.user, client_key=_client_key(request),
                                               **payload.validated_data)
        return Response(PublicCommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class CommentAnswerView(APIView):
    @extend_schema(request=AnswerInputSerializer, responses=StaffCommentSerializer)
    def post(self, request, pk: int, comment_pk: int):
        standard = _standard(request, pk)
        comment = PublicComment.objects.filter(standard=standard, pk=comment_pk).first()
        if comment is None:
            raise errors.NotFound()
        payload = AnswerInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        comment = participation.comment_answer(comment=comment, by=request.user, **payload.validated_data)
        return Response(StaffCommentSerializer(comment).data)


class OpinionsView(generics.ListAPIView):
    """The experts' opinions and votes; POST: an appointed expert gives or corrects their own."""

    serializer_class = OpinionSerializer
    queryset = ReviewOpinion.objects.none()
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ReviewOpinion.objects.none()
        standard = _at_work(self.request, self.kwargs["pk"])
        self._appointed = set(ExpertReviewer.objects.filter(standard=standard).values_list("user_id", flat=True))
        return ReviewOpinion.objects.filter(standard=standard).select_related("reviewer__organisation").order_by(
            "submitted_at", "pk")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "appointed": getattr(self, "_appointed", set())}

    @extend_schema(request=OpinionInputSerializer, responses={200: OpinionSerializer})
    def post(self, request, pk: int):
        standard = _standard(request, pk)
        payload = OpinionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        opinion = participation.opinion_submit(standard=standard, by=request.user, **payload.validated_data)
        return Response(OpinionSerializer(opinion, context={"appointed": {request.user.pk}}).data)


urlpatterns = [
    path("<int:pk>/start-drafting/", StartDraftingView.as_view(), name="standards-start-drafting"),
    path("<int:pk>/open-comment/", OpenCommentView.as_view(), name="standards-open-comment"),
    path("<int:pk>/close-comment/", CloseCommentView.as_view(), name="standards-close-comment"),
    path("<int:pk>/send-to-approval/", SendToApprovalView.as_view(), name="standards-send-to-approval"),
    path("<int:pk>/send-back/", SendBackView.as_view(), name="standards-send-back"),
    path("<int:pk>/publish/", PublishView.as_view(), name="standards-publish"),
    path("<int:pk>/bring-into-force/", BringIntoForceView.as_view(), name="standards-bring-into-force"),
    path("<int:pk>/revision/", RevisionStartView.as_view(), name="standards-revision-start"),
    path("<int:pk>/abolish/", AbolishView.as_view(), name="standards-abolish"),
    path("<int:pk>/withdraw/", WithdrawView.as_view(), name="standards-withdraw"),
    path("<int:pk>/working-group/", WorkingGroupView.as_view(), name="standards-working-group"),
    path("<int:pk>/working-group/<int:user_pk>/", WorkingGroupMemberView.as_view(),
         name="standards-working-group-member"),
    path("<int:pk>/experts/", ExpertsView.as_view(), name="standards-experts"),
    path("<int:pk>/experts/<int:user_pk>/", ExpertView.as_view(), name="standards-expert"),
    path("<int:pk>/draft/", DraftView.as_view(), name="standards-draft"),
    path("<int:pk>/comments/", CommentsView.as_view(), name="standards-comments"),
    path("<int:pk>/comments/<int:comment_pk>/answer/", CommentAnswerView.as_view(),
         name="standards-comment-answer"),
    path("<int:pk>/opinions/", OpinionsView.as_view(), name="standards-opinions"),
]
