"""Phone numbers in listing text, decoded from the ways ads hide them, as E.164.

Ads obfuscate numbers to slip past filters: spelled-out digits ("zero six one two ..."
in en, nl, de, ro, uk, ru, es, fr, it, pl, with "plus"/"más"/"плюс" for "+"), look-alike
letters (O for 0, l or I for 1, also in a group of letters only: "+34 6l2 34 59 lO"),
emoji keycap digits, full-width digits, and separators of every kind. The text is first
decoded (a cheap pass that only touches what can be a number), then runs of digits and
separators become candidates, and only candidates that phonenumbers accepts as valid for
the region hint (or for their own +country code) are kept. Dates, times, prices and
ids are rejected before validation. No settings.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right

import phonenumbers
from phonenumbers import phonenumberutil as _pnu
from phonenumbers.re_util import re_compile

from crawler.extract.language import TextWords
from crawler.extract.normalise import clean, fold


# Spelled-out digits, number words (French and others read numbers in pairs: "zéro six,
# douze, trente-quatre"), hundreds for numbers read in groups of three ("пятьсот
# двенадцать", "šest set jedna"), "plus" and "double"/"triple" come from every lexicon
# (folded). The hundreds are one word ("pięćset") or a digit word and a word for
# "hundred" ("šest set", "five hundred", "cinq cents"); they win over a digit or number
# word of another language spelled the same.
@functools.cache
def _spelling() -> tuple[dict[str, int], frozenset[str], dict[str, int]]:
    """(number word -> value, "plus" words, "double"/"triple" words -> times), folded."""
    from crawler.extract.lexicon import all_languages

    values: dict[str, int] = {}
    plus: set[str] = {"+"}
    repeat: dict[str, int] = {}
    for data in all_languages():
        for word, value in data.hundreds.items():
            values.setdefault(word, value)
    for word in _times_hundred():
        values.setdefault(word, 100)
    for data in all_languages():
        for word, value in data.digits.items():
            values.setdefault(word, value)
        plus |= data.plus
        for word, n in data.repeat.items():
            repeat.setdefault(word, n)
    return values, frozenset(plus), repeat


@functools.cache
def _spelled_run() -> re.Pattern[str]:
    """A run of four or more number words and digit groups. Compiled on first use only (a
    text that passes _may_hold_spelled_number): the alternation of every language's number
    words is costly to compile."""
    values, plus, repeat = _spelling()
    words = sorted({*values, *plus, *repeat} - {"+"}, key=len, reverse=True)
    alt = "|".join(re.escape(w) for w in words)
    small = "|".join(re.escape(w) for w in words if w in values and 1 <= values[w] <= 99)
    glued = "|".join(re.escape(w) for w in _glued_hundreds()[0])
    token = (
        rf"(?:(?:{glued})(?:{small})(?![^\W\d_])|{alt}|\d{{1,4}})"
        if glued
        else rf"(?:{alt}|\d{{1,4}})"
    )
    run = re.compile(
        rf"(?<![^\W\d_])(?:(?:\+)\s*)?{token}(?:[\s,.\-/]{{1,3}}(?:et |and |y |e |und )?{token}){{3,}}"
        rf"(?![^\W\d_])"
    )
    return run


@functools.cache
def _glued_hundreds() -> tuple[tuple[str, ...], tuple[tuple[str, int], ...]]:
    """(the one-word hundreds, (word, value) longest first) that languages glue to the
    number after them: "százhuszonhárom" (123), "hundratjugotre", "hundertdreiundzwanzig"."""
    from crawler.extract.lexicon import all_languages

    pairs = {w: v for data in all_languages() for w, v in data.hundreds.items() if " " not in w}
    ordered = tuple(sorted(pairs.items(), key=lambda kv: -len(kv[0])))
    return tuple(w for w, _ in ordered), ordered


def _glued_value(token: str) -> int | None:
    """The value of a hundreds word glued to a number word of 1-99 ("százhuszonhárom"),
    or None."""
    starts, pairs = _glued_hundreds()
    if not starts or not token.startswith(starts):
        return None
    values = _spelling()[0]
    for word, value in pairs:
        if token.startswith(word):
            rest = values.get(token[len(word) :])
            if rest is not None and 1 <= rest <= 99:
                return value + rest
    return None


def _number_parts() -> frozenset[str]:
    values, plus, repeat = _spelling()
    return frozenset(p for w in (*values, *plus, *repeat) for p in re.findall(r"[^\W_]+", w))


def _distinct_parts() -> frozenset[str]:
    """Number words that are not also everyday words ("een", "un", "het", "plus").

    A number spelled out has at least one of them: no one spells a phone number with
    only the words for one, two and three.
    """
    from crawler.extract.lexicon import all_languages

    values, plus, repeat = _spelling()
    everyday = set().union(*(data.detect for data in all_languages()))
    everyday |= {"het", "onze", "mais", "dos", "tres", "pat", "du", "ot"}
    parts = {p for w in values for p in re.findall(r"[^\W_]+", w)}
    return frozenset(p for p in parts if len(p) > 2 and p not in everyday)


_PARTS: frozenset[str] | None = None
_DISTINCT: frozenset[str] | None = None


@functools.cache
def _times_hundred() -> frozenset[str]:
    """Every lexicon's words for "hundred" after a digit word ("set", "hundred"), folded."""
    from crawler.extract.lexicon import all_languages

    return frozenset().union(*(data.hundred for data in all_languages()))


def _spelled_to_digits(m: re.Match[str]) -> str:
    values, plus, repeat = _spelling()
    times_hundred = _times_hundred()
    tokens = re.findall(r"[^\s,.\-/]+(?:'[^\s,.\-/]+)?|\+", m.group(0))
    if not any(t in values or t in repeat for t in tokens):
        return m.group(0)
    out: list[str] = []
    acc: int | None = None
    times = 1

    def flush() -> None:
        nonlocal acc
        if acc is not None:
            out.append(str(acc))
            acc = None

    for n, tok in enumerate(tokens):
        if tok in plus:
            flush()
            out.append("+")
        elif tok in repeat:
            flush()
            times = repeat[tok]
        elif tok.isdigit():
            flush()
            out.append(tok * times if len(tok) == 1 else tok)
            times = 1
        elif tok not in values and (glued := _glued_value(tok)) is not None:
            flush()
            acc = glued  # "százhuszonhárom": 123, a group of its own
        elif tok in values:
            v = values[tok]
            if tok in times_hundred and acc is not None and 1 <= acc <= 9:
                acc *= 100  # "šest set", "five hundred"
                continue
            if n + 1 < len(tokens) and tokens[n + 1] in times_hundred and 1 <= v <= 9:
                flush()  # "sedm set dvacet čtyři sta": the 4 opens the next hundreds
                acc = v
                continue
            if acc is not None and acc >= 100 and acc % 100 == 0 and 1 <= v <= 99:
                acc += v  # "pięćset dwanaście", "šest set jedna"
                continue
            if acc is not None and (
                (acc % 10 == 0 and acc >= 20 and 1 <= v <= 9)
                or (acc in (60, 80) and 10 <= v <= 19)
                or (acc in (10, 70, 90) and 7 <= v <= 9)
            ):
                acc += v
                continue
            flush()
            if times > 1 and v < 10:
                out.append(str(v) * times)
                times = 1
            else:
                acc = v
    flush()
    return " " + "".join(out) + " "


# Full-width digits and keycap emoji ("0️⃣") become ASCII digits.
_FULLWIDTH = {0xFF10 + i: str(i) for i in range(10)}
_KEYCAP = re.compile("([0-9])\ufe0f?\u20e3")

# A candidate: tokens of digits (a token may hold look-alike letters next to real digits),
# joined by up to three separators, optionally led by "+", "00" or a bracket.
_TOKEN = r"[0-9OoIl|]*[0-9][0-9OoIl|]*"
# After the first group, a group may be look-alike letters only ("+34 6l2 34 59 lO").
_NEXT_TOKEN = rf"(?:{_TOKEN}|[OoIl|]{{2,4}})"
_NEXT_TOKEN_RE = re.compile(_NEXT_TOKEN)
_CANDIDATE = re.compile(
    rf"(?:(?<![\w+])|(?=\+))(?P<plus>\+\s?|\(\s?\+)?\(?{_TOKEN}"
    rf"(?:(?:[ \t.\-/()\u00a0]{{1,3}}|[ \t]*\n[ \t]*){_NEXT_TOKEN})*(?![\w])"
)
# Candidates are searched from each digit outwards: starting a regex at every "o" or "l"
# of a long text (they can be look-alike digits) would cost more than all other work.
_DIGIT = re.compile(r"[0-9]")
_LEAD = re.compile(r"(?:\+\s?|\(\s?\+|\()?\(?[OoIl|]*$")
_LEAD_ENDS = frozenset("+(OoIl|")
_WORD_REST = re.compile(r"\w*")
_FULLWIDTH_OR_KEYCAP = re.compile("[\uff10-\uff19\u20e3]")
_LOOKALIKE = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1"})
_LAST_TOKEN = re.compile(rf"[ \t\n.\-/()\u00a0]+{_NEXT_TOKEN}$")
_DATE = re.compile(r"^\d{1,4}[./\-]\d{1,2}[./\-]\d{1,4}$")


# Words right before a number that make it an id, a reference or an amount, not a phone
# ("ID: 123456", "ref#123456", "Verwendungszweck Rechnung 2026-0412" after an IBAN): every
# lexicon's id words, folded, compared with the last word before the number. Entries
# written "stem*" (order, invoice, customer: "objednávk*") and "+word" (the word for
# "number": "číslo", "nr", "ნომერი") make an id only together: "číslo objednávky",
# "შეკვეთის ნომერი", "numer zamówienia", or one compound word ("Tilausnumero",
# "Kundennr."). A stem alone is no id: "Objednávky: 601 123 456" is where to order.
@functools.cache
def _id_words() -> tuple[frozenset[str], tuple[str, ...], frozenset[str]]:
    """(id words, id stems, number words) of every lexicon, folded."""
    from crawler.extract.lexicon import all_languages

    entries = frozenset().union(*(data.id_words for data in all_languages()))
    words = frozenset(w for w in entries if w[:1] != "+" and not w.endswith("*"))
    stems = tuple(sorted(w[:-1] for w in entries if w.endswith("*") and w[:1] != "+"))
    numbers = frozenset(w[1:] for w in entries if w[:1] == "+")
    return words, stems, numbers


def _id_word(part: str) -> str:
    return fold(part.strip("([{:#.,;")).rsplit("(", 1)[-1]


def _id_context(before: str) -> bool:
    """Whether the text right `before` a number makes it an id ("Order no. 123456")."""
    parts = before.split()
    if not parts:
        return False
    last = parts[-1]
    if last.endswith("#"):
        return True
    word = _id_word(last)
    if word == "of":
        return len(parts) > 1 and fold(parts[-2]).endswith("number")
    words, stems, numbers = _id_words()
    if word in words:
        return True
    if not stems:
        return False
    if word.startswith(stems):
        # "Tilausnumero", "Kundennr.": an id stem compounded with the word for number
        if any(word.endswith(n) for n in numbers if len(n) > 1):
            return True
        # "číslo objednávky", "numer zamówienia", "numéro de commande"
        for back in (2, 3):
            if len(parts) >= back and _id_word(parts[-back]) in numbers:
                return back == 2 or len(_id_word(parts[-2])) <= 3
        return False
    if word in numbers and len(parts) > 1:
        # "შეკვეთის ნომერი", "Order number", "Kunden-Nr."
        prev = _id_word(parts[-2])
        return prev in words or prev.startswith(stems)
    return False


_CURRENCY_AFTER = re.compile(r"\s?(?:€|\$|£|eur|usd|gbp|lei|zł|грн|руб|₽|btc|xmr)", re.IGNORECASE)


def _may_hold_spelled_number(words: TextWords) -> bool:
    """Four or more digit-words or digit groups in a row, at least one of them a word.

    A cheap test on the word list: the regex that decodes spelled-out numbers is slow on
    long texts and almost never needed.
    """
    global _PARTS, _DISTINCT
    if _PARTS is None or _DISTINCT is None:
        _PARTS, _DISTINCT = _number_parts(), _distinct_parts()
    if words.unique and words.unique.isdisjoint(_DISTINCT):
        return False
    run = spelled = 0
    for tok in words.words:
        if tok in _PARTS:
            run += 1
            spelled += 1
        elif tok.isdigit():
            run += 1
        elif tok in ("et", "and", "y", "e", "und"):
            continue
        elif _glued_value(tok) is not None:
            run += 1
            spelled += 1
        else:
            run = spelled = 0
            continue
        if run >= 4 and spelled:
            return True
    return False


def decode_obfuscation(text: str, words: TextWords | None = None, *, cleaned: bool = False) -> str:
    """`text` with keycap, full-width and spelled-out digits turned into ASCII digits.

    `words` is TextWords.of(text) when the caller has it already; `cleaned` says that
    `text` went through normalise.clean (which already turned keycaps and full-width
    digits into ASCII digits).
    """
    if not cleaned and not text.isascii() and _FULLWIDTH_OR_KEYCAP.search(text):
        text = _KEYCAP.sub(r"\1", text).translate(_FULLWIDTH)
        words = None
    if words is None or words.text != text:
        words = TextWords.of(text)
    if _may_hold_spelled_number(words):
        text = _spelled_run().sub(_spelled_to_digits, words.lower)
    return text


# Letters first, the word boundary after them: the engine then skips to capitals quickly.
_IBAN = re.compile(r"[A-Z](?<!\w[A-Z])[A-Z]\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
# Links that carry an international number without "+": wa.me/31612345678, signal.me/#p/...
_INTL_LINK = re.compile(r"(?:wa\.me/|phone=|#p/|viber\.click/|number=)\+?$", re.IGNORECASE)


@functools.lru_cache(maxsize=8192)
def _valid_e164(digits: str, international: bool, region: str | None) -> str | None:
    # Cached: the same numbers recur across a platform's listings (that is the point of
    # shared-contact detection), and validation dominates this module.
    if not 7 <= len(digits) <= 15:
        return None
    if international:
        parsed = _parse_digits(digits, None)
    elif region:
        parsed = _parse_digits(digits, region)
    else:
        return None
    if parsed is None:
        return None
    country_code, nsn = parsed
    if not _is_valid_nsn(country_code, nsn):
        return None
    return f"+{country_code}{nsn}"  # format_number(..., E164) without an extension


_VALIDATION_SHORT = (
    _pnu.ValidationResult.TOO_SHORT,
    _pnu.ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
    _pnu.ValidationResult.INVALID_LENGTH,
)


def _parse_digits(digits: str, region: str | None) -> tuple[int, str] | None:
    """(country code, national significant number) of phonenumbers.parse("+" + digits,
    None) when `region` is None, else of phonenumbers.parse(digits, region); None where
    parse raises NumberParseException.

    `digits` is 7 to 15 ASCII digits. parse takes every step for any text (phone-context,
    extensions, letters, other scripts' digits, each normalised character by character);
    for a string of ASCII digits most of them change nothing, and this follows the steps
    that do, in parse's order, with phonenumbers' own helpers (each skipped step is noted).
    The national significant number is the parsed national number with its leading zeros
    (what national_significant_number gives, and format_number writes after the code).
    tests/extract/test_extract_phones.py compares it with parse on every region.
    """
    # Skipped: _build_national_number_for_parsing (no ";phone-context", the number starts
    # with a digit or "+" and ends with a digit), _is_viable_phone_number (7+ digits are),
    # _maybe_strip_extension (an extension needs a letter, "#", ";" or a separator), and
    # _normalize (ASCII digits normalise to themselves).
    if region is None:
        # _maybe_strip_i18n_prefix_and_normalize strips the "+"; then the country code.
        country_code, national = _pnu._extract_country_code(digits)
        if country_code == 0:
            # parse then retries without the "+": with no region metadata that extracts no
            # code, and it raises INVALID_COUNTRY_CODE.
            return None
        metadata = None
    else:
        # _check_region_for_parsing: a number without "+" needs a supported region.
        if not _pnu._is_valid_region_code(region):
            return None
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(region.upper(), None)
        code, national = _extract_code_national(digits, metadata)
        if code is None:
            return None
        country_code = code
    if country_code != 0:
        number_region = _pnu.region_code_for_country_code(country_code)
        if number_region != region:
            metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(
                country_code, number_region
            )
            if metadata is None:  # parse asserts it is not: let parse answer
                return _parse_slowly(digits, region)
    elif metadata is None or metadata.country_code is None:  # never so for a supported region
        return _parse_slowly(digits, region)
    else:
        national = digits
        country_code = metadata.country_code
    if len(national) < _pnu._MIN_LENGTH_FOR_NSN:
        return None
    if metadata is not None:
        _, potential, _ = _pnu._maybe_strip_national_prefix_carrier_code(national, metadata)
        if _pnu._test_number_length(potential, metadata) not in _VALIDATION_SHORT:
            national = potential
    if not _pnu._MIN_LENGTH_FOR_NSN <= len(national) <= _pnu._MAX_LENGTH_FOR_NSN:
        return None
    return country_code, national


def _extract_code_national(
    digits: str, metadata: phonenumbers.PhoneMetadata | None
) -> tuple[int | None, str]:
    """_maybe_extract_country_code(digits, metadata) for ASCII digits without "+":
    (country code or 0, the national number when a code was extracted), or (None, "")
    where parse raises."""
    idd = "NonMatch"
    if metadata is not None and metadata.international_prefix is not None:
        idd = metadata.international_prefix
    stripped, number = _pnu._parse_prefix_as_idd(re_compile(idd), digits)
    if stripped:
        if len(number) <= _pnu._MIN_LENGTH_FOR_NSN:
            return None, ""  # TOO_SHORT_AFTER_IDD
        country_code, national = _pnu._extract_country_code(number)
        if country_code == 0:
            return None, ""  # INVALID_COUNTRY_CODE (no "+" to retry without)
        return country_code, national
    if metadata is not None:
        code = str(metadata.country_code)
        if number.startswith(code):
            general = metadata.general_desc
            _, potential, _ = _pnu._maybe_strip_national_prefix_carrier_code(
                number[len(code) :], metadata
            )
            if (
                not _pnu._match_national_number(number, general, False)
                and _pnu._match_national_number(potential, general, False)
            ) or _pnu._test_number_length(number, metadata) == _pnu.ValidationResult.TOO_LONG:
                return metadata.country_code, potential
    return 0, ""


def _parse_slowly(digits: str, region: str | None) -> tuple[int, str] | None:
    try:
        num = phonenumbers.parse(digits if region else "+" + digits, region)
    except phonenumbers.NumberParseException:
        return None
    if num.country_code is None:
        return None
    return num.country_code, phonenumbers.national_significant_number(num)


# Number types other than mobile, in phonenumbers' order (phonenumberutil._number_type_helper).
_OTHER_TYPES = ("fixed_line", "premium_rate", "toll_free", "shared_cost", "voip",
                "personal_number", "pager", "uan", "voicemail")  # fmt: skip


def _has_type(nsn: str, metadata: phonenumbers.PhoneMetadata) -> bool:
    """Whether phonenumbers gives the national number a type other than UNKNOWN in this
    region (what is_valid_number asks of _number_type_helper).

    _number_type_helper tries premium, toll-free, shared-cost, VoIP, personal, pager, UAN,
    voicemail and fixed-line patterns before mobile, and any match is a type: trying mobile
    first (the numbers ads carry) answers the same question after two patterns instead of
    about ten. Mobile is tried only where _number_type_helper tries it (when its pattern is
    not the fixed-line one, which comes later in the list anyway).
    """
    matches = _matches_desc
    if not matches(nsn, metadata.general_desc):
        return False
    if not metadata.same_mobile_and_fixed_line_pattern and matches(nsn, metadata.mobile):
        return True
    return any(matches(nsn, getattr(metadata, kind)) for kind in _OTHER_TYPES)


_DESC_PATTERNS: dict[str, re.Pattern[str]] = {}  # national number pattern -> compiled


def _matches_desc(nsn: str, desc: phonenumbers.PhoneNumberDesc | None) -> bool:
    """phonenumberutil._is_number_matching_desc(nsn, desc): the possible lengths, then the
    national number pattern matched in full. Its steps (_match_national_number, re_compile,
    re.compile's cache, match then fullmatch) cost more than the match itself: here the
    compiled pattern is kept, and a full match alone decides (a pattern that matches the
    whole number also matches at its start)."""
    if desc is None:
        return False
    lengths = desc.possible_length
    if lengths and len(nsn) not in lengths:
        return False
    source = desc.national_number_pattern
    if not source:
        return False
    pattern = _DESC_PATTERNS.get(source)
    if pattern is None:
        pattern = _DESC_PATTERNS[source] = re.compile(source)
    return pattern.fullmatch(nsn) is not None


def _is_valid_number(num: phonenumbers.PhoneNumber) -> bool:
    """phonenumbers.is_valid_number(num), step by step as phonenumbers 9 takes it
    (region_code_for_number, then is_valid_number_for_region), with the number type tested
    by _has_type. tests/extract/test_extract_phones.py compares the two."""
    if num.country_code is None:
        return False  # no region has it: phonenumbers finds none either
    return _is_valid_nsn(num.country_code, phonenumbers.national_significant_number(num))


def _is_valid_nsn(country_code: int, nsn: str) -> bool:
    """_is_valid_number of the number with this country code and national significant
    number."""
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code)
    if regions is None:
        return False
    region = regions[0] if len(regions) == 1 else _region_of(nsn, regions)
    if region is None:
        return False
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(
        country_code, region.upper()
    )
    if metadata is None or (
        region != phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY
        and country_code != phonenumbers.country_code_for_valid_region(region)
    ):
        return False
    return _has_type(nsn, metadata)


def _region_of(nsn: str, regions: tuple[str, ...]) -> str | None:
    """phonenumberutil._region_code_for_number_from_list: the first region of a shared
    country code whose leading digits, or else whose patterns, take the number."""
    for region in regions:
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(region.upper(), None)
        if metadata is None:
            continue
        if metadata.leading_digits is not None:
            if re_compile(metadata.leading_digits).match(nsn):
                return region
        elif _has_type(nsn, metadata):
            return region
    return None


def _tokens(candidate: str) -> list[str]:
    return _NEXT_TOKEN_RE.findall(candidate)


# Validation attempts per candidate: a long run of digit groups ("1 1 1 1 ...") must not
# cost one phonenumbers parse per sub-run.
_MAX_ATTEMPTS = 120


def _numbers_in(candidate: str, international: bool, region: str | None) -> list[str]:
    """Valid numbers in one candidate; several when numbers were written back to back."""
    tokens = [t.translate(_LOOKALIKE) for t in _tokens(candidate)]
    found: list[str] = []
    attempts = 0
    i = 0
    while i < len(tokens) and attempts < _MAX_ATTEMPTS:
        # Runs of tokens from i short enough to be a number (E.164 has at most 15 digits,
        # plus a "00" prefix), tried longest first.
        ends: list[int] = []
        length = 0
        for j in range(i, len(tokens)):
            length += len(tokens[j])
            if length > 17:
                break
            ends.append(j + 1)
        hit = None
        for j in reversed(ends):
            digits = "".join(tokens[i:j])
            intl = international and i == 0
            if digits.startswith("00") and len(digits) > 9:
                digits, intl = digits[2:], True
            if len(digits) < 7:
                break
            attempts += 1
            hit = _valid_e164(digits, intl, region)
            if hit or attempts >= _MAX_ATTEMPTS:
                break
        if hit:
            found.append(hit)
            i = j
        else:
            i += 1
        international = False
    return found


def _mask_ibans(text: str) -> str:
    return _IBAN.sub(lambda m: "#" * len(m.group(0)), text)


def _iban_near(text: str, start: int, end: int) -> bool:
    """Whether an IBAN overlaps text[start:end] or the few characters around it that the
    number search looks at (an IBAN is at most 34 characters and 8 spaces long)."""
    for m in _IBAN.finditer(text, max(0, start - 48), min(len(text), end + 48)):
        if m.start() < end + 8 and m.end() > start - 16:
            return True
    return False


def extract_phones(
    text: str, region: str | None = None, *, words: TextWords | None = None
) -> list[str]:
    """E.164 phone numbers in `text`, deduplicated, in order of first appearance.

    `region` is an ISO 3166 alpha-2 hint (e.g. "NL") for numbers written without a
    country code; without it only numbers with their own +country code (or 00) count.
    `words` is TextWords.of(text) for the cleaned text (normalise.clean) when the caller
    has it already.
    """
    if not text:
        return []
    region = region.upper() if region else None
    decoded = decode_obfuscation(clean(text) if words is None else text, words, cleaned=True)
    # Account numbers are masked before numbers are looked for; the IBAN pattern runs over
    # the whole text only when "IBAN" is written or a candidate number has one near it.
    masked = "IBAN" in decoded or "iban" in decoded
    if masked:
        decoded = _mask_ibans(decoded)
    out: list[str] = []
    pos = 0
    # Digits are looked up in the runs TextWords found, while the text is still the one
    # it split (not after spelled-out digits were decoded or account numbers masked).
    split = words.text if words is not None else None
    starts, ends = words.digit_runs if words is not None and decoded is split else ([], [])
    while True:
        if decoded is split:
            i = bisect_right(starts, pos) - 1  # the last run that starts at or before pos
            if i >= 0 and pos < ends[i]:
                at = pos
            elif i + 1 < len(starts):
                at = starts[i + 1]
            else:
                break
        else:
            seed = _DIGIT.search(decoded, pos)
            if seed is None:
                break
            at = seed.start()
        # _LEAD can only end in one of these (or in a space after "+"): skip it otherwise.
        before = decoded[at - 1 : at] if at else ""
        lead = (
            _LEAD.search(decoded, max(0, at - 8), at)
            if before in _LEAD_ENDS or (before.isspace() and decoded[at - 2 : at - 1] == "+")
            else None
        )
        m = _CANDIDATE.match(decoded, lead.start() if lead else at)
        if m is None:
            m = _CANDIDATE.match(decoded, at)
        if m is None:
            # A digit glued to a word ("abc123"): skip the whole word.
            rest = _WORD_REST.match(decoded, at)
            word_end = rest.end() if rest else at + 1
            pos = max(word_end, at + 1)
            continue
        pos = m.end()
        cand = m.group(0)
        digit_count = sum(map(str.isdigit, cand))
        if digit_count < 6:
            continue
        if not masked and _iban_near(decoded, m.start(), m.end()):
            decoded, masked, out, pos = _mask_ibans(decoded), True, [], 0
            continue  # start again over the masked text
        stripped = cand.strip("() ")
        if _DATE.match(stripped):
            continue
        start = m.start()
        if _id_context(decoded[max(0, start - 40) : start]):
            continue
        if _CURRENCY_AFTER.match(decoded, m.end()):
            # "06 12345678 150 EUR": the last group is a price, the rest may be a number.
            last = _LAST_TOKEN.search(cand)
            if last is None:
                continue
            cand = cand[: last.start()]
        international = bool(m.group("plus")) or bool(
            _INTL_LINK.search(decoded, max(0, start - 14), start)
        )
        for number in _numbers_in(cand, international, region):
            if number not in out:
                out.append(number)
    return out
