"""k8s.io/apimachinery/pkg/util/rand: random name suffixes and the vowel-free alphabet.

The API server appends one to generateName, the ReplicaSet controller to its pods' names,
and the Deployment controller encodes pod-template-hash with the same alphabet.
"""

from __future__ import annotations

from app.core.model.workspace import Workspace

# The alphabet of generated names and pod-template-hash.
SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def random_suffix(ws: Workspace, length: int = 5) -> str:
    return "".join(ws.rng.choice(SAFE_ALPHABET) for _ in range(length))


def safe_encode(text: str) -> str:
    """rand.SafeEncodeString: each character mapped into the vowel-free alphabet."""
    return "".join(SAFE_ALPHABET[ord(c) % len(SAFE_ALPHABET)] for c in text)
