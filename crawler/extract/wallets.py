"""Cryptocurrency wallet addresses in listing text, kept only when their checksum is valid.

Chains: btc (base58check P2PKH/P2SH, bech32 / bech32m segwit), eth (0x + 40 hex, EIP-55
checksum when mixed case), xmr (Monero base58, standard, subaddress and integrated, with
the keccak checksum), trx (Tron base58check, also used for USDT-TRC20). A random string
of the right shape almost never passes the checksum, so hits are real addresses.

The encoders (btc_base58_address, btc_segwit_address, eth_address, xmr_address,
trx_address) build valid addresses from raw bytes: tests and the synthetic demo
platforms generate wallets with them instead of copying real ones. No settings.
"""

from __future__ import annotations

import hashlib
import re

import base58

from crawler.extract.language import TextWords
from crawler.models import Wallet

# --- base58check (Bitcoin, Tron) -------------------------------------------------------


def _sha256d(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def _base58check_payload(address: str) -> bytes | None:
    try:
        raw = base58.b58decode(address)
    except ValueError:
        return None
    if len(raw) < 5 or _sha256d(raw[:-4])[:4] != raw[-4:]:
        return None
    return raw[:-4]


def btc_base58_address(hash160: bytes, script: bool = False) -> str:
    """A P2PKH (or P2SH when `script`) mainnet address for a 20-byte hash."""
    payload = (b"\x05" if script else b"\x00") + hash160
    return base58.b58encode(payload + _sha256d(payload)[:4]).decode()


def trx_address(account: bytes) -> str:
    """A Tron address for a 20-byte account id."""
    payload = b"\x41" + account
    return base58.b58encode(payload + _sha256d(payload)[:4]).decode()


# --- bech32 / bech32m (BIP 173, BIP 350) --------------------------------------------------

_BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_CONST, _BECH32M_CONST = 1, 0x2BC830A3


def _bech32_polymod(values: list[int]) -> int:
    gen = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if ((top >> i) & 1) else 0
    return chk


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _convert_bits(
    data: list[int] | bytes, frombits: int, tobits: int, pad: bool
) -> list[int] | None:
    acc = bits = 0
    out: list[int] = []
    maxv = (1 << tobits) - 1
    for value in data:
        acc = (acc << frombits) | value
        bits += frombits
        while bits >= tobits:
            bits -= tobits
            out.append((acc >> bits) & maxv)
    if pad:
        if bits:
            out.append((acc << (tobits - bits)) & maxv)
    elif bits >= frombits or ((acc << (tobits - bits)) & maxv):
        return None
    return out


def btc_segwit_address(version: int, program: bytes, hrp: str = "bc") -> str:
    """A segwit address: bech32 for version 0, bech32m for versions 1-16."""
    data = [version] + (_convert_bits(program, 8, 5, True) or [])
    const = _BECH32_CONST if version == 0 else _BECH32M_CONST
    polymod = _bech32_polymod(_hrp_expand(hrp) + data + [0] * 6) ^ const
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_BECH32_CHARSET[d] for d in data + checksum)


def _valid_segwit(address: str) -> bool:
    if address.lower() != address and address.upper() != address:
        return False  # mixed case is invalid in bech32
    address = address.lower()
    hrp, _, rest = address.rpartition("1")
    if hrp != "bc" or len(rest) < 7:
        return False
    try:
        data = [_BECH32_CHARSET.index(c) for c in rest]
    except ValueError:
        return False
    const = _bech32_polymod(_hrp_expand(hrp) + data)
    version = data[0]
    if version > 16 or const != (_BECH32_CONST if version == 0 else _BECH32M_CONST):
        return False
    program = _convert_bits(data[1:-6], 5, 8, False)
    if program is None or not 2 <= len(program) <= 40:
        return False
    return version != 0 or len(program) in (20, 32)


# --- Ethereum (EIP-55) ---------------------------------------------------------------------


def _keccak256(data: bytes) -> bytes:
    # Imported on first use: pycryptodome's import costs ~25 ms of every process start,
    # and most listings hold no eth or xmr address.
    from Crypto.Hash import keccak

    return keccak.new(digest_bits=256, data=data).digest()


def eth_address(account: bytes) -> str:
    """The EIP-55 mixed-case checksummed address of a 20-byte account."""
    hexaddr = account.hex()
    digest = _keccak256(hexaddr.encode()).hex()
    return "0x" + "".join(
        c.upper() if c.isalpha() and int(digest[i], 16) >= 8 else c for i, c in enumerate(hexaddr)
    )


def _valid_eth(address: str) -> bool:
    body = address[2:]
    if body.lower() == body or body.upper() == body:
        return True  # single-case addresses carry no checksum
    return eth_address(bytes.fromhex(body)) == address


# --- Monero base58 (8-byte blocks -> 11 characters) --------------------------------------

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58)}
_XMR_BLOCK_CHARS = [0, 2, 3, 5, 6, 7, 9, 10, 11]  # encoded length of a 0..8-byte block
_XMR_NETBYTES = {18: 69, 42: 69, 19: 77}  # standard, subaddress, integrated -> byte length


def _xmr_encode(data: bytes) -> str:
    out = []
    for i in range(0, len(data), 8):
        block = data[i : i + 8]
        num = int.from_bytes(block, "big")
        chars = []
        for _ in range(_XMR_BLOCK_CHARS[len(block)]):
            num, rem = divmod(num, 58)
            chars.append(_B58[rem])
        out.append("".join(reversed(chars)))
    return "".join(out)


def _xmr_decode(text: str) -> bytes | None:
    out = bytearray()
    for i in range(0, len(text), 11):
        chunk = text[i : i + 11]
        try:
            size = _XMR_BLOCK_CHARS.index(len(chunk))
        except ValueError:
            return None
        num = 0
        for c in chunk:
            idx = _B58_INDEX.get(c)
            if idx is None:
                return None
            num = num * 58 + idx
        if num >> (8 * size):
            return None
        out += num.to_bytes(size, "big")
    return bytes(out)


def xmr_address(
    spend_key: bytes, view_key: bytes, netbyte: int = 18, payment_id: bytes = b""
) -> str:
    """A Monero address (18 standard, 42 subaddress, 19 integrated with an 8-byte payment id)."""
    body = bytes([netbyte]) + spend_key + view_key + payment_id
    return _xmr_encode(body + _keccak256(body)[:4])


def _valid_xmr(address: str) -> bool:
    raw = _xmr_decode(address)
    if raw is None or not raw or _XMR_NETBYTES.get(raw[0]) != len(raw):
        return False
    return _keccak256(raw[:-4])[:4] == raw[-4:]


# --- finding them in text --------------------------------------------------------------------

_B58_CLASS = "1-9A-HJ-NP-Za-km-z"
_WALLET_RE = re.compile(
    r"(?<![0-9A-Za-z])(?:"
    rf"(?P<btc58>[13][{_B58_CLASS}]{{25,34}})"
    r"|(?P<bech>(?:bc1|BC1)[02-9ac-hj-np-zAC-HJ-NP-Z]{8,87})"
    r"|(?P<eth>0x[0-9a-fA-F]{40})"
    rf"|(?P<xmr>[48][{_B58_CLASS}]{{94}}(?:[{_B58_CLASS}]{{11}})?)"
    rf"|(?P<trx>T[{_B58_CLASS}]{{33}})"
    r")(?![0-9A-Za-z])"
)
_QUICK = re.compile(r"[0-9A-Za-z]{25,}")


def _chain(kind: str, address: str) -> tuple[str, str] | None:
    """(chain, canonical address) when `address` of the regex group `kind` validates."""
    if kind == "btc58":
        payload = _base58check_payload(address)
        if payload is not None and len(payload) == 21 and payload[0] in (0, 5):
            return "btc", address
    elif kind == "bech":
        if _valid_segwit(address):
            return "btc", address.lower()
    elif kind == "eth":
        if _valid_eth(address):
            return "eth", address
    elif kind == "xmr":
        if _valid_xmr(address):
            return "xmr", address
    elif kind == "trx":
        payload = _base58check_payload(address)
        if payload is not None and len(payload) == 21 and payload[0] == 0x41:
            return "trx", address
    return None


_CHUNK = re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z]{3,}(?![0-9A-Za-z])")
_WHOLE = re.compile(
    _WALLET_RE.pattern.replace("(?<![0-9A-Za-z])", "^").replace("(?![0-9A-Za-z])", "$")
)


def _hint_starts(text: str, digit_starts: list[int]) -> list[int]:
    """Every position where _SPLIT_HINT can match, in order: the starts of runs of ASCII
    digits (a hint that opens with a digit follows no ASCII letter or digit) and each
    "T", "bc1" and "BC1". Found by C-level substring searches: the regex's search tests
    every character of the text against the class of its first characters."""
    out = list(digit_starts)
    for lead in ("T", "bc1", "BC1"):
        find = text.find
        at = find(lead)
        while at >= 0:
            out.append(at)
            at = find(lead, at + 1)
    if len(out) != len(digit_starts):
        out.sort()
    return out


def _split_addresses(text: str, digit_starts: list[int] | None = None) -> list[tuple[int, Wallet]]:
    """Addresses broken by whitespace ("bc1qxy2k gdygjrsq..."), kept only when the joined
    string validates: the checksum decides, so ordinary words are never glued together.

    `digit_starts` are the starts of the text's runs of ASCII digits (TextWords.digit_runs)
    when the caller has them: the hints are then looked for only where one may start."""
    out: list[tuple[int, Wallet]] = []
    starts = _hint_starts(text, digit_starts) if digit_starts is not None else None
    k = 0
    pos = 0
    while True:
        if starts is None:
            hint = _SPLIT_HINT.search(text, pos)
        else:
            # What search(text, pos) finds: the first place from pos where a match starts.
            hint = None
            while k < len(starts) and hint is None:
                at = starts[k]
                k += 1
                if at >= pos:
                    hint = _SPLIT_HINT.match(text, at)
        if hint is None:
            break
        pos = hint.start() + 1
        if hint.start() and _ALNUM.match(text, hint.start() - 1):
            continue  # inside a word
        head = hint.group(0)
        if head[0] in "bB0" and not head.startswith(("bc1", "BC1", "0x")):
            continue
        if head[0] == "T" and not _DIGIT_OR_CAPITAL.search(head, 1, 12):
            continue  # "Termine sind": a word, not the start of a Tron address
        chunks = []
        for chunk in _CHUNK.finditer(text, hint.start()):
            chunks.append(chunk)
            if len(chunks) == 8:
                break
        joined = chunks[0].group(0)
        hit = None
        for j in range(1, len(chunks)):
            gap = text[chunks[j - 1].end() : chunks[j].start()]
            if gap not in (" ", "\n", " \n", "\n ", "  ", "\t"):
                break
            joined += chunks[j].group(0)
            if len(joined) > 106:
                break
            m = _WHOLE.match(joined)
            if m and m.lastgroup and (found := _chain(m.lastgroup, joined)):
                hit = (chunks[j].end(), Wallet(chain=found[0], address=found[1]))
        if hit:
            out.append((hint.start(), hit[1]))
            pos = hit[0]
    return out


def extract_wallets(text: str, *, words: TextWords | None = None) -> list[Wallet]:
    """Checksum-valid wallet addresses in `text`, deduplicated, in order of appearance.

    An address split by whitespace is joined when the joined string validates. `words`
    is TextWords.of(text) when the caller has it already (a cheap first test).
    """
    found: list[tuple[int, Wallet]] = []
    if not text:
        return []
    # Most listings hold no run of 25+ address characters; skip the full scan then.
    long_word = (
        _QUICK.search(text) is not None
        if words is None or words.text != text
        else max(map(len, words.unique), default=0) >= 25
    )
    if long_word:
        for m in _WALLET_RE.finditer(text):
            chain = _chain(m.lastgroup or "", m.group(0))
            if chain:
                found.append((m.start(), Wallet(chain=chain[0], address=chain[1])))
    found += _split_addresses(
        text, words.digit_runs[0] if words is not None and words.text is text else None
    )
    found.sort(key=lambda item: item[0])
    out: list[Wallet] = []
    for _, wallet in found:
        if wallet not in out:
            out.append(wallet)
    return out


# A chunk that may open a split address ("1", "3", "4", "8", "T", "bc1", "0x" where a word
# starts), followed by another chunk. The word-start check follows the first character:
# a leading look-behind would make the engine try every position of the text instead of
# skipping to the opening characters.
_SPLIT_HINT = re.compile(
    "(?:"
    + "|".join(
        [f"{c}(?<![0-9A-Za-z]{c})[0-9A-Za-z]{{5,}}" for c in "1348T"]
        + [
            "b(?<![0-9A-Za-z]b)c1[0-9A-Za-z]{3,}",
            "B(?<![0-9A-Za-z]B)C1[0-9A-Za-z]{3,}",
            "0(?<![0-9A-Za-z]0)x[0-9A-Za-z]{4,}",
        ]
    )
    + r")[ \t\n]{1,2}[0-9A-Za-z]{3,}"
)
_ALNUM = re.compile(r"[0-9A-Za-z]")
# A digit or capital (a hint is ASCII letters and digits: str.isdigit and str.isupper).
_DIGIT_OR_CAPITAL = re.compile(r"[0-9A-Z]")
