"""The Ed25519 key that signs evidence manifests.

The private key is a secret: EVIDENCE_SIGNING_KEY (base64 of the 32-byte raw key, from the
environment) or the file EVIDENCE_SIGNING_KEY_FILE (default CRAWLER_DATA_DIR/keys/
evidence-signing.key, written by `crawler evidence keygen` with mode 0600; the same base64
text). It is never logged, never in -s, never in a manifest or an export: those carry the
public key and its fingerprint (the first 16 hex digits of its SHA-256), which is what a
recipient compares with the one published out of band.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PrivateFormat, PublicFormat

from crawler.config import ConfigError


def key_file(settings: Any) -> Path:
    configured = (settings.get("EVIDENCE_SIGNING_KEY_FILE") or "").strip()
    if configured:
        return Path(configured)
    return Path(settings.get("CRAWLER_DATA_DIR") or "data") / "keys" / "evidence-signing.key"


def _decode(text: str, source: str | Path, field: str) -> Ed25519PrivateKey:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ConfigError(source, field, "not an Ed25519 private key (base64 of 32 bytes)")
    return Ed25519PrivateKey.from_private_bytes(raw)


def load_signing_key(settings: Any) -> Ed25519PrivateKey | None:
    """The signing key from the environment setting or the key file; None when neither.

    ConfigError (naming the setting or the file) when one is there but cannot be used: not
    a key, or a file that cannot be read."""
    text = settings.get("EVIDENCE_SIGNING_KEY") or ""
    if text.strip():
        return _decode(text, "environment", "EVIDENCE_SIGNING_KEY")
    path = key_file(settings)
    try:
        content = path.read_text(encoding="ascii", errors="replace")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(
            path, "EVIDENCE_SIGNING_KEY_FILE", f"cannot be read ({exc.strerror or exc})"
        ) from None
    return _decode(content, path, "key")


def public_key_file(path: Path) -> Path:
    """Where keygen writes the public half of the key file `path`: `path` + ".pub"."""
    return path.with_name(path.name + ".pub")


def load_public_key(path: Path) -> bytes:
    """A public key file (base64 of the 32-byte raw Ed25519 public key, as keygen writes
    it), or ConfigError naming the file."""
    try:
        text = path.read_text(encoding="ascii", errors="replace")
    except OSError as exc:
        raise ConfigError(path, "--public-key", f"cannot be read ({exc.strerror or exc})") from None
    return decode_public(text, path, "--public-key")


def decode_public(text: str, source: str | Path, field: str) -> bytes:
    """The raw public key from its base64 text, or ConfigError."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
        Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError):
        raise ConfigError(source, field, "not an Ed25519 public key (base64 of 32 bytes)") from None
    return raw


def encode_public(public: bytes) -> str:
    return base64.b64encode(public).decode()


def generate_key_file(path: Path) -> Ed25519PrivateKey:
    """Write a new key to `path` (mode 0600, never over an existing file: FileExistsError)
    and its public key to `path`.pub (public_key_file)."""
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, serialization_none())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(base64.b64encode(raw).decode() + "\n")
        f.flush()
        os.fsync(f.fileno())
    public_key_file(path).write_text(encode_public(public_bytes(key)) + "\n", encoding="ascii")
    return key


def serialization_none() -> Any:
    from cryptography.hazmat.primitives.serialization import NoEncryption

    return NoEncryption()


def public_bytes(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return pub.public_bytes(Encoding.Raw, PublicFormat.Raw)


def fingerprint(public: bytes) -> str:
    return hashlib.sha256(public).hexdigest()[:16]


def sign(key: Ed25519PrivateKey, data: bytes) -> str:
    """The detached signature of `data`, base64."""
    return base64.b64encode(key.sign(data)).decode()


def verify_signature(public: bytes, data: bytes, signature_b64: str) -> bool:
    try:
        sig = base64.b64decode(signature_b64.strip(), validate=True)
        Ed25519PublicKey.from_public_bytes(public).verify(sig, data)
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True
