"""Case table for crawler.extract.language.detect_language."""

from __future__ import annotations

import pytest

from crawler.extract.language import detect_language

CASES = [
    ("en", "New in town, just arrived. Call me, I am available for you all week."),
    ("en", "We are looking for workers, no experience needed, accommodation provided."),
    ("nl", "Nieuw in de stad, net aangekomen. Bel mij, ik ben er voor jou."),
    ("nl", "Wij zoeken medewerkers, geen ervaring nodig, huisvesting wordt geregeld."),
    ("de", "Neu in der Stadt, gerade angekommen. Ruf mich an, ich bin für dich da."),
    ("de", "Wir suchen Mitarbeiter, keine Erfahrung nötig, die Unterkunft wird gestellt."),
    ("ro", "Nouă în oraș, abia am sosit. Sună-mă, sunt aici pentru tine."),
    ("ro", "Căutăm muncitori, fără experiență, cazare și transport asigurate."),
    ("uk", "Нова в місті, щойно приїхала. Телефонуйте, я тут тільки для вас."),
    ("uk", "Шукаємо працівників, досвід не потрібен, житло надається."),
    ("ru", "Новая в городе, только приехала. Звоните, я здесь только для вас."),
    ("ru", "Ищем работников, опыт не нужен, жильё предоставляется."),
    ("es", "Nueva en la ciudad, recién llegada. Llámame, estoy aquí para ti."),
    ("es", "Buscamos trabajadores, sin experiencia, ofrecemos alojamiento y transporte."),
    ("fr", "Nouvelle en ville, je suis arrivée hier. Appelez-moi, nous sommes là pour vous."),
    ("it", "Nuova in città, sono appena arrivata. Non sono qui per molto tempo."),
    ("pl", "Nowa w mieście, właśnie przyjechała. Jestem tu tylko dla ciebie."),
    (None, ""),
    (None, "12345 67890"),
    (None, "!!! ??? ..."),
]


@pytest.mark.parametrize(("expected", "text"), CASES, ids=[f"{c[0]}:{c[1][:24]}" for c in CASES])
def test_detect_language(expected: str | None, text: str) -> None:
    assert detect_language(text) == expected


def test_long_text_costs_no_more_than_its_start() -> None:
    text = CASES[2][1] + " " + "x" * 100_000
    assert detect_language(text) == "nl"
