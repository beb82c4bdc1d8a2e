"""Classes of wording that blind set 4 showed missing (issue #12, recall round 4).

Each case is written fresh for its class and language, not taken from a labelled set.
The assertions are on the ids found, which is what an analyst filters on.
"""

from __future__ import annotations

import pytest

from crawler.extract.indicators import find_indicators


def ids(text: str, lang: str) -> set[str]:
    return {h.id for h in find_indicators(text, lang)}


# The person can be reached only through someone of hers ("only through my cousin"): she
# does not speak for herself (restricted communication) and someone else does (third party).
ONLY_THROUGH_MY = [
    ("Sweet blonde, visits only via my assistant.", "en"),
    ("Hezká brunetka, kontakt pouze přes mou asistentku.", "cs"),
    ("Hübsche Blondine, Kontakt ausschließlich über meinen Betreuer.", "de"),
    ("Dulce morena, citas solamente a través de mi representante.", "es"),
    ("Bella mora, appuntamenti soltanto attraverso la mia amica.", "it"),
    ("Mooie dame, afspraken uitsluitend via mijn chauffeur.", "nl"),
    ("Ładna brunetka, spotkania wyłącznie przez mojego kierowcę.", "pl"),
    ("Morena linda, encontros apenas através do meu motorista.", "pt"),
    ("Frumoasă brunetă, întâlniri numai prin dispecerul meu.", "ro"),
    ("Pekná blondínka, stretnutia výhradne cez môjho šéfa.", "sk"),
    ("Lepa blondinka, srečanja izključno prek moje tolmačice.", "sl"),
    ("Lepa plavuša, sastanci isključivo preko mog vozača.", "sr"),
    ("Vacker blondin, träffar enbart genom min chaufför.", "sv"),
    ("Ihana tyttö, tapaamiset ainoastaan avustajani kautta.", "fi"),
    ("Csinos szőke, találkozó kizárólag a barátnőmön keresztül.", "hu"),
    ("Graži blondinė, susitikimai tiktai per mano vairuotoją.", "lt"),
    ("Bukuroshe, takime vetëm nëpërmjet shoferit tim.", "sq"),
    ("Sæt stelpa, hittingur eingöngu í gegnum vinkonu mína.", "is"),
    ("Красивая блондинка, встречи исключительно через моего водителя.", "ru"),
    ("Гарна білявка, зустрічі виключно через мого перекладача.", "uk"),
    ("Όμορφη ξανθιά, ραντεβού αποκλειστικά μέσω του οδηγού μου.", "el"),
]


@pytest.mark.parametrize(("text", "lang"), ONLY_THROUGH_MY)
def test_reached_only_through_someone_of_hers(text: str, lang: str) -> None:
    found = ids(text, lang)
    assert {"restricted_communication", "third_party_control"} <= found


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        # An agency's bookings through its own staff: a third party, not restricted speech.
        ("Rezerwacje wyłącznie przez naszego menedżera.", "pl"),
        # A job ad: applications through an agency are how jobs are found.
        ("Praca w magazynie, zgłoszenia tylko przez moją agencję pracy, umowa o pracę.", "pl"),
    ],
)
def test_agency_bookings_or_job_applications_are_not_restricted(text: str, lang: str) -> None:
    assert "restricted_communication" not in ids(text, lang)


def test_contact_my_friend_for_her_is_a_third_party() -> None:
    assert "third_party_control" in ids(
        "Elle ne parle que russe, appelez mon chauffeur pour elle.", "fr"
    )
