"""Personal data and secrets: keyed hashes, encryption, masking, IP reduction, signing.

    k = keys()                                      # Keys.from_config(current_app.config)
    k.email_hash("ana@example.org")                 # HMAC-SHA256, for matching (email_hashes:
                                                    #   one per key, for rotation)
    k.avatar_key("ana@example.org", "blog")         # per site: unlinkable across sites
    k.ip_hash("203.0.113.77"); k.token_hash(token)  # keyed digests kept instead of the value
    k.ip_hashes("203.0.113.77")                     # one per key, for matching after rotation
    cipher = k.encrypt("ana@example.org")           # Fernet (AES-CBC + HMAC), for moderators
    k.decrypt(cipher)                               # "ana@example.org" (None if unreadable)
    signer("form token").dumps([...])               # itsdangerous, signed with every key
    mask_email("ana@example.org")                   # "a•••@example.org"
    ip_prefix("203.0.113.77")                       # "203.0.113.0/24" (IPv6: /48)
    ip_in_prefixes("203.0.113.0/24", ["203.0.113.0/24"])   # a site's IP block list

Addresses arrive here already normalised (the validation module does that).

Every key is derived from SECRET_KEY by HKDF with its own purpose label, so a leak of one
derived key exposes nothing else. Keys from SECRET_KEY_FALLBACKS still decrypt and match,
which is how SECRET_KEY is rotated.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import ipaddress
import typing as t
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from itsdangerous import URLSafeSerializer

from .config import fallback_keys

PURPOSE_EMAIL_HASH = b"commentsvc email hash v1"
PURPOSE_EMAIL_CIPHER = b"commentsvc email encryption v1"
PURPOSE_AVATAR = b"commentsvc avatar v1"
PURPOSE_IP_HASH = b"commentsvc ip hash v1"
PURPOSE_TOKEN = b"commentsvc token hash v1"


@functools.lru_cache(maxsize=256)  # a write derives ~9 keys: HKDF each time cost ~0.1 ms
def derive_key(secret: str | bytes, purpose: bytes, length: int = 32) -> bytes:
    """Derive a key for one purpose from the application secret (remembered per process: the
    same inputs always give the same key, and the secret itself is in memory anyway)."""
    material = secret.encode() if isinstance(secret, str) else secret
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=purpose).derive(material)


def _hmac(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Keys:
    secrets: tuple[str, ...]  # current first, then fallbacks

    @classmethod
    def from_config(cls, config: t.Mapping[str, t.Any]) -> Keys:
        # Normalised at load already; again here for mappings that never went through it.
        return cls((str(config["SECRET_KEY"]), *fallback_keys(config.get("SECRET_KEY_FALLBACKS"))))

    def email_hash(self, email: str) -> str:
        """Keyed hash of a normalised address (current key)."""
        return _hmac(derive_key(self.secrets[0], PURPOSE_EMAIL_HASH), email.casefold())

    def email_hashes(self, email: str) -> list[str]:
        """Hashes of the address under the current key and every fallback key."""
        return [_hmac(derive_key(s, PURPOSE_EMAIL_HASH), email.casefold()) for s in self.secrets]

    def avatar_key(self, email: str, site_key: str) -> str:
        """A short keyed digest naming the identicon; reveals nothing about the address.

        Keyed per site: one address gets another avatar on every site, so the public avatar
        URLs of two sites cannot be matched to follow a person from one to the other.
        """
        key = derive_key(self.secrets[0], PURPOSE_AVATAR + b" site " + site_key.encode())
        return _hmac(key, email.casefold())[:20]

    def ip_hash(self, ip: str) -> str:
        return _hmac(derive_key(self.secrets[0], PURPOSE_IP_HASH), ip)

    def ip_hashes(self, ip: str) -> list[str]:
        """Hashes of the IP under the current key and every fallback key (flood, duplicates)."""
        return [_hmac(derive_key(s, PURPOSE_IP_HASH), ip) for s in self.secrets]

    def token_hash(self, token: str) -> str:
        """Hash of a bearer or edit token; the token itself is never stored."""
        return hashlib.sha256(token.encode()).hexdigest()

    def _fernet(self) -> MultiFernet:
        return _fernet(self.secrets)

    def encrypt(self, email: str) -> str:
        return self._fernet().encrypt(email.encode()).decode()

    def decrypt(self, token: str) -> str | None:
        """The address, or None when no current or fallback key opens it."""
        try:
            return self._fernet().decrypt(token.encode()).decode()
        except InvalidToken:
            return None


@functools.lru_cache(maxsize=8)
def _fernet(secrets: tuple[str, ...]) -> MultiFernet:
    """The cipher of a key list (built once per process: Fernet keeps no state between uses)."""
    return MultiFernet(
        [Fernet(base64.urlsafe_b64encode(derive_key(s, PURPOSE_EMAIL_CIPHER))) for s in secrets]
    )


def keys() -> Keys:
    """The keys of the current app."""
    return Keys.from_config(current_app.config)


def signer(salt: str) -> URLSafeSerializer:
    """A serializer signing with SECRET_KEY and accepting tokens signed with any fallback."""
    # itsdangerous signs with the last key and accepts any: oldest first.
    return URLSafeSerializer(list(reversed(keys().secrets)), salt=salt)


def mask_email(email: str) -> str:
    """Show the first character of the local part and the domain: a•••@example.org."""
    local, _, domain = email.rpartition("@")
    return f"{local[:1]}•••@{domain}"


def ip_prefix(addr: str | None) -> str | None:
    """The /24 of an IPv4 address or the /48 of an IPv6 address; None if it is not an address."""
    if not addr:
        return None
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    bits = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{bits}", strict=False))


def ip_in_prefixes(prefix: str | None, blocked: t.Iterable[str]) -> bool:
    """Whether a stored prefix lies inside any of the blocked networks."""
    if not prefix:
        return False
    net = ipaddress.ip_network(prefix)
    for entry in blocked:
        try:
            other = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            continue
        if net.version == other.version and (net.subnet_of(other) or other.subnet_of(net)):  # type: ignore[arg-type]
            return True
    return False
