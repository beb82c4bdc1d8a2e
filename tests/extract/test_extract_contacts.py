"""Case tables for crawler.extract.contacts: e-mail addresses and messenger handles.

Addresses use example.org/example.com/.test domains and example phone numbers (docs/safety.md).
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
    # Issue #12: "[.]" is a common way to hide the dot, so it now counts as one.
    ("name [@] example [.] test", ["name@example.test"]),
    ("lucia arroba example punto com", ["lucia@example.com"]),
    ("ime (pri) example (pika) org", ["ime@example.org"]),
    ("olga собака example точка org", ["olga@example.org"]),
    ("naam (apenstaart) example (punt) org", ["naam@example.org"]),
    ("anna at example dot org", ["anna@example.org"]),
    # Bracketed words with diacritics, as the lexicons fold them.
    ("Schreib mir: mia [ät] example [punkt] com", ["mia@example.com"]),
    ("ewa (małpa) example (kropka) org", ["ewa@example.org"]),
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
    # A link after the label gives the name; its host is no name. A word may stand
    # between the label and ": @name".
    ("Telegram: t.me/anna_test", None, [("telegram", "anna_test")]),
    ("Telegram only: @lucy_test (no calls)", None, [("telegram", "lucy_test")]),
    ("tg: @example_handle", None, [("telegram", "example_handle")]),
    ("Telegram @Example_Handle", None, [("telegram", "Example_Handle")]),
    ("t.me/examplehandle", None, [("telegram", "examplehandle")]),
    ("https://t.me/examplehandle?start=1", None, [("telegram", "examplehandle")]),
    ("ТГ: @example_handle", None, [("telegram", "example_handle")]),
    ("телеграм: @example_handle", None, [("telegram", "example_handle")]),
    ("https://t.me/joinchat/AAAAexample", None, []),  # invite links are not handles
    # Issue #12: a number written for a messenger is a phone number (extract_phones
    # finds it, see test_messenger_numbers_are_phones), not a handle.
    (f"wa.me/{NL_DIGITS}", None, []),
    (f"https://api.whatsapp.com/send?phone={NL_DIGITS}", None, []),
    (f"whatsapp: {NL_NAT}", "NL", []),
    (f"WhatsApp only {NL_E164}", None, []),
    (f"viber {NL_NAT}", "NL", []),
    (f"signal: {NL_E164}", None, []),
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


@pytest.mark.parametrize(
    ("text", "region"),
    [
        (f"wa.me/{NL_DIGITS}", None),
        (f"https://api.whatsapp.com/send?phone={NL_DIGITS}", None),
        (f"whatsapp: {NL_NAT}", "NL"),
        (f"WhatsApp only {NL_E164}", None),
        (f"viber {NL_NAT}", "NL"),
        (f"signal.me/#p/{NL_E164}", None),
        (f"Telegram {NL_E164}", None),
    ],
)
def test_messenger_numbers_are_phones(text: str, region: str | None) -> None:
    from crawler.extract.phones import extract_phones

    assert extract_phones(text, region) == [NL_E164]
    assert extract_handles(text, region) == []


def test_telegram_link_and_label_give_the_same_handle() -> None:
    link = extract_handles("t.me/example_handle")
    label = extract_handles("telegram: example_handle")
    assert link == label == extract_handles("TG @example_handle")
