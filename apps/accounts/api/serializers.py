from rest_framework import serializers

from apps.accounts.models import Organisation, User


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "name_en", "kind", "level", "region", "credit_code", "is_active"]
        read_only_fields = fields


class MeSerializer(serializers.ModelSerializer):
    organisation = OrganisationSerializer(read_only=True)
    roles = serializers.SerializerMethodField()
    identity_number = serializers.CharField(source="identity_number_masked", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "email", "mobile", "identity_number", "is_machine",
                  "organisation", "roles"]
        read_only_fields = fields

    def get_roles(self, user) -> list[str]:
        return sorted(user.role_codes)


class MemberCreateSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    full_name = serializers.CharField(max_length=100)
    email = serializers.EmailField()
    mobile = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    identity_number = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")
    roles = serializers.ListField(child=serializers.CharField(), allow_empty=False)
    password = serializers.CharField(write_only=True)
