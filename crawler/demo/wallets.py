"""Synthetic, checksum-valid crypto wallet addresses for the demo platforms.

Addresses are encoded from bytes drawn from a seeded `random.Random`, so the same seed
always yields the same addresses; no address is copied from anywhere. Supported:

- btc bech32 (BIP 173, witness v0 P2WPKH, "bc1q..."),
- btc base58check (P2PKH "1..." and P2SH "3..."),
- eth (EIP-55 mixed-case checksum over keccak-256).

Used by crawler/demo/forum.py (and available to other demo platforms).
"""

from __future__ import annotations

import random

import base58
from Crypto.Hash import keccak

from crawler.models import Wallet

_BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_GEN = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def _bech32_polymod(values: list[int]) -> int:
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= _BECH32_GEN[i] if ((top >> i) & 1) else 0
    return chk


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _convertbits(data: bytes, frombits: int, tobits: int) -> list[int]:
    acc = bits = 0
    out: list[int] = []
    maxv = (1 << tobits) - 1
    for b in data:
        acc = (acc << frombits) | b
        bits += frombits
        while bits >= tobits:
            bits -= tobits
            out.append((acc >> bits) & maxv)
    if bits:
        out.append((acc << (tobits - bits)) & maxv)
    return out


def bech32_address(program: bytes, hrp: str = "bc", witver: int = 0) -> str:
    """Segwit v0 address (bech32, not bech32m) for a 20- or 32-byte witness program."""
    data = [witver] + _convertbits(program, 8, 5)
    polymod = _bech32_polymod(_hrp_expand(hrp) + data + [0] * 6) ^ 1
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_BECH32_CHARSET[d] for d in data + checksum)


def bech32_is_valid(address: str) -> bool:
    address = address.lower()
    hrp, sep, rest = address.rpartition("1")
    if not sep or not hrp or len(rest) < 7 or any(c not in _BECH32_CHARSET for c in rest):
        return False
    data = [_BECH32_CHARSET.index(c) for c in rest]
    return _bech32_polymod(_hrp_expand(hrp) + data) == 1


def base58check_address(payload: bytes, version: int = 0x00) -> str:
    """Base58check P2PKH (version 0x00) or P2SH (0x05) address for a 20-byte hash."""
    return base58.b58encode_check(bytes([version]) + payload).decode("ascii")


def base58check_is_valid(address: str) -> bool:
    try:
        raw = base58.b58decode_check(address)
    except ValueError:
        return False
    return len(raw) == 21


def _keccak256_hex(data: bytes) -> str:
    h = keccak.new(digest_bits=256)
    h.update(data)
    return h.hexdigest()


def eth_address(account: bytes) -> str:
    """EIP-55 checksummed address for 20 account bytes."""
    lower = account.hex()
    digest = _keccak256_hex(lower.encode("ascii"))
    return "0x" + "".join(c.upper() if int(digest[i], 16) >= 8 else c for i, c in enumerate(lower))


def eth_is_valid(address: str) -> bool:
    if not (address.startswith("0x") and len(address) == 42):
        return False
    body = address[2:]
    try:
        raw = bytes.fromhex(body)
    except ValueError:
        return False
    return eth_address(raw) == address


def random_wallet(rng: random.Random, chain: str | None = None) -> Wallet:
    """A checksum-valid wallet drawn from `rng`: btc (bech32 or base58check) or eth."""
    chain = chain or rng.choice(("btc", "btc", "eth"))
    payload = rng.randbytes(20)
    if chain == "eth":
        return Wallet(chain="eth", address=eth_address(payload))
    if chain != "btc":
        raise ValueError(f"unsupported demo wallet chain {chain!r}")
    style = rng.random()
    if style < 0.6:
        address = bech32_address(payload)
    elif style < 0.85:
        address = base58check_address(payload, 0x00)
    else:
        address = base58check_address(payload, 0x05)
    return Wallet(chain="btc", address=address)


def is_valid_wallet(wallet: Wallet) -> bool:
    """Checksum check of an address this module can produce."""
    if wallet.chain == "eth":
        return eth_is_valid(wallet.address)
    if wallet.address.lower().startswith("bc1"):
        return bech32_is_valid(wallet.address)
    return base58check_is_valid(wallet.address)
