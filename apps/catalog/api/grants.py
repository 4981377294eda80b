"""/api/v1/catalog/grants/...: grants, releases, de-identification, reports, the certificate of destruction and
revocation through the regulatory access port (SVC-3, SEC-4, SEC-8). The same services and the same scoping
as the pages: a grant the caller may not see is a 404, a visible one it may not act on a 403. Ids in request
bodies are resolved only within the grant, so they reveal nothing about other records."""

from django.urls import path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core import errors, policy
from apps.core.files import file_response
from apps.standards.services.evidence import evidence_content_type

from ..models import (
    ApplicationItem,
    DataField,
    DataGrant,
    DataRelease,
    DeidentificationMethod,
    DeidentificationRecord,
    DestructionCertificate,
    GrantReport,
)
from ..services import grants as grant_services

VIEW = grant_services.VIEW
# The methods a provider may record as applied ("none" is no de-identification).
APPLIED_DEIDENTIFICATION_METHODS = [c for c in DeidentificationMethod.choices if c[0] != DeidentificationMethod.NONE]
BINARY = {(200, "application/octet-stream"): OpenApiTypes.BINARY}


# --- serializers --------------------------------------------------------------------------------------------


class GrantFieldSerializer(serializers.ModelSerializer):
    class Meta:
        model = DataField
        fields = ["id", "name", "name_en", "element_code", "level", "personal"]
        read_only_fields = fields


class GrantItemSerializer(serializers.ModelSerializer):
    resource = serializers.CharField(source="resource.code", read_only=True)
    title = serializers.CharField(source="version.title", read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True)
    provider = serializers.IntegerField(source="provider_id", read_only=True)
    provider_name = serializers.CharField(source="provider.name", read_only=True)
    fields = GrantFieldSerializer(many=True, read_only=True)

    class Meta:
        model = ApplicationItem
        fields = ["id", "resource", "title", "version", "provider", "provider_name", "fields"]
        read_only_fields = fields


class GrantRecipientSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="get_full_name", read_only=True)
    organisation = serializers.CharField(source="organisation.name", default="", read_only=True)


class GrantActionsSerializer(serializers.Serializer):
    release = serializers.BooleanField(read_only=True)
    deidentify = serializers.BooleanField(read_only=True)
    file = serializers.BooleanField(read_only=True)
    certify = serializers.BooleanField(read_only=True)
    revoke = serializers.BooleanField(read_only=True)


class GrantSerializer(serializers.ModelSerializer):
    application = serializers.IntegerField(source="application_id", read_only=True)
    application_number = serializers.CharField(source="application.number", read_only=True)
    title = serializers.CharField(source="application.title", read_only=True)
    grantee = serializers.IntegerField(source="applicant_id", read_only=True)
    grantee_name = serializers.CharField(source="applicant.name", read_only=True)
    grantee_region = serializers.CharField(source="applicant_region_id", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = DataGrant
        fields = ["id", "number", "application", "application_number", "title", "grantee", "grantee_name",
                  "grantee_region", "status", "starts_on", "ends_on", "created_at", "ended_at",
                  "destruction_due_on", "url"]
        read_only_fields = fields

    def get_url(self, grant) -> str:
        return reverse("catalog:grant_detail", args=[grant.pk])


class GrantDetailSerializer(GrantSerializer):
    items = serializers.SerializerMethodField()
    recipients = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    superseded_by = serializers.CharField(source="superseded_by.number", default=None, read_only=True)

    class Meta(GrantSerializer.Meta):
        fields = [*GrantSerializer.Meta.fields, "conditions", "suspended_at", "suspended_reason",
                  "revocation_reason", "certificate_overdue_flagged_at", "superseded_by", "items", "recipients",
                  "actions"]
        read_only_fields = fields

    @extend_schema_field(GrantItemSerializer(many=True))
    def get_items(self, grant):
        rows = (grant.application.items.select_related("resource", "version", "provider")
                .prefetch_related("fields").order_by("pk"))
        return GrantItemSerializer(rows, many=True).data

    @extend_schema_field(GrantRecipientSerializer(many=True))
    def get_recipients(self, grant):
        return GrantRecipientSerializer(grant.recipients.select_related("organisation").order_by("pk"),
                                        many=True).data

    @extend_schema_field(GrantActionsSerializer)
    def get_actions(self, grant):
        return grant_services.grant_actions(self.context["request"].user, grant)


class ReleaseSerializer(serializers.ModelSerializer):
    resource = serializers.CharField(source="item.resource.code", read_only=True)
    fields = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    recipient_name = serializers.CharField(source="recipient.get_full_name", read_only=True)
    released_by_name = serializers.CharField(source="released_by.get_full_name", read_only=True)

    class Meta:
        model = DataRelease
        fields = ["id", "item", "resource", "version_number", "fields", "description", "file_name", "checksum",
                  "record_count", "recipient", "recipient_name", "deidentification", "released_at", "released_by",
                  "released_by_name"]
        read_only_fields = fields


class ReleaseInputSerializer(serializers.Serializer):
    item = serializers.IntegerField(help_text="Id of one of the grant's requested resources (see the grant's items).")
    fields = serializers.ListField(child=serializers.IntegerField(), required=False,
                                   help_text="Ids of the released fields; omitted = every granted field.")
    recipient = serializers.IntegerField(help_text="User id of a recipient named on the grant.")
    deidentification = serializers.IntegerField(required=False, allow_null=True,
                                                help_text="Id of this grant's de-identification record.")
    description = serializers.CharField()
    file_name = serializers.CharField(max_length=200)
    checksum = serializers.CharField(max_length=100, help_text="SHA-256, 64 hexadecimal characters.")
    record_count = serializers.IntegerField(required=False, allow_null=True, min_value=0)


class DeidentificationSerializer(serializers.ModelSerializer):
    resource = serializers.CharField(source="item.resource.code", read_only=True)
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = DeidentificationRecord
        fields = ["id", "item", "resource", "method", "description", "evidence_name", "evidence_sha256",
                  "evidence", "recorded_by", "recorded_at"]
        read_only_fields = fields

    def get_evidence(self, record) -> str:
        return reverse("api:catalog-grant-deidentification-evidence", args=[record.grant_id, record.pk])


class DeidentificationInputSerializer(serializers.Serializer):
    item = serializers.IntegerField(help_text="Id of one of the grant's requested resources.")
    method = serializers.ChoiceField(choices=APPLIED_DEIDENTIFICATION_METHODS)
    description = serializers.CharField()
    evidence = serializers.FileField(help_text="PDF, PNG or JPEG.")


class ReportSerializer(serializers.ModelSerializer):
    attachment = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = GrantReport
        fields = ["id", "kind", "due_on", "status", "overdue", "overdue_flagged_at", "content", "attachment_name",
                  "attachment", "submitted_by", "submitted_at"]
        read_only_fields = fields

    def get_attachment(self, report) -> str:
        if not report.attachment:
            return ""
        return reverse("api:catalog-grant-report-attachment", args=[report.grant_id, report.pk])

    def get_overdue(self, report) -> bool:
        from django.utils import timezone

        return report.status == GrantReport.Status.DUE and report.due_on < timezone.localdate()


class ReportInputSerializer(serializers.Serializer):
    content = serializers.CharField()
    attachment = serializers.FileField(required=False, help_text="PDF, PNG or JPEG.")


class CertificateSerializer(serializers.ModelSerializer):
    document = serializers.SerializerMethodField()

    class Meta:
        model = DestructionCertificate
        fields = ["id", "destroyed_on", "method", "signed_by_name", "document_name", "document_sha256", "document",
                  "filed_by", "filed_at"]
        read_only_fields = fields

    def get_document(self, certificate) -> str:
        return reverse("api:catalog-grant-certificate-document", args=[certificate.grant_id])


class CertificateInputSerializer(serializers.Serializer):
    destroyed_on = serializers.DateField()
    method = serializers.CharField()
    signed_by_name = serializers.CharField(max_length=100)
    document = serializers.FileField(help_text="The signed certificate: PDF, PNG or JPEG.")


class RevokeInputSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)
    breach = serializers.BooleanField(default=False,
                                      help_text="A breach of the grant's conditions raises a credit event.")


class OverdueReportSerializer(ReportSerializer):
    grant = GrantSerializer(read_only=True)

    class Meta(ReportSerializer.Meta):
        fields = ["grant", *ReportSerializer.Meta.fields]
        read_only_fields = fields


# --- helpers -----------------------------------------------------------------------------------------------


def _grant(request, pk) -> DataGrant:
    return policy.get_object(request.user, DataGrant.objects.select_related(
        "application", "applicant", "superseded_by"), VIEW, pk=pk)


def _validated(serializer_class, request):
    payload = serializer_class(data=request.data)
    payload.is_valid(raise_exception=True)
    return payload.validated_data


def _field_error(field: str, message) -> errors.ValidationFailed:
    return errors.ValidationFailed(field_errors={field: [message]})


# --- grants ---------------------------------------------------------------------------------------------------


class GrantListView(generics.ListAPIView):
    """Grants the caller sees: a grantee its own, a provider those on its resources, a department its
    jurisdiction, a recipient those naming it."""

    serializer_class = GrantSerializer
    queryset = DataGrant.objects.none()
    filter_backends: list = []

    @extend_schema(parameters=[
        OpenApiParameter("status", str, enum=DataGrant.Status.values),
        OpenApiParameter("expiring", int, description="Only grants in force ending within this many days."),
        OpenApiParameter("overdue", bool, description="Only grants with an overdue report or certificate."),
    ])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DataGrant.objects.none()
        user, params = self.request.user, self.request.query_params
        rows = grant_services.grants_for(user)
        order = ["-created_at", "-pk"]
        if params.get("status"):
            if params["status"] not in DataGrant.Status.values:
                raise _field_error("status", _("Unknown status."))
            rows = rows.filter(status=params["status"])
        if params.get("expiring"):
            raw = params["expiring"]
            if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) <= 3650:
                raise _field_error("expiring", _("Give a number of days between 1 and 3650."))
            rows = grant_services.grants_expiring(user, int(raw)).filter(pk__in=rows.values("pk"))
            order = ["ends_on", "pk"]
        if params.get("overdue") in ("1", "true", "True"):
            rows = rows.filter(pk__in=grant_services.grants_with_overdue_obligations(user).values("pk"))
        return rows.select_related("application", "applicant").order_by(*order)


class GrantDetailView(APIView):
    @extend_schema(responses=GrantDetailSerializer)
    def get(self, request, pk: int):
        return Response(GrantDetailSerializer(_grant(request, pk), context={"request": request}).data)


class GrantRevokeView(APIView):
    """A department with catalog.revoke_grant whose jurisdiction covers the grantee or a provider."""

    @extend_schema(request=RevokeInputSerializer, responses=GrantDetailSerializer)
    def post(self, request, pk: int):
        grant = _grant(request, pk)
        data = _validated(RevokeInputSerializer, request)
        grant = grant_services.grant_revoke(grant, reason=data["reason"], breach=data["breach"], by=request.user)
        return Response(GrantDetailSerializer(grant, context={"request": request}).data)


# --- releases and de-identification (SEC-8) --------------------------------------------------------------------


def _item(grant, item_id):
    return ApplicationItem.objects.filter(pk=item_id, application_id=grant.application_id).select_related(
        "resource", "version").first()


class ReleaseListView(generics.ListAPIView):
    """GET: every release recorded under the grant. POST: the provider of a resource records a release."""

    serializer_class = ReleaseSerializer
    queryset = DataRelease.objects.none()
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DataRelease.objects.none()
        grant = _grant(self.request, self.kwargs["pk"])
        return (grant.releases.select_related("item__resource", "recipient", "released_by")
                .prefetch_related("fields").order_by("-released_at", "-pk"))

    @extend_schema(request=ReleaseInputSerializer, responses={201: ReleaseSerializer})
    def post(self, request, pk: int):
        grant = _grant(request, pk)
        grant_services.require_provider(request.user, grant)
        data = _validated(ReleaseInputSerializer, request)
        item = _item(grant, data["item"])
        fields = None
        if item is not None and data.get("fields") is not None:
            wanted = set(data["fields"])
            fields = list(DataField.objects.filter(version_id=item.version_id, pk__in=wanted))
            unknown = wanted - {field.pk for field in fields}
            if unknown:
                raise _field_error("fields", _("These are not fields of the resource: %(ids)s.")
                                       % {"ids": ", ".join(str(pk) for pk in sorted(unknown))})
        deidentification = None
        if data.get("deidentification") is not None:
            deidentification = grant.deidentifications.filter(pk=data["deidentification"]).first()
            if deidentification is None:
                raise _field_error("deidentification",
                                       _("No de-identification record with this id under grant %(number)s.")
                                       % {"number": grant.number})
        release = grant_services.release_record(
            grant, item=item, description=data["description"], file_name=data["file_name"],
            checksum=data["checksum"], record_count=data.get("record_count"),
            recipient=grant.recipients.filter(pk=data["recipient"]).first(), deidentification=deidentification,
            fields=fields, by=request.user)
        return Response(ReleaseSerializer(release).data, status=status.HTTP_201_CREATED)


class DeidentificationListView(generics.ListAPIView):
    """GET: the grant's de-identification records. POST: the provider of a resource records one, with evidence."""

    serializer_class = DeidentificationSerializer
    queryset = DeidentificationRecord.objects.none()
    filter_backends: list = []
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DeidentificationRecord.objects.none()
        grant = _grant(self.request, self.kwargs["pk"])
        return grant.deidentifications.select_related("item__resource").order_by("-recorded_at", "-pk")

    @extend_schema(request={"multipart/form-data": DeidentificationInputSerializer},
                   responses={201: DeidentificationSerializer})
    def post(self, request, pk: int):
        grant = _grant(request, pk)
        grant_services.require_provider(request.user, grant)
        data = _validated(DeidentificationInputSerializer, request)
        record = grant_services.deidentification_record(
            grant, item=_item(grant, data["item"]), method=data["method"], description=data["description"],
            evidence_upload=data["evidence"], by=request.user)
        return Response(DeidentificationSerializer(record).data, status=status.HTTP_201_CREATED)


class DeidentificationEvidenceView(APIView):
    @extend_schema(responses=BINARY)
    def get(self, request, pk: int, record_pk: int):
        grant = _grant(request, pk)
        record = grant.deidentifications.filter(pk=record_pk).first()
        if record is None:
            raise errors.NotFound()
        return file_response(record.evidence, filename=record.evidence_name or "evidence",
                             content_type=evidence_content_type(record.evidence.name),
                             audit_request=request, audit_object=record)


# --- reports and the certificate of destruction (SVC-3) -----------------------------------------------------------


class ReportListView(generics.ListAPIView):
    """The reports the grantee owes under the grant (due, submitted, no longer due), in due order."""

    serializer_class = ReportSerializer
    queryset = GrantReport.objects.none()
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return GrantReport.objects.none()
        return _grant(self.request, self.kwargs["pk"]).reports.order_by("due_on", "pk")


def _report(request, pk, report_pk) -> GrantReport:
    report = _grant(request, pk).reports.select_related("grant").filter(pk=report_pk).first()
    if report is None:
        raise errors.NotFound()
    return report


class ReportSubmitView(APIView):
    """The grantee's people or a recipient file the report; a late one is accepted and stays flagged."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request={"multipart/form-data": ReportInputSerializer, "application/json": ReportInputSerializer},
                   responses=ReportSerializer)
    def post(self, request, pk: int, report_pk: int):
        report = _report(request, pk, report_pk)
        grant_services.require_grantee(request.user, report.grant)
        data = _validated(ReportInputSerializer, request)
        report = grant_services.report_submit(report, content=data["content"], attachment=data.get("attachment"),
                                              by=request.user)
        return Response(ReportSerializer(report).data)


class ReportAttachmentView(APIView):
    @extend_schema(responses=BINARY)
    def get(self, request, pk: int, report_pk: int):
        report = _report(request, pk, report_pk)
        return file_response(report.attachment, filename=report.attachment_name or "attachment",
                             content_type=evidence_content_type(report.attachment.name or ""),
                             audit_request=request, audit_object=report)


class CertificateView(APIView):
    """GET: the certificate of destruction (404 while none is filed). POST: the grantee files it for an expired
    or revoked grant, which closes the grant."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=CertificateSerializer)
    def get(self, request, pk: int):
        certificate = DestructionCertificate.objects.filter(grant=_grant(request, pk)).first()
        if certificate is None:
            raise errors.NotFound()
        return Response(CertificateSerializer(certificate).data)

    @extend_schema(request={"multipart/form-data": CertificateInputSerializer},
                   responses={201: CertificateSerializer})
    def post(self, request, pk: int):
        grant = _grant(request, pk)
        grant_services.require_grantee(request.user, grant)
        data = _validated(CertificateInputSerializer, request)
        certificate = grant_services.destruction_certify(
            grant, destroyed_on=data["destroyed_on"], method=data["method"], signed_by_name=data["signed_by_name"],
            document=data["document"], by=request.user)
        return Response(CertificateSerializer(certificate).data, status=status.HTTP_201_CREATED)


class CertificateDocumentView(APIView):
    @extend_schema(responses=BINARY)
    def get(self, request, pk: int):
        certificate = DestructionCertificate.objects.filter(grant=_grant(request, pk)).first()
        if certificate is None:
            raise errors.NotFound()
        return file_response(certificate.document, filename=certificate.document_name or "certificate",
                             content_type=evidence_content_type(certificate.document.name),
                             audit_request=request, audit_object=certificate)


# --- overdue obligations (departments' follow-up) ----------------------------------------------------------------


class OverdueReportsView(generics.ListAPIView):
    """Reports still due after their due date, on grants the caller sees."""

    serializer_class = OverdueReportSerializer
    queryset = GrantReport.objects.none()
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return GrantReport.objects.none()
        return grant_services.reports_overdue(self.request.user).select_related("grant__application")


class OverdueCertificatesView(generics.ListAPIView):
    """Expired or revoked grants the caller sees whose certificate of destruction is late."""

    serializer_class = GrantSerializer
    queryset = DataGrant.objects.none()
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DataGrant.objects.none()
        return grant_services.certificates_overdue(self.request.user)


urlpatterns = [
    path("grants/", GrantListView.as_view(), name="catalog-grant-list"),
    path("grants/overdue/reports/", OverdueReportsView.as_view(), name="catalog-grant-overdue-reports"),
    path("grants/overdue/certificates/", OverdueCertificatesView.as_view(), name="catalog-grant-overdue-certificates"),
    path("grants/<int:pk>/", GrantDetailView.as_view(), name="catalog-grant-detail"),
    path("grants/<int:pk>/revoke/", GrantRevokeView.as_view(), name="catalog-grant-revoke"),
    path("grants/<int:pk>/releases/", ReleaseListView.as_view(), name="catalog-grant-releases"),
    path("grants/<int:pk>/deidentifications/", DeidentificationListView.as_view(),
         name="catalog-grant-deidentifications"),
    path("grants/<int:pk>/deidentifications/<int:record_pk>/evidence/", DeidentificationEvidenceView.as_view(),
         name="catalog-grant-deidentification-evidence"),
    path("grants/<int:pk>/reports/", ReportListView.as_view(), name="catalog-grant-reports"),
    path("grants/<int:pk>/reports/<int:report_pk>/submit/", ReportSubmitView.as_view(),
         name="catalog-grant-report-submit"),
    path("grants/<int:pk>/reports/<int:report_pk>/attachment/", ReportAttachmentView.as_view(),
         name="catalog-grant-report-attachment"),
    path("grants/<int:pk>/certificate/", CertificateView.as_view(), name="catalog-grant-certificate"),
    path("grants/<int:pk>/certificate/document/", CertificateDocumentView.as_view(),
         name="catalog-grant-certificate-document"),
]
