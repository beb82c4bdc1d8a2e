"""Case table for crawler.extract.wallets: addresses are generated from seeded random bytes.

No real address is copied (docs/safety.md): each case builds its address with our encoders, and
the "broken" cases change one character so that the checksum fails.
"""

from __future__ import annotations

import random

import pytest

from crawler.extract.wallets import (
    btc_base58_address,
    btc_segwit_address,
    eth_address,
    extract_wallets,
    trx_address,
    xmr_address,
)

_rng = random.Random(20261128)


def rand(n: int) -> bytes:
    return bytes(_rng.getrandbits(8) for _ in range(n))


def broken(address: str) -> str:
    """The address with one character changed (same alphabet), so its checksum fails."""
    i = len(address) // 2
    ch = address[i]
    alphabet = "23456789"
    repl = next(c for c in alphabet if c != ch)
    return address[:i] + repl + address[i + 1 :]


P2PKH = btc_base58_address(rand(20))
P2SH = btc_base58_address(rand(20), script=True)
SEGWIT_V0_KEY = btc_segwit_address(0, rand(20))
SEGWIT_V0_SCRIPT = btc_segwit_address(0, rand(32))
TAPROOT = btc_segwit_address(1, rand(32))
ETH_CHECKSUM = eth_address(rand(20))
ETH_LOWER = "0x" + rand(20).hex()
XMR = xmr_address(rand(32), rand(32))
XMR_SUB = xmr_address(rand(32), rand(32), netbyte=42)
XMR_INTEGRATED = xmr_address(rand(32), rand(32), netbyte=19, payment_id=rand(8))
TRX = trx_address(rand(20))
# A segwit v0 address encoded with the bech32m constant is invalid (BIP 350).
_v1_as_v0 = btc_segwit_address(1, rand(20))
WRONG_CONSTANT = _v1_as_v0[:3] + "q" + _v1_as_v0[4:]


def _eth_wrong_case(address: str) -> str:
    body = address[2:]
    i = next(i for i, c in enumerate(body) if c.isalpha())
    return "0x" + body[:i] + body[i].swapcase() + body[i + 1 :]


CASES = [
    ("btc p2pkh", f"pay to {P2PKH} today", [("btc", P2PKH)]),
    ("btc p2sh", f"BTC: {P2SH}", [("btc", P2SH)]),
    ("btc segwit v0 key", f"send to {SEGWIT_V0_KEY}.", [("btc", SEGWIT_V0_KEY)]),
    ("btc segwit v0 script", SEGWIT_V0_SCRIPT, [("btc", SEGWIT_V0_SCRIPT)]),
    ("btc taproot", f"({TAPROOT})", [("btc", TAPROOT)]),
    ("btc segwit upper case", SEGWIT_V0_KEY.upper(), [("btc", SEGWIT_V0_KEY)]),
    ("eth checksummed", f"ETH {ETH_CHECKSUM}", [("eth", ETH_CHECKSUM)]),
    ("eth lower case", ETH_LOWER, [("eth", ETH_LOWER)]),
    ("xmr standard", f"XMR: {XMR}", [("xmr", XMR)]),
    ("xmr subaddress", XMR_SUB, [("xmr", XMR_SUB)]),
    ("xmr integrated", XMR_INTEGRATED, [("xmr", XMR_INTEGRATED)]),
    ("trx", f"USDT TRC20: {TRX}", [("trx", TRX)]),
    (
        "several, order kept",
        f"{ETH_CHECKSUM} or {P2PKH} or {XMR}",
        [("eth", ETH_CHECKSUM), ("btc", P2PKH), ("xmr", XMR)],
    ),
    ("duplicates collapse", f"{P2PKH} {P2PKH}", [("btc", P2PKH)]),
    # Invalid: checksum, case, length, glued to other characters.
    ("btc p2pkh broken", broken(P2PKH), []),
    ("btc segwit broken", broken(SEGWIT_V0_KEY), []),
    ("btc segwit mixed case", SEGWIT_V0_KEY[:10] + SEGWIT_V0_KEY[10:].upper(), []),
    ("btc segwit wrong constant", WRONG_CONSTANT, []),
    ("eth wrong checksum case", _eth_wrong_case(ETH_CHECKSUM), []),
    ("eth too short", ETH_LOWER[:-2], []),
    ("xmr broken", broken(XMR), []),
    ("trx broken", broken(TRX), []),
    ("glued to a word", f"x{P2PKH}", []),
    ("plain words", "1 hour 150 EUR, call 0612345678, ref 3JHDKSJD", []),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_extract_wallets(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(w.chain, w.address) for w in extract_wallets(text)] == expected


def test_generated_addresses_always_validate() -> None:
    """Many random keys: every generated address is found, so the checks are not too strict."""
    for _ in range(200):
        text = " ".join(
            (
                btc_base58_address(rand(20)),
                btc_segwit_address(0, rand(32)),
                eth_address(rand(20)),
                xmr_address(rand(32), rand(32)),
                trx_address(rand(20)),
            )
        )
        assert [w.chain for w in extract_wallets(text)] == ["btc", "btc", "eth", "xmr", "trx"]


def _split(address: str, size: int, gap: str) -> str:
    return gap.join(address[i : i + size] for i in range(0, len(address), size))


def test_split_addresses_found_with_words_too() -> None:
    # An address broken by spaces or a line break is joined when the checksum then holds;
    # given the text's TextWords, extract_wallets looks for the pieces only where one may
    # start (the digit runs, "T", "bc1", "BC1"): the same wallets either way.
    from crawler.extract.language import TextWords

    texts = [
        f"pay {_split(P2PKH, 12, ' ')} today",
        f"USDT: {_split(TRX, 10, chr(10))}. Termine sind frei, T9abcdef ghi 1 hour 150 EUR",
        f"{_split(SEGWIT_V0_KEY, 6, ' ')} or {_split(SEGWIT_V0_KEY.upper(), 7, ' ')}",
        f"ETH {_split(ETH_LOWER, 12, '  ')} and ref 3JHDKSJD 12345 678 x{_split(P2SH, 9, ' ')}",
        f"1234567 890 {_split(broken(P2PKH), 8, ' ')} 0x12 3456 Tel 06 12345678, €100",
        f"{_split(XMR, 24, ' ')} {_split(P2SH, 9, chr(10) + ' ')}",
        "Термін 1234567 abc T1234567 BC1qqqq",
    ]
    for text in texts:
        with_words = extract_wallets(text, words=TextWords.of(text))
        assert with_words == extract_wallets(text), text
    assert [w.address for w in extract_wallets(texts[0])] == [P2PKH]
    assert [w.address for w in extract_wallets(texts[1])] == [TRX]
