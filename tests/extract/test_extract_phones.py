"""Case table for crawler.extract.phones.extract_phones.

Every number is phonenumbers' own example number for its region (docs/safety.md): they belong
to nobody. The obfuscated forms are built from them by code.
"""

from __future__ import annotations

import phonenumbers
import pytest

from crawler.extract.phones import extract_phones

_MOBILE = phonenumbers.PhoneNumberType.MOBILE


def example(region: str) -> tuple[str, str, str]:
    """(E.164, national format, international format) of the region's example mobile."""
    num = phonenumbers.example_number_for_type(region, _MOBILE)
    fmt = phonenumbers.format_number
    return (
        fmt(num, phonenumbers.PhoneNumberFormat.E164),
        fmt(num, phonenumbers.PhoneNumberFormat.NATIONAL),
        fmt(num, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
    )


WORDS = {
    "en": ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"],
    "nl": ["nul", "een", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen"],
    "de": ["null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"],
    "ro": ["zero", "unu", "doi", "trei", "patru", "cinci", "șase", "șapte", "opt", "nouă"],
    "uk": ["нуль", "один", "два", "три", "чотири", "п'ять", "шість", "сім", "вісім", "дев'ять"],
    "ru": ["ноль", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"],
    "es": ["cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve"],
}


def digits_of(national: str) -> str:
    return "".join(ch for ch in national if ch.isdigit())


def spelled(national: str, lang: str) -> str:
    return " ".join(WORDS[lang][int(d)] for d in digits_of(national))


def keycaps(national: str) -> str:
    return "".join(f"{d}\ufe0f\u20e3" for d in digits_of(national))


def fullwidth(national: str) -> str:
    return "".join(chr(0xFF10 + int(d)) for d in digits_of(national))


def lookalike(national: str) -> str:
    return digits_of(national).replace("0", "O").replace("1", "l")


NL, NL_NAT, NL_INT = example("NL")
DE, DE_NAT, DE_INT = example("DE")
RO, RO_NAT, _ = example("RO")
UA, UA_NAT, _ = example("UA")
RU, RU_NAT, RU_INT = example("RU")
ES, ES_NAT, _ = example("ES")
GB, GB_NAT, GB_INT = example("GB")
US, US_NAT, _ = example("US")
BE, BE_NAT, _ = example("BE")

# (case id, text, region hint, expected E.164 list)
CASES = [
    ("nl national", f"Bel {NL_NAT}", "NL", [NL]),
    ("nl international", f"Call {NL_INT}", None, [NL]),
    ("nl 00 prefix", f"tel 00{NL[1:]}", None, [NL]),
    ("nl (0) trunk", f"+{NL[1:3]} (0){NL_NAT[1:]}", None, [NL]),
    (
        "nl dashes",
        f"tel: {'-'.join(digits_of(NL_NAT)[i : i + 2] for i in range(0, 10, 2))}",
        "NL",
        [NL],
    ),
    ("nl dots", f"{'.'.join(digits_of(NL_NAT)[i : i + 2] for i in range(0, 10, 2))}", "NL", [NL]),
    ("glued plus", f"Call{NL}", None, [NL]),
    ("de national", f"Ruf an: {DE_NAT}", "DE", [DE]),
    ("de international", DE_INT, None, [DE]),
    ("ro national", f"Sună la {RO_NAT}", "RO", [RO]),
    ("ua national", f"Телефон {UA_NAT}", "UA", [UA]),
    ("ru national with 8", f"Звоните {RU_NAT}", "RU", [RU]),
    ("ru international", RU_INT, None, [RU]),
    ("es national", f"Llámame {ES_NAT}", "ES", [ES]),
    ("gb national", f"Text {GB_NAT}", "GB", [GB]),
    ("us national", f"call {US_NAT}", "US", [US]),
    ("be national", f"bel {BE_NAT}", "BE", [BE]),
    ("spelled en", spelled(NL_NAT, "en"), "NL", [NL]),
    ("spelled nl", f"bel {spelled(NL_NAT, 'nl')}", "NL", [NL]),
    ("spelled de", spelled(DE_NAT, "de"), "DE", [DE]),
    ("spelled ro", spelled(RO_NAT, "ro"), "RO", [RO]),
    ("spelled uk", spelled(UA_NAT, "uk"), "UA", [UA]),
    ("spelled ru", spelled(RU_NAT, "ru"), "RU", [RU]),
    ("spelled es", spelled(ES_NAT, "es"), "ES", [ES]),
    (
        "spelled mixed with digits",
        f"{digits_of(NL_NAT)[:2]} {spelled(NL_NAT[2:], 'en')}",
        "NL",
        [NL],
    ),
    ("keycap emoji", keycaps(NL_NAT), "NL", [NL]),
    ("full-width digits", fullwidth(NL_NAT), "NL", [NL]),
    ("look-alike letters", lookalike(NL_NAT), "NL", [NL]),
    ("two numbers, order kept", f"{DE_INT} or {NL_INT}", None, [DE, NL]),
    ("duplicates collapse", f"{NL_NAT}, again {NL_INT}", "NL", [NL]),
    ("number then 24/7", f"{NL_NAT} 24/7", "NL", [NL]),
    # No region and no country code: not enough to tell.
    ("national without region", f"Bel {NL_NAT}", None, []),
    # Not phones.
    ("date", "born 12.05.2004 at 18:00", "NL", []),
    ("id", f"ID {digits_of(NL_NAT)}", "NL", []),
    ("listing number", f"Ad #{digits_of(NL_NAT)}", "NL", []),
    ("price", f"{digits_of(NL_NAT)}€", "NL", []),
    ("glued to a word", f"ref{digits_of(NL_NAT)}", "NL", []),
    ("price with decimals", "1.200,50 zł", "PL", []),
    ("hours", "one hour 150 two hours 250", "NL", []),
    ("short number", "call 112 now", "NL", []),
    # Spelled-out "plus" before the country code, and groups of look-alike letters only.
    (
        "uk spelled with plus",
        "Телефонуйте: плюс три вісім нуль п'ять нуль один два три чотири шість сім два",
        None,
        ["+380501234672"],
    ),
    (
        "es spelled with más",
        "Llama al más tres cuatro seis uno dos tres cuatro cinco cero tres uno",
        None,
        ["+34612345031"],
    ),
    ("look-alike last group", "Teléfono: +34 6l2 34 59 lO", None, ["+34612345910"]),
    ("look-alike dashed group", "Тел.: +7 9l2 345-68-Ol", None, ["+79123456801"]),
    ("word after a number", "Call +34 612 34 59 10 lo antes posible", None, ["+34612345910"]),
]


@pytest.mark.parametrize(
    ("text", "region", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_extract_phones(text: str, region: str | None, expected: list[str]) -> None:
    assert extract_phones(text, region) == expected


def test_is_valid_number_agrees_with_phonenumbers() -> None:
    # _is_valid_number reorders phonenumbers' own steps (mobile tried first); it must
    # accept exactly what phonenumbers.is_valid_number accepts.
    import random

    import phonenumbers
    from phonenumbers import PhoneNumberType

    from crawler.extract.phones import _is_valid_number

    rng = random.Random(5)
    types = [getattr(PhoneNumberType, a) for a in dir(PhoneNumberType) if a.isupper()]
    numbers = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in types:
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            nsn = phonenumbers.national_significant_number(example)
            i = rng.randrange(len(nsn))
            for digits in (nsn, nsn[:i] + str(rng.randint(0, 9)) + nsn[i + 1 :], nsn[:-1]):
                numbers.append(f"+{example.country_code}{digits}")
    for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
        for _ in range(5):
            numbers.append(f"+{code}" + "".join(rng.choices("0123456789", k=rng.randint(4, 14))))
    checked = 0
    for text in numbers:
        try:
            num = phonenumbers.parse(text, None)
        except phonenumbers.NumberParseException:
            continue
        assert _is_valid_number(num) == phonenumbers.is_valid_number(num), text
        checked += 1
    assert checked > 3000


def test_matches_desc_agrees_with_phonenumbers() -> None:
    # _matches_desc keeps compiled patterns and tests a full match only; it must answer as
    # phonenumberutil._is_number_matching_desc for every description of every region.
    import random

    import phonenumbers
    from phonenumbers import phonenumberutil

    from crawler.extract.phones import _matches_desc

    rng = random.Random(7)
    kinds = ("general_desc", "fixed_line", "mobile", "premium_rate", "toll_free",
             "shared_cost", "voip", "personal_number", "pager", "uan", "voicemail")  # fmt: skip
    checked = 0
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
        assert metadata is not None
        samples = ["".join(rng.choices("0123456789", k=rng.randint(3, 14))) for _ in range(6)]
        for kind in kinds:
            desc = getattr(metadata, kind)
            if desc is not None and desc.example_number:
                samples.append(desc.example_number)
        for kind in kinds:
            desc = getattr(metadata, kind)
            for nsn in samples:
                expected = phonenumberutil._is_number_matching_desc(nsn, desc)
                assert _matches_desc(nsn, desc) == expected, (region, kind, nsn)
                checked += 1
    assert checked > 20000


def test_phones_with_words_agree() -> None:
    # Given the text's TextWords, extract_phones takes digits from its digit runs while the
    # text is unchanged: the same numbers as the regex scan, also when an IBAN is masked
    # or spelled-out digits are decoded.
    from crawler.extract.language import TextWords

    texts = [
        "Call 06 12345678 or +31 6 1234 5678, 150 EUR. abc123 06-87654321",
        "IBAN NL91 ABNA 0417 1643 00 and tel 0612345678",
        "acc NL91ABNA0417164300 tel 06 12345678",
        "zero six one two three four five six seven eight",
        "1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3",
    ]
    for text in texts:
        assert extract_phones(text, "NL", words=TextWords.of(text)) == extract_phones(text, "NL"), (
            text
        )


def _parse_reference(digits: str, region: str | None) -> tuple[int, str] | None:
    import phonenumbers

    try:
        num = phonenumbers.parse(digits if region else "+" + digits, region)
    except phonenumbers.NumberParseException:
        return None
    return num.country_code, phonenumbers.national_significant_number(num)


def test_parse_digits_agrees_with_phonenumbers() -> None:
    # _parse_digits follows phonenumbers.parse's steps for strings of ASCII digits only; it
    # must give the country code and national number parse gives (or fail where it fails)
    # for every region, with and without "+": example numbers, their national and
    # international-prefix forms, variants, and random digits.
    import random

    import phonenumbers
    from phonenumbers import PhoneNumberType

    from crawler.extract.phones import _parse_digits

    rng = random.Random(11)
    regions = sorted(phonenumbers.SUPPORTED_REGIONS)
    types = [getattr(PhoneNumberType, a) for a in dir(PhoneNumberType) if a.isupper()]
    samples: list[str] = []
    for region in regions:
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
        assert metadata is not None
        for kind in types:
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            nsn = phonenumbers.national_significant_number(example)
            code = str(example.country_code)
            national = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)
            samples += [nsn, code + nsn, "00" + code + nsn, "011" + code + nsn, "0" + nsn]
            samples.append("".join(c for c in national if c.isdigit()))
            i = rng.randrange(len(nsn))
            samples += [nsn[:i] + str(rng.randint(0, 9)) + nsn[i + 1 :], nsn[:-1], nsn + "7"]
    for _ in range(3000):
        samples.append("".join(rng.choices("0123456789", k=rng.randint(7, 15))))
    samples = [s for s in samples if 7 <= len(s) <= 15 and s.isdigit()]
    checked = 0
    for digits in samples:
        for region in (None, rng.choice(regions), rng.choice(regions), "GB", "DE", "XX"):
            assert _parse_digits(digits, region) == _parse_reference(digits, region), (
                digits,
                region,
            )
            checked += 1
    assert checked > 50000


def test_valid_e164_agrees_with_phonenumbers() -> None:
    # _valid_e164 (the fast parse, _is_valid_nsn and the E.164 string) against parse,
    # is_valid_number and format_number.
    import phonenumbers

    from crawler.extract.phones import _valid_e164

    regions = sorted(phonenumbers.SUPPORTED_REGIONS)
    checked = valid = 0
    for region in regions:
        example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
        if example is None:
            continue
        nsn = phonenumbers.national_significant_number(example)
        code = str(example.country_code)
        for digits in (nsn, "0" + nsn, code + nsn, "00" + code + nsn, nsn[:-1] + "0"):
            for intl, hint in ((True, None), (False, region), (False, "NL"), (False, None)):
                try:
                    num = phonenumbers.parse("+" + digits if intl else digits, hint)
                    ok = hint is not None or intl
                except phonenumbers.NumberParseException:
                    ok = False
                expected = None
                if ok and 7 <= len(digits) <= 15 and phonenumbers.is_valid_number(num):
                    expected = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
                assert _valid_e164.__wrapped__(digits, intl, hint) == expected, (digits, intl, hint)
                checked += 1
                valid += expected is not None
    assert checked > 4000 and valid > 500, (checked, valid)
