"""/api/v1/catalog/applications/...: sharing applications through the regulatory access port (SVC-2, SEC-4,
SEC-8, SEC-9). The same services and the same scoping as the pages: an applicant sees its own applications, a
provider those for its resources, a department those of its jurisdiction, a recipient of another institution
those naming it."""

from django.db.models import Prefetch
from django.urls import path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core import errors, policy
from apps.core.files import file_response

from ..models import (
    ApplicationDocument,
    DataField,
    DeidentificationMethod,
    DeliveryMode,
    LegalBasis,
    Recipient,
    ReviewComment,
    RouteStep,
    SharingApplication,
)
from ..services import application_documents as documents_services
from ..services import applications as services

VIEW = services.VIEW
VIEW_DOCUMENT = "catalog.view_applicationdocument"
FOLLOWUP_KIND_CHOICES = [(kind.value, kind.label) for kind in services.FOLLOWUP_KINDS]


# --- output ------------------------------------------------------------------------------------------------


class ApplicationFieldSerializer(serializers.ModelSerializer):
    class Meta:
        model = DataField
        fields = ["id", "name", "name_en", "element_code", "level", "personal"]
        read_only_fields = fields


class ApplicationItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    resource = serializers.IntegerField(source="resource_id", read_only=True)
    resource_code = serializers.CharField(source="resource.code", read_only=True)
    title = serializers.CharField(source="version.title", read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True)
    level = serializers.IntegerField(source="version.level", read_only=True, allow_null=True)
    provider = serializers.IntegerField(source="provider_id", read_only=True)
    provider_name = serializers.CharField(source="provider.name", read_only=True)
    fields = ApplicationFieldSerializer(many=True, read_only=True)
    justification = serializers.CharField(read_only=True)


class ApplicationRecipientSerializer(serializers.ModelSerializer):
    user = serializers.IntegerField(source="user_id", read_only=True)
    name = serializers.CharField(source="user.__str__", read_only=True)
    organisation = serializers.CharField(source="user.organisation.name", read_only=True, default="")
    # Plain strings: "role" enums of other apps keep their schema names.
    role = serializers.CharField(read_only=True, help_text="lead or co_applicant.")
    agreement_version = serializers.CharField(source="agreement.version", read_only=True, default=None,
                                              allow_null=True)

    class Meta:
        model = Recipient
        fields = ["id", "user", "name", "organisation", "role", "agreement_version", "accepted_at"]
        read_only_fields = fields


class ApplicationDocumentSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField()

    class Meta:
        model = ApplicationDocument
        fields = ["id", "kind", "original_name", "content_type", "size", "sha256", "uploaded_at", "download"]
        read_only_fields = fields

    def get_download(self, document) -> str:
        return reverse("api:catalog-application-document", args=[document.application_id, document.pk])


class ApplicationStepSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text="provider, provider_municipal, provider_provincial, "
                                                           "applicant_provincial or national.")
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status = serializers.CharField(read_only=True, help_text="waiting, active, approved, approved_with_conditions, "
                                                             "returned, refused or cancelled.")
    organisation = serializers.IntegerField(source="organisation_id", read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = RouteStep
        fields = ["id", "round", "order", "kind", "kind_label", "organisation", "organisation_name", "status",
                  "due_on", "decided_at", "decision_comment", "conditions", "resource_codes"]
        read_only_fields = fields


class ApplicationCommentSerializer(serializers.ModelSerializer):
    """Reviewers' comments on the answers; the deciding organisation is named, not the person."""

    organisation = serializers.CharField(source="step.organisation.name", read_only=True, default="")

    class Meta:
        model = ReviewComment
        fields = ["id", "round", "field_name", "text", "organisation", "created_at"]
        read_only_fields = fields


class ApplicationSerializer(serializers.ModelSerializer):
    applicant_name = serializers.CharField(source="applicant.name", read_only=True)
    parent = serializers.CharField(source="parent.number", read_only=True, default=None, allow_null=True)

    class Meta:
        model = SharingApplication
        fields = ["id", "number", "kind", "status", "parent", "applicant", "applicant_name", *services.ANSWER_FIELDS,
                  "level", "round", "created_at", "submitted_at", "decided_at", "withdrawn_reason"]
        read_only_fields = fields


class ApplicationDetailSerializer(ApplicationSerializer):
    items = ApplicationItemSerializer(many=True, read_only=True)
    recipients = ApplicationRecipientSerializer(many=True, read_only=True)
    documents = ApplicationDocumentSerializer(many=True, read_only=True)
    steps = ApplicationStepSerializer(many=True, read_only=True)
    comments = ApplicationCommentSerializer(many=True, read_only=True)
    followups = serializers.SlugRelatedField(slug_field="number", many=True, read_only=True)

    class Meta(ApplicationSerializer.Meta):
        fields = [*ApplicationSerializer.Meta.fields, "security_assessment_reference", "security_assessment_date",
                  "refusal_reason", "items", "recipients", "documents", "steps", "comments", "followups"]
        read_only_fields = fields


def _detail(pk) -> SharingApplication:
    return (SharingApplication.objects.select_related("applicant", "parent")
            .prefetch_related(
                Prefetch("items", queryset=_items_queryset()),
                Prefetch("recipients", queryset=Recipient.objects.select_related("user__organisation", "agreement")),
                "documents", "followups",
                Prefetch("steps", queryset=RouteStep.objects.select_related("organisation").order_by("round", "order")),
                Prefetch("comments", queryset=ReviewComment.objects.select_related("step__organisation")))
            .get(pk=pk))


def _items_queryset():
    from ..models import ApplicationItem

    return (ApplicationItem.objects.select_related("resource", "version", "provider")
            .prefetch_related(Prefetch("fields", queryset=DataField.objects.order_by("position", "pk"))))


def _application(request, pk) -> SharingApplication:
    return policy.get_object(request.user, SharingApplication, VIEW, pk=pk)


def _detail_response(application, status_code=status.HTTP_200_OK) -> Response:
    return Response(ApplicationDetailSerializer(_detail(application.pk)).data, status=status_code)


# --- input -------------------------------------------------------------------------------------------------


class ApplicationAnswersSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    purpose = serializers.CharField(allow_blank=True, required=False)
    project_description = serializers.CharField(allow_blank=True, required=False)
    legal_basis = serializers.ChoiceField(choices=LegalBasis.choices)
    legal_basis_note = serializers.CharField(allow_blank=True, required=False)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    delivery_mode = serializers.ChoiceField(choices=DeliveryMode.choices)
    security_measures = serializers.CharField(allow_blank=True, required=False)
    deidentification_method = serializers.ChoiceField(choices=DeidentificationMethod.choices, required=False)
    deidentification_description = serializers.CharField(allow_blank=True, required=False)
    cross_border = serializers.BooleanField(required=False)
    cross_border_destination = serializers.CharField(allow_blank=True, required=False, max_length=100)


class ApplicationItemInputSerializer(serializers.Serializer):
    resource = serializers.IntegerField(help_text="Id of a data resource with a published catalog entry.")
    fields = serializers.ListField(child=serializers.IntegerField(), allow_empty=True,
                                   help_text="Ids of fields of the resource's published catalog entry.")
    justification = serializers.CharField(allow_blank=True, required=False, default="")


class ApplicationItemsInputSerializer(serializers.Serializer):
    items = ApplicationItemInputSerializer(many=True, allow_empty=True)


class ApplicationRecipientInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, help_text="The person's account name.")
    email = serializers.EmailField(help_text="The e-mail address of the same account (both must match).")
    role = serializers.CharField(default=Recipient.Role.CO_APPLICANT, max_length=16,
                                 help_text="co_applicant (default), or lead when the application has none yet.")


class ApplicationDocumentInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ApplicationDocument.Kind.choices)
    file = serializers.FileField(help_text="PDF, PNG or JPEG, at most 10 MB.")


class ApplicationWithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ApplicationFollowupSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FOLLOWUP_KIND_CHOICES)


class ApplicationPlannedStepSerializer(serializers.Serializer):
    order = serializers.IntegerField()
    kind = serializers.CharField()
    organisation = serializers.IntegerField(source="organisation.pk")
    organisation_name = serializers.CharField(source="organisation.name")
    rule = serializers.CharField(source="rule.name")
    resource_codes = serializers.ListField(child=serializers.CharField())


class ApplicationValidationSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    problems = serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                     help_text="Answer or section (items, recipients, documents, applicant) -> "
                                               "messages.")
    route = ApplicationPlannedStepSerializer(many=True, help_text="The planned route, when the resources allow one.")
    refusal = serializers.CharField(help_text="Why the route table would refuse the application, else empty.")


# --- views -------------------------------------------------------------------------------------------------


class ApplicationListView(generics.ListCreateAPIView):
    """GET: the applications the caller may see, newest first; ?status=, ?kind=, ?mine=1 for the caller's
    institution's own. POST: start a draft for the caller's institution (SVC-2)."""

    serializer_class = ApplicationSerializer
    queryset = SharingApplication.objects.none()
    filterset_fields = ["status", "kind"]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SharingApplication.objects.none()
        rows = policy.visible(self.request.user, SharingApplication.objects.select_related("applicant", "parent"),
                              VIEW)
        if self.request.query_params.get("mine") in ("1", "true"):
            rows = rows.filter(applicant_id=self.request.user.organisation_id)
        return rows.order_by("-created_at", "-pk")

    @extend_schema(parameters=[OpenApiParameter("mine", bool, description="Only the own institution's.")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=ApplicationAnswersSerializer, responses={201: ApplicationDetailSerializer})
    def post(self, request):
        payload = ApplicationAnswersSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        application = services.application_create(applicant=request.user.organisation,
                                                  data=payload.validated_data, by=request.user)
        return _detail_response(application, status.HTTP_201_CREATED)


class ApplicationDetailView(APIView):
    """GET: one application with its resources and fields, recipients, documents, route and comments.
    PATCH: change answers of a draft or returned application (only the answers given)."""

    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(responses=ApplicationDetailSerializer)
    def get(self, request, pk: int):
        return _detail_response(_application(request, pk))

    @extend_schema(request=ApplicationAnswersSerializer(partial=True), responses=ApplicationDetailSerializer)
    def patch(self, request, pk: int):
        application = _application(request, pk)
        payload = ApplicationAnswersSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        services.application_update(application, data=payload.validated_data, by=request.user)
        return _detail_response(application)


class ItemsView(APIView):
    """PUT: replace the requested resources and fields (each resource once, at least one field each)."""

    @extend_schema(request=ApplicationItemsInputSerializer, responses=ApplicationDetailSerializer)
    def put(self, request, pk: int):
        application = _application(request, pk)
        payload = ApplicationItemsInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.application_items_set(application, items=payload.validated_data["items"], by=request.user)
        return _detail_response(application)


class RecipientsView(APIView):
    """POST: name a recipient by account name and e-mail address; a person of another institution then sees
    the application and is asked to accept the data use agreement."""

    @extend_schema(request=ApplicationRecipientInputSerializer, responses={201: ApplicationRecipientSerializer})
    def post(self, request, pk: int):
        from apps.accounts.models import User

        application = _application(request, pk)
        payload = ApplicationRecipientInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        user = (User.objects.select_related("organisation")
                .filter(username__iexact=data["username"], email__iexact=data["email"]).first())
        if user is None:
            services.require_editor(application, request.user)
            raise errors.ValidationFailed(field_errors={"username": [
                _("No account has this account name and e-mail address.")]})
        recipient = services.recipient_add(application, user=user, role=data["role"], by=request.user)
        return Response(ApplicationRecipientSerializer(recipient).data, status=status.HTTP_201_CREATED)


class RecipientDetailView(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request, pk: int, recipient_pk: int):
        application = _application(request, pk)
        recipient = Recipient.objects.filter(pk=recipient_pk, application=application).first()
        if recipient is None:
            raise errors.NotFound()
        services.recipient_remove(application, recipient=recipient, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AgreementView(APIView):
    """POST: the caller, a named recipient, accepts the data use agreement in force (version and time stored)."""

    @extend_schema(request=None, responses=ApplicationRecipientSerializer)
    def post(self, request, pk: int):
        recipient = services.agreement_accept(_application(request, pk), user=request.user)
        return Response(ApplicationRecipientSerializer(recipient).data)


class DocumentsView(APIView):
    """GET: the application's documents. POST (multipart): attach a PDF, PNG or JPEG file of at most 10 MB."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=ApplicationDocumentSerializer(many=True))
    def get(self, request, pk: int):
        application = _application(request, pk)
        rows = policy.visible(request.user, ApplicationDocument.objects.filter(application=application),
                              VIEW_DOCUMENT).order_by("kind", "pk")
        return Response(ApplicationDocumentSerializer(rows, many=True).data)

    @extend_schema(request=ApplicationDocumentInputSerializer, responses={201: ApplicationDocumentSerializer})
    def post(self, request, pk: int):
        application = _application(request, pk)
        payload = ApplicationDocumentInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        document = documents_services.document_add(application, kind=payload.validated_data["kind"],
                                                   upload=payload.validated_data["file"], by=request.user)
        return Response(ApplicationDocumentSerializer(document).data, status=status.HTTP_201_CREATED)


class DocumentDetailView(APIView):
    """GET: download (each download is recorded); DELETE: remove from a draft or returned application."""

    def _document(self, request, pk, document_pk) -> ApplicationDocument:
        return policy.get_object(request.user, ApplicationDocument.objects.filter(application_id=pk),
                                 VIEW_DOCUMENT, pk=document_pk)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, pk: int, document_pk: int):
        document = self._document(request, pk, document_pk)
        return file_response(document.file, filename=document.original_name,
                             content_type=documents_services.document_content_type(document),
                             audit_request=request, audit_object=document)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int, document_pk: int):
        application = _application(request, pk)
        document = self._document(request, pk, document_pk)
        documents_services.document_remove(application, document=document, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ValidateView(APIView):
    """GET: a dry run of the submission: every problem keyed by answer, and the planned route or the route
    table's refusal. Nothing is changed."""

    @extend_schema(responses=ApplicationValidationSerializer)
    def get(self, request, pk: int):
        from ..services import routing

        application = _application(request, pk)
        services.require_editor(application, request.user)
        problems = services.application_problems(application)
        route, refusal = [], ""
        if application.items.exists():
            application.level = services.requested_level(application)
            try:
                route = routing.route_plan(application)
            except errors.ValidationFailed as error:
                refusal = str(error.message)
        body = {"valid": not problems and not refusal,
                "problems": {key: [str(m) for m in messages] for key, messages in problems.items()},
                "route": ApplicationPlannedStepSerializer(route, many=True).data, "refusal": refusal}
        return Response(body)


class SubmitView(APIView):
    """POST: submit a draft (or resubmit a corrected returned application) to its route."""

    @extend_schema(request=None, responses=ApplicationDetailSerializer)
    def post(self, request, pk: int):
        application = services.application_submit(_application(request, pk), by=request.user)
        return _detail_response(application)


class WithdrawView(APIView):
    @extend_schema(request=ApplicationWithdrawSerializer, responses=ApplicationDetailSerializer)
    def post(self, request, pk: int):
        application = _application(request, pk)
        payload = ApplicationWithdrawSerializer(data=request.data)
        if not payload.is_valid():
            services.require_editor(application, request.user)
            payload.is_valid(raise_exception=True)
        application = services.application_withdraw(application, reason=payload.validated_data["reason"],
                                                     by=request.user)
        return _detail_response(application)


class FollowupView(APIView):
    """POST: start an amendment, extension or renewal of an approved application whose grant is in force."""

    @extend_schema(request=ApplicationFollowupSerializer, responses={201: ApplicationDetailSerializer})
    def post(self, request, pk: int):
        application = _application(request, pk)
        payload = ApplicationFollowupSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        child = services.application_followup_create(application, kind=payload.validated_data["kind"],
                                                     by=request.user)
        return _detail_response(child, status.HTTP_201_CREATED)


urlpatterns = [
    path("applications/", ApplicationListView.as_view(), name="catalog-application-list"),
    path("applications/<int:pk>/", ApplicationDetailView.as_view(), name="catalog-application-detail"),
    path("applications/<int:pk>/items/", ItemsView.as_view(), name="catalog-application-items"),
    path("applications/<int:pk>/recipients/", RecipientsView.as_view(),
         name="catalog-application-recipients"),
    path("applications/<int:pk>/recipients/<int:recipient_pk>/", RecipientDetailView.as_view(),
         name="catalog-application-recipient"),
    path("applications/<int:pk>/agreement/", AgreementView.as_view(), name="catalog-application-agreement"),
    path("applications/<int:pk>/documents/", DocumentsView.as_view(), name="catalog-application-documents"),
    path("applications/<int:pk>/documents/<int:document_pk>/", DocumentDetailView.as_view(),
         name="catalog-application-document"),
    path("applications/<int:pk>/validate/", ValidateView.as_view(), name="catalog-application-validate"),
    path("applications/<int:pk>/submit/", SubmitView.as_view(), name="catalog-application-submit"),
    path("applications/<int:pk>/withdraw/", WithdrawView.as_view(), name="catalog-application-withdraw"),
    path("applications/<int:pk>/follow-ups/", FollowupView.as_view(), name="catalog-application-followups"),
]
