"""Benchmark of crawler.extract.extract() on generated 1-2 KB listings.

Prints listings/s and the median per-listing time of extract(), and, as a baseline
measured in the same run over the same texts, listings/s of a plain
`re.findall(r"\\d+", text)` pass, with the ratio between the two.

    .venv/bin/python bench/bench_extract.py [--listings 2000] [--seed 7]

It ends with the start-up time: a fresh interpreter's import of crawler.extract plus its
first extract() call (median of three processes), wall and CPU time. The processes read
bytecode compiled by a warm-up process first (into a temporary PYTHONPYCACHEPREFIX), as an
installed or once-run program does: with PYTHONDONTWRITEBYTECODE set, as in some shells and
CI images, every start would compile the sources again (about 25 ms more).

Listings are synthetic and clinical (docs/safety.md): filler sentences in en/nl/de/ro/uk/ru/es,
some indicator phrases, prices, example phone numbers from phonenumbers, handles.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import phonenumbers  # noqa: E402

from crawler.extract import extract  # noqa: E402
from crawler.extract.phones import _valid_e164  # noqa: E402

FILLER = {
    "en": "The apartment is close to the station and easy to find. Please send a message "
    "before calling. Parking is available in the street. Friendly and discreet service, "
    "clean rooms, towels provided. Appointments can be made for the same day. ",
    "nl": "Het appartement ligt dicht bij het station en is makkelijk te vinden. Stuur "
    "eerst een bericht voordat je belt. Parkeren kan in de straat. Vriendelijke en "
    "discrete service, schone kamers. Afspraken kunnen voor dezelfde dag. ",
    "de": "Die Wohnung liegt nahe am Bahnhof und ist leicht zu finden. Bitte zuerst eine "
    "Nachricht senden. Parken ist in der Straße möglich. Freundlicher und diskreter "
    "Service, saubere Zimmer. Termine sind am selben Tag möglich. ",
    "ro": "Apartamentul este aproape de gară și ușor de găsit. Vă rog trimiteți un mesaj "
    "înainte de a suna. Parcare pe stradă. Serviciu discret și prietenos, camere "
    "curate. Programări pentru aceeași zi. ",
    "uk": "Квартира знаходиться біля вокзалу, її легко знайти. Будь ласка, спочатку "
    "напишіть повідомлення. Паркування на вулиці. Дискретний і привітний сервіс, "
    "чисті кімнати. Запис на той самий день. ",
    "ru": "Квартира находится рядом с вокзалом, её легко найти. Пожалуйста, сначала "
    "напишите сообщение. Парковка на улице. Дискретный и приветливый сервис, чистые "
    "комнаты. Запись на тот же день. ",
    "es": "El piso está cerca de la estación y es fácil de encontrar. Por favor envía un "
    "mensaje antes de llamar. Aparcamiento en la calle. Servicio discreto y amable, "
    "habitaciones limpias. Citas para el mismo día. ",
}
PHRASES = {
    "en": ["New in town", "just arrived", "available 24/7", "my girls", "no limits",
           "speaks no English", "free accommodation and transport", "no experience needed"],
    "nl": ["Nieuw in de stad", "net aangekomen", "24/7 bereikbaar", "mijn meiden",
           "gratis huisvesting", "geen ervaring nodig"],
    "de": ["Neu in der Stadt", "gerade angekommen", "rund um die Uhr", "ohne Tabus",
           "Unterkunft wird gestellt", "keine Erfahrung nötig"],
    "ro": ["Nouă în oraș", "abia am sosit", "non stop", "cazare gratuită",
           "fără experiență", "plecare urgentă"],
    "uk": ["Нова в місті", "щойно приїхала", "цілодобово", "без обмежень",
           "безкоштовне житло", "робота за кордоном"],
    "ru": ["Новая в городе", "только приехала", "круглосуточно", "без ограничений",
           "бесплатное жильё", "работа за границей"],
    "es": ["Nueva en la ciudad", "recién llegada", "24 horas", "sin límites",
           "alojamiento gratis", "sin experiencia"],
}  # fmt: skip
REGION = {"en": "GB", "nl": "NL", "de": "DE", "ro": "RO", "uk": "UA", "ru": "RU", "es": "ES"}
PRICES = ["150€/h", "EUR 200 per night", "1.200,50 zł/miesiąc", "300 USD/hour", "500 грн/год",
          "200 lei/ora", "80 €/Stunde", "100 euros por hora", "1h: 120€", "£150 ph"]  # fmt: skip


def generate(n: int, seed: int) -> list[tuple[str, str]]:
    """n (text, region) pairs of 1-2 KB."""
    rng = random.Random(seed)
    out = []
    langs = list(FILLER)
    for _ in range(n):
        lang = rng.choice(langs)
        region = REGION[lang]
        number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
        national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        parts = [rng.choice(PHRASES[lang]) + ". "]
        target = rng.randint(1000, 2000)
        while sum(map(len, parts)) < target:
            parts.append(FILLER[lang])
            if rng.random() < 0.3:
                parts.append(rng.choice(PHRASES[lang]) + ". ")
        parts.insert(rng.randint(1, len(parts)), f"Tel {national}. {rng.choice(PRICES)}. ")
        if rng.random() < 0.3:
            parts.append(f"tg: @example_{rng.randint(100, 999)} ")
        out.append(("".join(parts)[:2000], region))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    listings = generate(args.listings, args.seed)
    sizes = [len(t.encode()) for t, _ in listings]
    for text, region in listings[:200]:  # warm-up: lexicon loading and lazy regex compiles
        extract(text, country=region)

    per_listing = []
    cpu0, start = time.process_time(), time.perf_counter()
    for text, region in listings:
        t0 = time.perf_counter()
        # Only example numbers may be used (docs/safety.md), so every listing repeats one of a
        # few numbers: clear the validation cache to measure the case where all are new.
        _valid_e164.cache_clear()
        extract(text, country=region)
        per_listing.append(time.perf_counter() - t0)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu0

    digits = re.compile(r"\d+")
    cpu0, start = time.process_time(), time.perf_counter()
    for text, _ in listings:
        digits.findall(text)
    baseline, base_cpu = time.perf_counter() - start, time.process_time() - cpu0

    n = len(listings)
    rate, base_rate = n / elapsed, n / baseline
    # The machine may be shared: CPU time per listing is the steadier figure.
    print(f"listings: {n}, median size {statistics.median(sizes):.0f} bytes, load {_load()}")
    print(
        f"extract(): {rate:,.0f} listings/s (wall), {n / cpu:,.0f} listings/s (CPU), "
        f"median {statistics.median(per_listing) * 1e3:.3f} ms, "
        f"p95 {sorted(per_listing)[int(n * 0.95)] * 1e3:.3f} ms"
    )
    print(
        f"baseline re.findall(r'\\d+'): {base_rate:,.0f} listings/s (wall), "
        f"{n / max(base_cpu, 1e-9):,.0f} listings/s (CPU)"
    )
    print(f"ratio baseline/extract: {base_rate / rate:.1f}x (wall)")
    # Sanity: the benchmark measures real work only if the planted values are found.
    results = [extract(text, country=region) for text, region in listings[:200]]
    print(
        "found in the first 200: "
        f"phones {sum(bool(r.phones) for r in results)}, "
        f"prices {sum(bool(r.prices) for r in results)}, "
        f"indicators {sum(bool(r.indicators) for r in results)}, "
        f"languages {sum(r.language is not None for r in results)}"
    )
    wall, cpu = _startup()
    print(
        f"start-up (import + first extract(), fresh process, median of 3): {wall:.3f} s (CPU {cpu:.3f} s)"
    )
    return 0


_STARTUP = """
import time
t0, c0 = time.perf_counter(), time.process_time()
from crawler.extract import extract
extract("New in town, available 24/7. Call +31 6 12345678, 150 EUR per hour.", country="NL")
print(time.perf_counter() - t0, time.process_time() - c0)
"""


def _startup() -> tuple[float, float]:
    """Seconds (wall, CPU) from a fresh interpreter's import of crawler.extract to the end
    of its first extract() call (lexicons, compiled tables and regexes loaded on the way),
    median of three, after a warm-up process that compiled the bytecode."""
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory(prefix="bench-pyc-") as pyc:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = pyc
        runs = [
            subprocess.run(
                [sys.executable, "-c", _STARTUP],
                cwd=root,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            for _ in range(4)
        ][1:]
    return (
        statistics.median(float(wall) for wall, _ in runs),
        statistics.median(float(cpu) for _, cpu in runs),
    )


def _load() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


if __name__ == "__main__":
    sys.exit(main())
