"""Test keys for the simulated SBI device: a device-provider CA and a device certificate it issued.

Generated once per process (RSA 2048, as MOSIP's minimum), never written anywhere unless a caller asks for the
PEM (``Identity.ca_pem``) to hand a driver as its ``trust`` file. Nothing here is a real MOSIP key.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from functools import lru_cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class Identity:
    key: rsa.RSAPrivateKey
    cert_der: bytes
    ca_der: bytes

    @property
    def ca_pem(self) -> bytes:
        return x509.load_der_x509_certificate(self.ca_der).public_bytes(Encoding.PEM)

    @property
    def cert_pem(self) -> bytes:
        return x509.load_der_x509_certificate(self.cert_der).public_bytes(Encoding.PEM)


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ektp-station simulator"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _cert(subject: str, issuer: str, public_key, signer, ca: bool, days: int = 30) -> x509.Certificate:
    now = _dt.datetime.now(_dt.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
               .public_key(public_key).serial_number(x509.random_serial_number())
               .not_valid_before(now - _dt.timedelta(days=1)).not_valid_after(now + _dt.timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    return builder.sign(signer, hashes.SHA256())


@lru_cache(maxsize=4)
def identity(serial: str = "SIM-SBI") -> Identity:
    """The simulated provider CA and the device key/certificate for ``serial`` (30-day device certificate, as
    MOSIP recommends rotating device keys monthly)."""
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = _cert("Simulated Device Provider CA", "Simulated Device Provider CA", ca_key.public_key(), ca_key, True, 365)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = _cert(f"SBI device {serial}", "Simulated Device Provider CA", key.public_key(), ca_key, False)
    return Identity(key, cert.public_bytes(Encoding.DER), ca.public_bytes(Encoding.DER))
