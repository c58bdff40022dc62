"""Telnyx webhook signatures: ed25519 over ``f"{timestamp}|{raw body}"``, 300 s tolerance.

The raw bytes as received are verified (never re-serialised JSON); headers are looked up
case-insensitively; a timestamp too old *or* too far in the future is refused (replays).
"""

from __future__ import annotations

import base64
import binascii
import functools
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

TOLERANCE_S = 300
SIGNATURE_HEADER = "telnyx-signature-ed25519"
TIMESTAMP_HEADER = "telnyx-timestamp"


class SignatureError(ValueError):
    """Why a webhook was refused: missing headers, stale timestamp or bad signature."""


def verify(raw: bytes, headers, public_key_b64: str, now: float | None = None) -> None:
    signature = headers.get(SIGNATURE_HEADER)
    timestamp = headers.get(TIMESTAMP_HEADER)
    if not signature or not timestamp:
        raise SignatureError("missing signature headers")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise SignatureError("malformed timestamp") from None
    if abs((now if now is not None else time.time()) - sent_at) > TOLERANCE_S:
        raise SignatureError("stale timestamp")
    try:
        key = _public_key(public_key_b64)
        key.verify(base64.b64decode(signature, validate=True), timestamp.encode() + b"|" + raw)
    except (InvalidSignature, ValueError, binascii.Error):
        raise SignatureError("bad signature") from None


@functools.lru_cache(maxsize=8)
def _public_key(public_key_b64: str) -> Ed25519PublicKey:
    """Parsed once per configured key, not on every webhook."""
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64))


def sign(raw: bytes, key: Ed25519PrivateKey, timestamp: int | None = None) -> dict:
    """Headers Telnyx would send for ``raw`` (used by ``simulate`` and tests)."""
    ts = str(int(timestamp if timestamp is not None else time.time()))
    signature = key.sign(ts.encode() + b"|" + raw)
    return {
        "telnyx-signature-ed25519": base64.b64encode(signature).decode(),
        "telnyx-timestamp": ts,
        "Content-Type": "application/json",
    }
