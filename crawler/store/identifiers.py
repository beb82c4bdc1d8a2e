"""Contact identifiers as the stores index and search them.

A listing's identifiers are the (kind, value) pairs of `Listing.identifiers()`: phones in
E.164, lower-cased e-mails, handles as ``service:name`` and wallets as ``chain:address``.
Besides the exact value every identifier gets a *key*, the part an analyst may type without
the rest: a phone's national significant number, a handle's name without its service, a
wallet's address without its chain. Keys are lower-case.

`parse_identifier_query()` turns what an analyst types (a phone in any format, an e-mail,
``@name``, ``service:name``, a bare wallet address) into the exact values and keys to look
up. Both stores use it so that `SearchQuery.identifier` means the same in each. No settings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import phonenumbers

IDENTIFIER_KINDS = ("phone", "email", "handle", "wallet")

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# What a typed phone number may contain besides digits.
_PHONE_CHARS = re.compile(r"^[+\d\s().\-/]+$")
_MIN_PHONE_DIGITS = 6


@dataclass(frozen=True)
class IndexedIdentifier:
    """One identifier row: what the stores write for each (kind, value) of a listing."""

    kind: str
    value: str
    key: str
    region: str | None = None  # phones only: the ISO region of the number


@dataclass(frozen=True)
class IdentifierMatch:
    """What an identifier query matches: any exact (kind, value) or any (kind, key)."""

    values: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    keys: frozenset[tuple[str, str]] = field(default_factory=frozenset)

    def __bool__(self) -> bool:
        return bool(self.values or self.keys)


def identifier_key(kind: str, value: str) -> str:
    """The searchable short form of an identifier value (see the module docstring)."""
    if kind == "phone":
        number = _parse_phone(value, None)
        if number is not None:
            return str(number.national_number)
        return re.sub(r"\D", "", value)
    if kind in ("handle", "wallet") and ":" in value:
        return value.split(":", 1)[1].lower()
    return value.lower()


def phone_region(value: str) -> str | None:
    """ISO region of an E.164 phone number, or None when it does not parse."""
    number = _parse_phone(value, None)
    if number is None:
        return None
    return _region(number)


def _region(number: phonenumbers.PhoneNumber) -> str | None:
    # "001" is what phonenumbers says for non-geographic numbers: no region to parse in.
    region = phonenumbers.region_code_for_number(number)
    return region if region and region != "001" else None


def index_identifiers(pairs: Iterable[tuple[str, str]]) -> list[IndexedIdentifier]:
    """Rows to index for a listing's `identifiers()`, without duplicates, in order."""
    out: dict[tuple[str, str], IndexedIdentifier] = {}
    for kind, value in pairs:
        if (kind, value) in out or not value:
            continue
        if kind == "phone":
            number = _parse_phone(value, None)
            if number is not None:
                key, region = str(number.national_number), _region(number)
            else:
                key, region = re.sub(r"\D", "", value), None
        else:
            key, region = identifier_key(kind, value), None
        out[(kind, value)] = IndexedIdentifier(kind, value, key, region)
    return list(out.values())


def parse_identifier_query(text: str, phone_regions: Iterable[str] = ()) -> IdentifierMatch:
    """What a typed identifier can mean.

    - ``+31 6 1234 5678`` / ``0031...``: that phone number (E.164);
    - ``06 12345678``: that number in each of `phone_regions` where it is valid (the stores
      pass the regions of the phones they hold), or any phone whose national number has those
      digits (leading trunk zeros dropped);
    - ``name@example.org``: that e-mail, case-insensitively;
    - ``@name``: that handle on any service; ``service:name``: that handle on that service,
      or a wallet with that address;
    - anything else: a wallet address or handle name on any chain/service, or an e-mail.
    """
    text = text.strip()
    if not text:
        return IdentifierMatch()
    values: set[tuple[str, str]] = set()
    keys: set[tuple[str, str]] = set()
    if text.startswith("@"):
        name = text[1:].strip().lower()
        if name:
            keys.add(("handle", name))
        return IdentifierMatch(frozenset(values), frozenset(keys))
    if _EMAIL.match(text):
        values.add(("email", text.lower()))
        return IdentifierMatch(frozenset(values), frozenset(keys))
    if _PHONE_CHARS.match(text):
        digits = re.sub(r"\D", "", text)
        if len(digits) >= _MIN_PHONE_DIGITS:
            _add_phone_candidates(text, digits, phone_regions, values, keys)
            return IdentifierMatch(frozenset(values), frozenset(keys))
    if ":" in text:
        prefix, rest = (part.strip() for part in text.split(":", 1))
        if prefix and rest:
            values.add(("handle", f"{prefix.lower()}:{rest.lower()}"))
            values.add(("wallet", f"{prefix.lower()}:{rest}"))
            # Chains are written in either case by different extractors; the address decides.
            keys.add(("wallet", rest.lower()))
            return IdentifierMatch(frozenset(values), frozenset(keys))
    token = text.lower()
    keys.add(("wallet", token))
    keys.add(("handle", token))
    values.add(("email", token))
    return IdentifierMatch(frozenset(values), frozenset(keys))


def _add_phone_candidates(
    text: str,
    digits: str,
    regions: Iterable[str],
    values: set[tuple[str, str]],
    keys: set[tuple[str, str]],
) -> None:
    international = text.lstrip().startswith("+") or digits.startswith("00")
    if international:
        number = _parse_phone("+" + digits.removeprefix("00"), None)
        if number is not None and phonenumbers.is_valid_number(number):
            values.add(("phone", _e164(number)))
        else:
            # A number phonenumbers does not know is still matched on its digits.
            values.add(("phone", "+" + digits.removeprefix("00")))
        return
    for region in regions:
        number = _parse_phone(text, region)
        if number is not None and phonenumbers.is_valid_number(number):
            values.add(("phone", _e164(number)))
    # The digits typed as a national number (trunk prefix dropped) or as E.164 without '+'.
    keys.add(("phone", digits))
    if digits.lstrip("0"):
        keys.add(("phone", digits.lstrip("0")))
    values.add(("phone", "+" + digits))


def _parse_phone(text: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
