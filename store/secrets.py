"""Secrets the embedded mode keeps in the data dir, so nothing secret lives in code.

* ``jwt_secret``: the HS256 key for API tokens when ``JWT_SECRET`` is not set.
* ``dev_telnyx_ed25519.pem`` / ``.pub``: a development key pair standing in for Telnyx's.
  The gateway verifies every webhook with the public half exactly as it would Telnyx's real key;
  ``supervisor.py simulate`` signs with the private half. Verification is never switched off.

Files are created once, atomically, readable by the owner only.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

JWT_SECRET_FILE = "jwt_secret"
DEV_SIGNING_KEY_FILE = "dev_telnyx_ed25519.pem"
DEV_PUBLIC_KEY_FILE = "dev_telnyx_ed25519.pub"


def _write_private(path: Path, data: bytes) -> None:
    """Create ``path`` with mode 0600 without ever exposing a partial file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def ensure_jwt_secret(data_dir: Path) -> str:
    path = data_dir / JWT_SECRET_FILE
    if not path.exists():
        _write_private(path, secrets.token_urlsafe(48).encode())
    return path.read_text().strip()


def ensure_dev_keypair(data_dir: Path) -> str:
    """Return the base64 public key of the dev pair, generating the pair on first use."""
    private_path = data_dir / DEV_SIGNING_KEY_FILE
    public_path = data_dir / DEV_PUBLIC_KEY_FILE
    if not private_path.exists():
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _write_private(private_path, pem)
        public_path.unlink(missing_ok=True)
    if not public_path.exists():
        public_path.write_text(public_key_b64(load_signing_key(private_path)) + "\n")
    return public_path.read_text().strip()


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an ed25519 private key")
    return key


def public_key_b64(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def is_ed25519_public_key(value: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(value, validate=True))
    except ValueError:
        return False
    return True
