"""Second-factor devices whose secrets cannot be read from a database dump.

django-otp's stock TOTP and static devices keep the key and the backup codes in plain text; these
keep the TOTP key encrypted (apps.accounts.crypto) and only keyed hashes of backup codes."""

import secrets
import time
from binascii import unhexlify
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP
from django_otp.util import random_hex

from . import crypto


class SecureTOTPDevice(TimestampMixin, ThrottlingMixin, Device):
    key_encrypted = models.TextField(editable=False)
    step = models.PositiveSmallIntegerField(default=30)
    digits = models.PositiveSmallIntegerField(default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = _("authenticator app")
        verbose_name_plural = _("authenticator apps")

    @classmethod
    def new_for(cls, user, name: str = "") -> "SecureTOTPDevice":
        device = cls(user=user, name=name or "TOTP", confirmed=False)
        device.set_key(random_hex(20))
        return device

    def set_key(self, hex_key: str) -> None:
        self.key_encrypted = crypto.encrypt(hex_key)

    @property
    def bin_key(self) -> bytes:
        return unhexlify(crypto.decrypt(self.key_encrypted).encode())

    @property
    def base32_key(self) -> str:
        from base64 import b32encode

        return b32encode(self.bin_key).decode()

    @property
    def config_url(self) -> str:
        label = quote(f"{settings.OTP_TOTP_ISSUER}:{self.user.get_username()}")
        params = {"secret": self.base32_key, "algorithm": "SHA1", "digits": self.digits,
                  "period": self.step, "issuer": settings.OTP_TOTP_ISSUER}
        return f"otpauth://totp/{label}?{urlencode(params)}"

    def verify_token(self, token) -> bool:
        allowed, _details = self.verify_is_allowed()
        if not allowed:
            return False
        try:
            token = int(str(token).strip())
        except (TypeError, ValueError):
            verified = False
        else:
            totp = TOTP(self.bin_key, self.step, 0, self.digits, self.drift)
            totp.time = time.time()
            verified = totp.verify(token, self.tolerance, self.last_t + 1)  # no token is accepted twice
            if verified:
                self.last_t = totp.t()
                self.drift = totp.drift
                self.throttle_reset(commit=False)
                self.set_last_used_timestamp(commit=False)
                self.save()
        if not verified:
            self.throttle_increment(commit=True)
        return verified

    def get_throttle_factor(self) -> int:
        return 1


class BackupCodeDevice(ThrottlingMixin, Device):
    """Single-use backup codes; only their keyed hashes are stored."""

    CODE_COUNT = 10

    class Meta(Device.Meta):
        verbose_name = _("backup codes")
        verbose_name_plural = _("backup codes")

    @staticmethod
    def _hash(code: str) -> str:
        return crypto.digest(code.replace("-", "").replace(" ", "").lower(), purpose="backup-code")

    def regenerate(self) -> list[str]:
        """Replace every code; return the new ones in clear text, to be shown once."""
        self.codes.all().delete()
        plain = ["{}-{}".format(*(secrets.token_hex(3), secrets.token_hex(3))) for _i in range(self.CODE_COUNT)]
        BackupCode.objects.bulk_create(BackupCode(device=self, code_hash=self._hash(code)) for code in plain)
        return plain

    def verify_token(self, token) -> bool:
        allowed, _details = self.verify_is_allowed()
        if not allowed:
            return False
        match = self.codes.filter(code_hash=self._hash(str(token))).first()
        if match is None:
            self.throttle_increment(commit=True)
            return False
        match.delete()
        self.throttle_reset(commit=True)
        return True

    def get_throttle_factor(self) -> int:
        return 1


class BackupCode(models.Model):
    device = models.ForeignKey(BackupCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["device", "code_hash"])]

    def __str__(self) -> str:
        return f"backup code #{self.pk}"
