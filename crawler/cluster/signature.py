"""MinHash signatures and LSH band keys: near-duplicate text found by exact key lookup.

A listing's shingles (crawler.cluster.text) become a `datasketch.MinHash` of NUM_PERM
permutations (scheme affine32, the shingles' SHA-1 as input hash, fixed seed: the same
text gives the same signature in every process, so stores can persist it). The signature
is kept as bytes (NUM_PERM x uint32).

LSH: the signature is cut into BANDS bands of ROWS values; each band becomes a short key
string ``"<band:02d><12 hex digits>"``. Two listings whose texts have Jaccard similarity s
share at least one key with probability 1 - (1 - s**ROWS)**BANDS: with 32 bands of 4 rows,
0.988 at s = 0.6 (the text threshold), 0.87 at 0.5, 0.05 at 0.2. A store keeps (band key -> listing id) rows (a SQLite
table, an Elasticsearch keyword field) and finds candidates by exact lookup; candidates
are then verified with `jaccard` on the full signatures. No settings, no I/O.
"""

from __future__ import annotations

import hashlib
from functools import cache

import numpy as np
from datasketch import MinHash
from datasketch.minhash import _fmix

# 128 permutations: the standard error of a Jaccard estimate is sqrt(s(1-s)/128) <= 0.044,
# small next to the gap between linked and unlinked pairs (docs/clusters.md).
NUM_PERM = 128
BANDS = 32
ROWS = 4
SEED = 1313


@cache
def _permutations() -> np.ndarray:
    return MinHash(num_perm=NUM_PERM, seed=SEED).permutations


def signature(shingles: set[str]) -> bytes:
    """The MinHash of a set of shingles, as NUM_PERM little-endian uint32 values.

    `datasketch.MinHash(scheme="affine32").update_batch` step for step (SHA-1's first four
    bytes as the input hash, its MurmurHash3 pre-mix, the affine permutations, the minimum),
    without building a MinHash object and hashing through a function call per shingle;
    tests/cluster compare the two on many texts.
    """
    a, b = _permutations()
    if not shingles:
        return np.full(NUM_PERM, 0xFFFFFFFF, dtype="<u4").tobytes()
    sha1 = hashlib.sha1
    digests = b"".join([sha1(s.encode("utf-8")).digest()[:4] for s in shingles])
    hv = _fmix(np.frombuffer(digests, dtype="<u4").astype(np.uint32).reshape(-1, 1), 32)
    return (hv * a + b).min(axis=0).astype("<u4").tobytes()


def datasketch_signature(shingles: set[str]) -> bytes:
    """`signature` through datasketch's own MinHash (what the tests compare it with)."""
    mh = MinHash(num_perm=NUM_PERM, permutations=_permutations(), scheme="affine32")
    mh.update_batch([s.encode("utf-8") for s in sorted(shingles)])
    return mh.hashvalues.astype("<u4").tobytes()


def values(sig: bytes) -> np.ndarray:
    return np.frombuffer(sig, dtype="<u4")


def jaccard(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the two texts behind two signatures."""
    return float(np.count_nonzero(values(a) == values(b))) / NUM_PERM


def jaccard_many(sig: bytes, others: list[bytes]) -> list[float]:
    """Estimated Jaccard similarity of one signature with each of several (one numpy pass)."""
    if not others:
        return []
    m = np.frombuffer(b"".join(others), dtype="<u4").reshape(len(others), NUM_PERM)
    return (np.count_nonzero(m == values(sig), axis=1) / NUM_PERM).tolist()


def jaccard_matrix(sigs: list[bytes]) -> np.ndarray:
    """Pairwise estimated Jaccard similarities of several signatures (n x n)."""
    m = np.stack([values(s) for s in sigs])
    return (m[:, None, :] == m[None, :, :]).mean(axis=2)


def band_keys(sig: bytes) -> list[str]:
    """The LSH band keys of a signature: BANDS short strings, one per band."""
    width = ROWS * 4
    return [
        f"{band:02d}"
        + hashlib.blake2b(sig[band * width : (band + 1) * width], digest_size=6).hexdigest()
        for band in range(BANDS)
    ]
