"""Case tables for crawler.extract.contacts: e-mail addresses and messenger handles.

Addresses use example.org/example.com/.test domains and example phone numbers (SAFETY.md).
"""

from __future__ import annotations

import phonenumbers
import pytest

from crawler.extract.contacts import extract_emails, extract_handles

_NL = phonenumbers.example_number_for_type("NL", phonenumbers.PhoneNumberType.MOBILE)
NL_E164 = phonenumbers.format_number(_NL, phonenumbers.PhoneNumberFormat.E164)
NL_NAT = phonenumbers.format_number(_NL, phonenumbers.PhoneNumberFormat.NATIONAL)
NL_DIGITS = NL_E164[1:]

EMAIL_CASES = [
    ("mail name@example.org today", ["name@example.org"]),
    ("Other.Name+tag@mail.example.com.", ["Other.Name+tag@mail.example.com"]),
    ("name [at] example [dot] org", ["name@example.org"]),
    ("name(at)example(dot)org", ["name@example.org"]),
    ("name {at} example {dot} com", ["name@example.com"]),
    ("name [@] example [.] test", []),  # "[.]" is not one of our dot spellings
    ("naam (apenstaart) example (punt) org", ["naam@example.org"]),
    ("anna at example dot org", ["anna@example.org"]),
    ("ANNA@EXAMPLE.ORG and anna@example.org", ["ANNA@EXAMPLE.ORG"]),  # case-insensitive dedup
    ("a@b.example.test, c@d.example.test", ["a@b.example.test", "c@d.example.test"]),
    ("no email @ all", []),
    ("name @ example.org", []),
    ("meet at the station dot", []),
    ("@handle only", []),
    ("price 5@10", []),
]


@pytest.mark.parametrize(("text", "expected"), EMAIL_CASES, ids=[c[0] for c in EMAIL_CASES])
def test_extract_emails(text: str, expected: list[str]) -> None:
    assert extract_emails(text) == expected


HANDLE_CASES = [
    ("tg: @example_handle", None, [("telegram", "example_handle")]),
    ("Telegram @Example_Handle", None, [("telegram", "Example_Handle")]),
    ("t.me/examplehandle", None, [("telegram", "examplehandle")]),
    ("https://t.me/examplehandle?start=1", None, [("telegram", "examplehandle")]),
    ("ТГ: @example_handle", None, [("telegram", "example_handle")]),
    ("телеграм: @example_handle", None, [("telegram", "example_handle")]),
    ("https://t.me/joinchat/AAAAexample", None, []),  # invite links are not handles
    (f"wa.me/{NL_DIGITS}", None, [("whatsapp", NL_DIGITS)]),
    (f"https://api.whatsapp.com/send?phone={NL_DIGITS}", None, [("whatsapp", NL_DIGITS)]),
    (f"whatsapp: {NL_NAT}", "NL", [("whatsapp", NL_DIGITS)]),
    (f"WhatsApp only {NL_E164}", None, [("whatsapp", NL_DIGITS)]),
    (f"viber {NL_NAT}", "NL", [("viber", NL_DIGITS)]),
    (f"signal: {NL_E164}", None, [("signal", NL_DIGITS)]),
    ("signal: example.01", None, [("signal", "example.01")]),
    ("snap: example.name", None, [("snapchat", "example.name")]),
    ("snapchat.com/add/examplename", None, [("snapchat", "examplename")]),
    ("insta @example_name", None, [("instagram", "example_name")]),
    ("instagram.com/example_name", None, [("instagram", "example_name")]),
    ("instagram.com/p/abc123", None, []),  # a post, not a profile
    ("onlyfans.com/examplename", None, [("onlyfans", "examplename")]),
    ("Only Fans: examplename", None, [("onlyfans", "examplename")]),
    ("kik: example_kik", None, [("kik", "example_kik")]),
    ("wechat: example123", None, [("wechat", "example123")]),
    ("twitter: @example_x", None, [("twitter", "example_x")]),
    ("tiktok.com/@example.name", None, [("tiktok", "example.name")]),
    ("skype: live:example_name", None, [("skype", "live:example_name")]),
    ("threema: ABCD1234", None, [("threema", "ABCD1234")]),
    ("tg: @example_handle, t.me/example_handle", None, [("telegram", "example_handle")]),
    (
        "tg @example_one and insta @example_two",
        None,
        [("telegram", "example_one"), ("instagram", "example_two")],
    ),
    # Not handles.
    ("snap a photo of the station", None, []),
    ("telegram: available", None, []),
    ("big night at the club", None, []),
    ("whatsapp me", None, []),
]


@pytest.mark.parametrize(
    ("text", "region", "expected"), HANDLE_CASES, ids=[c[0] for c in HANDLE_CASES]
)
def test_extract_handles(text: str, region: str | None, expected: list[tuple[str, str]]) -> None:
    assert [(h.service, h.handle) for h in extract_handles(text, region)] == expected
