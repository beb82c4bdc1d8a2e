"""Synthetic listing text for the demo platforms, in en, nl, de, ro, uk, ru and es.

Everything here is invented, clinical and non-explicit (SAFETY.md): ordinary ads, job ads
and forum posts, some of which carry the indicator phrases of INDICATORS.md. Each
generator returns a `Draft`: the text split into parts (so that a price change can
re-render only the price line) plus the truth about what was planted: indicator ids,
prices, phones (E.164), e-mails, handles, wallets and a stated age.

Phones come from `phonenumbers.example_number_for_type(region, MOBILE)` with only the
last digits changed, and every one is checked with `phonenumbers.is_valid_number`. Some
are written obfuscated (separators, spelled-out digits, look-alike letters). E-mails use
example.org / example.com; handles are random syllables.

All randomness comes from the `random.Random` passed in, so a seed fixes the text.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import cache

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from crawler.demo.wallets import random_wallet
from crawler.models import Handle, Price, Wallet

LANGUAGES = ("en", "nl", "de", "ro", "uk", "ru", "es")

# Rough EUR -> local rates, only to make amounts look plausible in each currency.
RATES = {"EUR": 1.0, "GBP": 0.85, "USD": 1.08, "PLN": 4.3, "RON": 5.0, "UAH": 45.0, "RUB": 100.0}

# How an amount is written with each currency; the ground truth keeps the ISO code.
MONEY_FORMATS: dict[str, tuple[str, ...]] = {
    "EUR": ("{a} EUR", "€{a}", "{a} €", "{a}€"),
    "GBP": ("£{a}", "{a} GBP"),
    "USD": ("${a}", "{a} USD"),
    "PLN": ("{a} zł", "{a} PLN"),
    "RON": ("{a} lei", "{a} RON"),
    "UAH": ("{a} грн", "{a} UAH"),
    "RUB": ("{a} руб.", "{a} ₽", "{a} RUB"),
}

# (city, phone region, ISO country, currency) per language.
PLACES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "en": (
        ("London", "GB", "GBP"),
        ("Manchester", "GB", "GBP"),
        ("New York", "US", "USD"),
        ("Chicago", "US", "USD"),
        ("Warsaw", "PL", "PLN"),
        ("Kraków", "PL", "PLN"),
    ),
    "nl": (
        ("Amsterdam", "NL", "EUR"),
        ("Rotterdam", "NL", "EUR"),
        ("Utrecht", "NL", "EUR"),
        ("Den Haag", "NL", "EUR"),
    ),
    "de": (
        ("Berlin", "DE", "EUR"),
        ("Hamburg", "DE", "EUR"),
        ("München", "DE", "EUR"),
        ("Köln", "DE", "EUR"),
    ),
    "ro": (
        ("București", "RO", "RON"),
        ("Cluj-Napoca", "RO", "RON"),
        ("Timișoara", "RO", "RON"),
        ("Iași", "RO", "EUR"),
    ),
    "uk": (
        ("Київ", "UA", "UAH"),
        ("Львів", "UA", "UAH"),
        ("Одеса", "UA", "UAH"),
        ("Харків", "UA", "UAH"),
    ),
    "ru": (("Москва", "RU", "RUB"), ("Санкт-Петербург", "RU", "RUB"), ("Казань", "RU", "RUB")),
    "es": (
        ("Madrid", "ES", "EUR"),
        ("Barcelona", "ES", "EUR"),
        ("Valencia", "ES", "EUR"),
        ("Sevilla", "ES", "EUR"),
    ),
}

UNIT_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "hour": "per hour",
        "30min": "per 30 min",
        "night": "per night",
        "month": "per month",
        "once": "one-time",
        "day": "per day",
    },
    "nl": {
        "hour": "per uur",
        "30min": "per 30 min",
        "night": "per nacht",
        "month": "per maand",
        "once": "eenmalig",
        "day": "per dag",
    },
    "de": {
        "hour": "pro Stunde",
        "30min": "pro 30 Min.",
        "night": "pro Nacht",
        "month": "pro Monat",
        "once": "einmalig",
        "day": "pro Tag",
    },
    "ro": {
        "hour": "pe oră",
        "30min": "pentru 30 min",
        "night": "pe noapte",
        "month": "pe lună",
        "once": "o singură dată",
        "day": "pe zi",
    },
    "uk": {
        "hour": "за годину",
        "30min": "за 30 хв",
        "night": "за ніч",
        "month": "на місяць",
        "once": "одноразово",
        "day": "за день",
    },
    "ru": {
        "hour": "в час",
        "30min": "за 30 мин",
        "night": "за ночь",
        "month": "в месяц",
        "once": "разово",
        "day": "в день",
    },
    "es": {
        "hour": "por hora",
        "30min": "por 30 min",
        "night": "por noche",
        "month": "al mes",
        "once": "pago único",
        "day": "por día",
    },
}

SPELLED_DIGITS: dict[str, tuple[str, ...]] = {
    "en": ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "plus"),
    "nl": ("nul", "een", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen", "plus"),
    "de": (
        "null",
        "eins",
        "zwei",
        "drei",
        "vier",
        "fünf",
        "sechs",
        "sieben",
        "acht",
        "neun",
        "plus",
    ),
    "ro": ("zero", "unu", "doi", "trei", "patru", "cinci", "șase", "șapte", "opt", "nouă", "plus"),
    "uk": (
        "нуль",
        "один",
        "два",
        "три",
        "чотири",
        "п'ять",
        "шість",
        "сім",
        "вісім",
        "дев'ять",
        "плюс",
    ),
    "ru": (
        "ноль",
        "один",
        "два",
        "три",
        "четыре",
        "пять",
        "шесть",
        "семь",
        "восемь",
        "девять",
        "плюс",
    ),
    "es": (
        "cero",
        "uno",
        "dos",
        "tres",
        "cuatro",
        "cinco",
        "seis",
        "siete",
        "ocho",
        "nueve",
        "más",
    ),
}

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "rates": "Rates:",
        "salary": "Salary:",
        "price": "Price:",
        "phone": "Phone: {p}",
        "call": "Call or text {p}",
        "email": "E-mail: {e}",
    },
    "nl": {
        "rates": "Tarieven:",
        "salary": "Salaris:",
        "price": "Prijs:",
        "phone": "Tel: {p}",
        "call": "Bel of app {p}",
        "email": "E-mail: {e}",
    },
    "de": {
        "rates": "Preise:",
        "salary": "Gehalt:",
        "price": "Preis:",
        "phone": "Telefon: {p}",
        "call": "Anrufen oder SMS: {p}",
        "email": "E-Mail: {e}",
    },
    "ro": {
        "rates": "Tarife:",
        "salary": "Salariu:",
        "price": "Preț:",
        "phone": "Telefon: {p}",
        "call": "Sunați la {p}",
        "email": "E-mail: {e}",
    },
    "uk": {
        "rates": "Ціни:",
        "salary": "Зарплата:",
        "price": "Ціна:",
        "phone": "Тел.: {p}",
        "call": "Телефонуйте: {p}",
        "email": "Пошта: {e}",
    },
    "ru": {
        "rates": "Цены:",
        "salary": "Зарплата:",
        "price": "Цена:",
        "phone": "Тел.: {p}",
        "call": "Звоните: {p}",
        "email": "Почта: {e}",
    },
    "es": {
        "rates": "Tarifas:",
        "salary": "Salario:",
        "price": "Precio:",
        "phone": "Teléfono: {p}",
        "call": "Llama o escribe al {p}",
        "email": "Correo: {e}",
    },
}

# Country names used as an origin (nationality_emphasis) or a destination (job abroad);
# uk/ru origins are in the genitive case the phrase needs ("з Бразилії").
ORIGINS = {
    "en": ("Brazil", "Thailand", "Venezuela", "Nigeria", "Vietnam"),
    "nl": ("Brazilië", "Thailand", "Venezuela", "Nigeria", "Vietnam"),
    "de": ("Brasilien", "Thailand", "Venezuela", "Nigeria", "Vietnam"),
    "ro": ("Brazilia", "Thailanda", "Venezuela", "Nigeria", "Vietnam"),
    "uk": ("Бразилії", "Таїланду", "Венесуели", "Нігерії", "В'єтнаму"),
    "ru": ("Бразилии", "Таиланда", "Венесуэлы", "Нигерии", "Вьетнама"),
    "es": ("Brasil", "Tailandia", "Venezuela", "Nigeria", "Vietnam"),
}
DESTINATIONS = {
    "en": ("Germany", "the Netherlands", "Poland", "the United Kingdom", "Spain", "Dubai"),
    "nl": ("Duitsland", "Engeland", "Polen", "Spanje", "Dubai"),
    "de": ("die Niederlande", "England", "Polen", "Spanien", "Dubai"),
    "ro": ("Germania", "Olanda", "Anglia", "Spania", "Dubai"),
    "uk": ("Німеччина", "Польща", "Нідерланди", "Чехія", "Дубай"),
    "ru": ("Германия", "Польша", "Нидерланды", "Чехия", "Дубай"),
    "es": ("Alemania", "Países Bajos", "Reino Unido", "Dubái"),
}

FIRST_NAMES = {
    "en": ("Anna", "Mia", "Lena", "Sofia", "Clara", "Nora"),
    "nl": ("Sanne", "Lotte", "Eva", "Noor", "Fleur"),
    "de": ("Lena", "Hanna", "Marie", "Leonie", "Jana"),
    "ro": ("Ioana", "Elena", "Andreea", "Maria", "Bianca"),
    "uk": ("Оксана", "Ірина", "Олена", "Марія", "Юлія"),
    "ru": ("Анна", "Ольга", "Наталья", "Марина", "Светлана"),
    "es": ("Lucía", "Carmen", "Paula", "Marta", "Elena"),
}
ORG_WORDS = (
    "Norvale",
    "Brightfield",
    "Kestrel",
    "Alderon",
    "Sunmere",
    "Veltro",
    "Corvida",
    "Lumeno",
)

# --- classifieds -------------------------------------------------------------------------

AD_CATEGORIES = ("companionship", "massage", "services", "rooms")
AD_CATEGORY_WEIGHTS = (35, 30, 20, 15)
# Categories where the sexual-exploitation indicators are planted.
RISKY_AD_CATEGORIES = frozenset({"companionship", "massage"})

AD_TITLES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "companionship": (
            "Companion for dinners and events in {city}",
            "{name}, friendly company in {city}",
        ),
        "massage": ("Relaxing massage in {city}", "Professional massage studio {city}"),
        "services": ("Cleaning help in {city}", "Plumber and small repairs, {city}"),
        "rooms": ("Room for rent in {city}", "Furnished studio near the centre of {city}"),
    },
    "nl": {
        "companionship": (
            "Gezelschap voor diners en evenementen in {city}",
            "{name}, vriendelijk gezelschap in {city}",
        ),
        "massage": ("Ontspannende massage in {city}", "Professionele massagepraktijk {city}"),
        "services": ("Schoonmaakhulp in {city}", "Loodgieter en kleine klussen, {city}"),
        "rooms": ("Kamer te huur in {city}", "Gemeubileerde studio bij het centrum van {city}"),
    },
    "de": {
        "companionship": (
            "Begleitung für Essen und Veranstaltungen in {city}",
            "{name}, freundliche Begleitung in {city}",
        ),
        "massage": ("Entspannende Massage in {city}", "Professionelles Massagestudio {city}"),
        "services": ("Putzhilfe in {city}", "Klempner und kleine Reparaturen, {city}"),
        "rooms": ("Zimmer zu vermieten in {city}", "Möbliertes Apartment nahe dem Zentrum, {city}"),
    },
    "ro": {
        "companionship": (
            "Companie pentru cine și evenimente în {city}",
            "{name}, companie plăcută în {city}",
        ),
        "massage": ("Masaj de relaxare în {city}", "Salon profesional de masaj {city}"),
        "services": ("Ajutor la curățenie în {city}", "Instalator și reparații mici, {city}"),
        "rooms": ("Cameră de închiriat în {city}", "Garsonieră mobilată lângă centru, {city}"),
    },
    "uk": {
        "companionship": (
            "Компанія для вечері та заходів, {city}",
            "{name}, приємна компанія, {city}",
        ),
        "massage": ("Розслаблюючий масаж, {city}", "Професійний масажний кабінет, {city}"),
        "services": ("Допомога з прибиранням, {city}", "Сантехнік і дрібний ремонт, {city}"),
        "rooms": ("Здається кімната, {city}", "Мебльована квартира-студія біля центру, {city}"),
    },
    "ru": {
        "companionship": (
            "Компания для ужина и мероприятий, {city}",
            "{name}, приятная компания, {city}",
        ),
        "massage": ("Расслабляющий массаж, {city}", "Профессиональный массажный кабинет, {city}"),
        "services": ("Помощь с уборкой, {city}", "Сантехник и мелкий ремонт, {city}"),
        "rooms": ("Сдаётся комната, {city}", "Меблированная студия рядом с центром, {city}"),
    },
    "es": {
        "companionship": (
            "Acompañante para cenas y eventos en {city}",
            "{name}, compañía agradable en {city}",
        ),
        "massage": ("Masaje relajante en {city}", "Centro profesional de masaje {city}"),
        "services": ("Ayuda de limpieza en {city}", "Fontanero y pequeñas reparaciones, {city}"),
        "rooms": (
            "Habitación en alquiler en {city}",
            "Estudio amueblado cerca del centro de {city}",
        ),
    },
}

AD_SENTENCES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "companionship": (
            "Well-mannered companion for dinners, concerts and business events.",
            "Discreet and punctual, appointments in advance.",
            "Good conversation and a smart dress code.",
            "Meetings in hotels and restaurants only.",
        ),
        "massage": (
            "Classic relaxing massage in a clean, quiet studio.",
            "Appointments Monday to Saturday.",
            "Hot stones and aromatherapy oils available.",
            "Certified therapist with ten years of practice.",
        ),
        "services": (
            "Reliable and insured, references on request.",
            "Free quote within one day.",
            "Weekday and weekend appointments.",
            "Own tools and van.",
        ),
        "rooms": (
            "Furnished room in a quiet shared flat, bills included.",
            "Five minutes walk from public transport.",
            "Available from next month, minimum stay six months.",
            "Non-smokers preferred.",
        ),
    },
    "nl": {
        "companionship": (
            "Beschaafd gezelschap voor diners, concerten en zakelijke evenementen.",
            "Discreet en punctueel, afspraken vooraf.",
            "Goede gesprekken en nette kleding.",
            "Alleen afspraken in hotels en restaurants.",
        ),
        "massage": (
            "Klassieke ontspannende massage in een schone, rustige praktijk.",
            "Afspraken van maandag tot zaterdag.",
            "Hotstones en aromatherapie-oliën beschikbaar.",
            "Gediplomeerd therapeut met tien jaar ervaring.",
        ),
        "services": (
            "Betrouwbaar en verzekerd, referenties op aanvraag.",
            "Gratis offerte binnen een dag.",
            "Afspraken door de week en in het weekend.",
            "Eigen gereedschap en bus.",
        ),
        "rooms": (
            "Gemeubileerde kamer in een rustig studentenhuis, inclusief vaste lasten.",
            "Vijf minuten lopen van het openbaar vervoer.",
            "Beschikbaar vanaf volgende maand, minimaal zes maanden.",
            "Niet-rokers gewenst.",
        ),
    },
    "de": {
        "companionship": (
            "Gepflegte Begleitung für Abendessen, Konzerte und Geschäftstermine.",
            "Diskret und pünktlich, Termine nach Vereinbarung.",
            "Gute Unterhaltung und elegante Kleidung.",
            "Treffen nur in Hotels und Restaurants.",
        ),
        "massage": (
            "Klassische Entspannungsmassage in einem sauberen, ruhigen Studio.",
            "Termine von Montag bis Samstag.",
            "Hot Stones und Aromaöle auf Wunsch.",
            "Zertifizierte Therapeutin mit zehn Jahren Praxis.",
        ),
        "services": (
            "Zuverlässig und versichert, Referenzen auf Anfrage.",
            "Kostenloses Angebot innerhalb eines Tages.",
            "Termine unter der Woche und am Wochenende.",
            "Eigenes Werkzeug und Transporter.",
        ),
        "rooms": (
            "Möbliertes Zimmer in ruhiger WG, Nebenkosten inklusive.",
            "Fünf Minuten zu Fuß zur Haltestelle.",
            "Frei ab nächstem Monat, Mindestmietdauer sechs Monate.",
            "Nichtraucher bevorzugt.",
        ),
    },
    "ro": {
        "companionship": (
            "Companie politicoasă pentru cine, concerte și evenimente de afaceri.",
            "Discretă și punctuală, programări din timp.",
            "Conversație plăcută și ținută elegantă.",
            "Întâlniri doar în hoteluri și restaurante.",
        ),
        "massage": (
            "Masaj clasic de relaxare într-un salon curat și liniștit.",
            "Programări de luni până sâmbătă.",
            "Pietre calde și uleiuri aromatice la cerere.",
            "Terapeut autorizat cu zece ani de practică.",
        ),
        "services": (
            "Serios și asigurat, referințe la cerere.",
            "Ofertă gratuită în aceeași zi.",
            "Programări în timpul săptămânii și în weekend.",
            "Scule și dubă proprie.",
        ),
        "rooms": (
            "Cameră mobilată într-un apartament liniștit, utilități incluse.",
            "La cinci minute de transportul public.",
            "Disponibilă de luna viitoare, minim șase luni.",
            "Preferăm nefumători.",
        ),
    },
    "uk": {
        "companionship": (
            "Ввічлива компанія для вечері, концертів і ділових заходів.",
            "Делікатно і пунктуально, запис заздалегідь.",
            "Приємна розмова та охайний дрес-код.",
            "Зустрічі лише в готелях і ресторанах.",
        ),
        "massage": (
            "Класичний розслаблюючий масаж у чистому тихому кабінеті.",
            "Запис з понеділка по суботу.",
            "Гаряче каміння та ароматичні олії.",
            "Сертифікований масажист, десять років практики.",
        ),
        "services": (
            "Надійно, є страховка, рекомендації на запит.",
            "Безкоштовний розрахунок вартості протягом дня.",
            "Будні та вихідні дні.",
            "Власні інструменти та бус.",
        ),
        "rooms": (
            "Мебльована кімната в тихій квартирі, комунальні включено.",
            "П'ять хвилин пішки до транспорту.",
            "Вільна з наступного місяця, мінімум шість місяців.",
            "Бажано без куріння.",
        ),
    },
    "ru": {
        "companionship": (
            "Вежливая компания для ужина, концертов и деловых встреч.",
            "Деликатно и пунктуально, запись заранее.",
            "Приятная беседа и аккуратный дресс-код.",
            "Встречи только в отелях и ресторанах.",
        ),
        "massage": (
            "Классический расслабляющий массаж в чистом тихом кабинете.",
            "Запись с понедельника по субботу.",
            "Горячие камни и ароматические масла.",
            "Сертифицированный массажист, десять лет практики.",
        ),
        "services": (
            "Надёжно, есть страховка, рекомендации по запросу.",
            "Бесплатный расчёт стоимости в течение дня.",
            "Будни и выходные.",
            "Свой инструмент и фургон.",
        ),
        "rooms": (
            "Меблированная комната в тихой квартире, коммунальные включены.",
            "Пять минут пешком до транспорта.",
            "Свободна со следующего месяца, минимум шесть месяцев.",
            "Желательно некурящие.",
        ),
    },
    "es": {
        "companionship": (
            "Acompañante educada para cenas, conciertos y eventos de empresa.",
            "Discreta y puntual, citas con antelación.",
            "Buena conversación y vestimenta elegante.",
            "Encuentros solo en hoteles y restaurantes.",
        ),
        "massage": (
            "Masaje clásico relajante en un centro limpio y tranquilo.",
            "Citas de lunes a sábado.",
            "Piedras calientes y aceites de aromaterapia.",
            "Terapeuta titulada con diez años de experiencia.",
        ),
        "services": (
            "Serio y asegurado, referencias a petición.",
            "Presupuesto gratis en un día.",
            "Citas entre semana y fines de semana.",
            "Herramientas y furgoneta propias.",
        ),
        "rooms": (
            "Habitación amueblada en piso compartido tranquilo, gastos incluidos.",
            "A cinco minutos a pie del transporte público.",
            "Disponible desde el mes que viene, estancia mínima seis meses.",
            "Preferiblemente no fumadores.",
        ),
    },
}

# Sexual-exploitation indicator phrases (clinical; the phrase and nothing more).
AD_INDICATORS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "movement": ("New in town, only a few days.", "Just arrived in {city}, on tour this week."),
        "third_party_control": (
            "My girls are available, booking through our agency.",
            "We have several ladies, the manager answers all calls.",
        ),
        "youth_emphasis": ("Young and fresh, new girl.", "Just 18, no experience."),
        "nationality_emphasis": ("Exotic girl from {origin}.", "Real beauty from {origin}."),
        "restricted_communication": (
            "She does not speak English, contact only through the manager.",
            "No English, text my friend to book.",
        ),
        "constant_availability": ("Available 24/7.", "Open day and night, lives on site."),
        "no_limits": ("No limits, all requests accepted.", "Everything allowed, no restrictions."),
        "sale_of_person": (
            "Woman for sale, permanent arrangement possible.",
            "Girl available to buy, price negotiable.",
        ),
    },
    "nl": {
        "movement": (
            "Nieuw in de stad, maar een paar dagen.",
            "Net aangekomen in {city}, op tour deze week.",
        ),
        "third_party_control": (
            "Mijn meisjes zijn beschikbaar, boeken via ons bureau.",
            "Wij hebben meerdere dames, de manager neemt op.",
        ),
        "youth_emphasis": ("Jong en fris, nieuw meisje.", "Net 18, geen ervaring."),
        "nationality_emphasis": ("Exotisch meisje uit {origin}.", "Echte schoonheid uit {origin}."),
        "restricted_communication": (
            "Ze spreekt geen Nederlands, contact alleen via de manager.",
            "Geen Nederlands, stuur een bericht naar mijn vriend.",
        ),
        "constant_availability": ("24/7 beschikbaar.", "Dag en nacht open, woont op locatie."),
        "no_limits": ("Geen grenzen, alle wensen mogelijk.", "Alles mag, zonder beperkingen."),
        "sale_of_person": (
            "Vrouw te koop, permanente afspraak mogelijk.",
            "Meisje te koop, prijs bespreekbaar.",
        ),
    },
    "de": {
        "movement": (
            "Neu in der Stadt, nur wenige Tage.",
            "Gerade angekommen in {city}, diese Woche auf Tour.",
        ),
        "third_party_control": (
            "Meine Mädchen sind verfügbar, Buchung über unsere Agentur.",
            "Wir haben mehrere Damen, der Manager nimmt die Anrufe an.",
        ),
        "youth_emphasis": ("Jung und frisch, neues Mädchen.", "Gerade 18, ohne Erfahrung."),
        "nationality_emphasis": (
            "Exotisches Mädchen aus {origin}.",
            "Echte Schönheit aus {origin}.",
        ),
        "restricted_communication": (
            "Sie spricht kein Deutsch, Kontakt nur über den Manager.",
            "Kein Deutsch, schreib meiner Freundin zum Buchen.",
        ),
        "constant_availability": (
            "Rund um die Uhr 24/7 erreichbar.",
            "Tag und Nacht geöffnet, wohnt vor Ort.",
        ),
        "no_limits": ("Ohne Tabus, alle Wünsche möglich.", "Alles erlaubt, keine Einschränkungen."),
        "sale_of_person": (
            "Frau zu verkaufen, dauerhafte Vereinbarung möglich.",
            "Mädchen zu kaufen, Preis verhandelbar.",
        ),
    },
    "ro": {
        "movement": (
            "Nouă în oraș, doar câteva zile.",
            "Tocmai am sosit în {city}, în turneu săptămâna aceasta.",
        ),
        "third_party_control": (
            "Fetele mele sunt disponibile, rezervări prin agenția noastră.",
            "Avem mai multe doamne, managerul răspunde la telefon.",
        ),
        "youth_emphasis": (
            "Tânără și proaspătă, fată nouă.",
            "Abia am împlinit 18 ani, fără experiență.",
        ),
        "nationality_emphasis": ("Fată exotică din {origin}.", "Frumusețe adevărată din {origin}."),
        "restricted_communication": (
            "Nu vorbește română, contact doar prin manager.",
            "Nu vorbesc română, scrieți prietenei mele.",
        ),
        "constant_availability": (
            "Disponibilă non-stop 24/7.",
            "Deschis zi și noapte, locuiește la locație.",
        ),
        "no_limits": ("Fără limite, toate cererile acceptate.", "Totul permis, fără restricții."),
        "sale_of_person": (
            "Femeie de vânzare, aranjament permanent posibil.",
            "Fată de vânzare, preț negociabil.",
        ),
    },
    "uk": {
        "movement": ("Нова в місті, лише кілька днів.", "Щойно приїхала, у турі цього тижня."),
        "third_party_control": (
            "Мої дівчата доступні, бронювання через наше агентство.",
            "У нас кілька дівчат, на дзвінки відповідає менеджер.",
        ),
        "youth_emphasis": ("Молода і свіжа, нова дівчина.", "Щойно виповнилося 18, без досвіду."),
        "nationality_emphasis": ("Екзотична дівчина з {origin}.", "Справжня красуня з {origin}."),
        "restricted_communication": (
            "Не розмовляє українською, зв'язок тільки через менеджера.",
            "Українською не говорить, пишіть моїй подрузі.",
        ),
        "constant_availability": ("Доступна 24/7.", "Працює цілодобово, живе на місці."),
        "no_limits": ("Без обмежень, усі побажання.", "Все дозволено, без заборон."),
        "sale_of_person": (
            "Жінка на продаж, можлива постійна домовленість.",
            "Дівчина на продаж, ціна договірна.",
        ),
    },
    "ru": {
        "movement": (
            "Новенькая в городе, только несколько дней.",
            "Только приехала, на гастролях эту неделю.",
        ),
        "third_party_control": (
            "Мои девочки доступны, бронирование через наше агентство.",
            "У нас несколько девушек, на звонки отвечает менеджер.",
        ),
        "youth_emphasis": ("Молодая и свежая, новая девушка.", "Только исполнилось 18, без опыта."),
        "nationality_emphasis": (
            "Экзотическая девушка из {origin}.",
            "Настоящая красавица из {origin}.",
        ),
        "restricted_communication": (
            "Не говорит по-русски, связь только через менеджера.",
            "По-русски не говорит, пишите подруге.",
        ),
        "constant_availability": ("Доступна 24/7.", "Работает круглосуточно, живёт на месте."),
        "no_limits": ("Без ограничений, любые пожелания.", "Всё разрешено, без запретов."),
        "sale_of_person": (
            "Женщина на продажу, возможна постоянная договорённость.",
            "Девушка продаётся, цена договорная.",
        ),
    },
    "es": {
        "movement": (
            "Nueva en la ciudad, solo unos días.",
            "Recién llegada a {city}, de gira esta semana.",
        ),
        "third_party_control": (
            "Mis chicas están disponibles, reservas a través de nuestra agencia.",
            "Tenemos varias señoritas, el encargado contesta las llamadas.",
        ),
        "youth_emphasis": (
            "Joven y fresca, chica nueva.",
            "Recién cumplidos los 18, sin experiencia.",
        ),
        "nationality_emphasis": ("Chica exótica de {origin}.", "Auténtica belleza de {origin}."),
        "restricted_communication": (
            "No habla español, contacto solo a través del encargado.",
            "No hablo español, escribe a mi amiga.",
        ),
        "constant_availability": ("Disponible 24/7.", "Abierto día y noche, vive en el lugar."),
        "no_limits": (
            "Sin límites, todas las peticiones aceptadas.",
            "Todo permitido, sin restricciones.",
        ),
        "sale_of_person": (
            "Mujer en venta, arreglo permanente posible.",
            "Chica en venta, precio negociable.",
        ),
    },
}
# Indicators that alone are weak and common in ordinary ads (published studies).
WEAK_AD_INDICATORS = ("movement", "youth_emphasis", "nationality_emphasis", "constant_availability")

# --- job board -------------------------------------------------------------------------

JOB_NAMES = {
    "en": (
        "warehouse operative",
        "fruit picker",
        "cleaner",
        "care assistant",
        "construction worker",
        "kitchen assistant",
        "delivery driver",
        "office assistant",
    ),
    "nl": (
        "magazijnmedewerker",
        "fruitplukker",
        "schoonmaker",
        "zorgassistent",
        "bouwvakker",
        "keukenhulp",
        "bezorger",
        "administratief medewerker",
    ),
    "de": (
        "Lagerhelfer",
        "Erntehelfer",
        "Reinigungskraft",
        "Pflegehelfer",
        "Bauarbeiter",
        "Küchenhilfe",
        "Auslieferungsfahrer",
        "Bürokraft",
    ),
    "ro": (
        "lucrător depozit",
        "culegător de fructe",
        "personal curățenie",
        "asistent îngrijire",
        "muncitor construcții",
        "ajutor bucătar",
        "șofer livrări",
        "asistent birou",
    ),
    "uk": (
        "працівник складу",
        "збирач фруктів",
        "прибиральник",
        "доглядальниця",
        "будівельник",
        "помічник кухаря",
        "водій-кур'єр",
        "офісний помічник",
    ),
    "ru": (
        "работник склада",
        "сборщик фруктов",
        "уборщик",
        "сиделка",
        "строитель",
        "помощник повара",
        "водитель-курьер",
        "офисный помощник",
    ),
    "es": (
        "mozo de almacén",
        "recolector de fruta",
        "limpiador",
        "auxiliar de cuidados",
        "peón de construcción",
        "ayudante de cocina",
        "repartidor",
        "auxiliar administrativo",
    ),
}
JOB_SECTORS = (
    "logistics",
    "agriculture",
    "cleaning",
    "care",
    "construction",
    "hospitality",
    "transport",
    "office",
)

JOB_TITLES = {
    "en": ("{Job} in {city}", "{Job} wanted, {city}"),
    "nl": ("{Job} gezocht in {city}", "Vacature: {job}, {city}"),
    "de": ("{Job} gesucht in {city}", "Stellenangebot: {Job}, {city}"),
    "ro": ("Angajăm {job} în {city}", "Ofertă de muncă: {job}, {city}"),
    "uk": ("Потрібен {job}, {city}", "Вакансія: {job}, {city}"),
    "ru": ("Требуется {job}, {city}", "Вакансия: {job}, {city}"),
    "es": ("Se busca {job} en {city}", "Oferta de empleo: {job}, {city}"),
}
JOB_ABROAD_TITLES = {
    "en": "{Job} for work in {dest}",
    "nl": "{Job} voor werk in {dest}",
    "de": "{Job} für Arbeit in {dest}",
    "ro": "{Job} pentru muncă în {dest}",
    "uk": "Робота за кордоном: {job}, {dest}",
    "ru": "Работа за границей: {job}, {dest}",
    "es": "{Job} para trabajar en {dest}",
}
JOB_SENTENCES = {
    "en": (
        "Daily tasks as {job} in a friendly team.",
        "Full-time contract, 40 hours a week.",
        "Experience preferred, training provided.",
        "Send your CV by e-mail.",
        "Start date by agreement.",
    ),
    "nl": (
        "Dagelijkse taken als {job} in een prettig team.",
        "Fulltime contract, 40 uur per week.",
        "Ervaring is een pré, training wordt gegeven.",
        "Stuur je cv per e-mail.",
        "Startdatum in overleg.",
    ),
    "de": (
        "Tägliche Aufgaben als {job} in einem netten Team.",
        "Vollzeitvertrag, 40 Stunden pro Woche.",
        "Erfahrung von Vorteil, Einarbeitung wird geboten.",
        "Lebenslauf bitte per E-Mail senden.",
        "Beginn nach Vereinbarung.",
    ),
    "ro": (
        "Sarcini zilnice ca {job} într-o echipă prietenoasă.",
        "Contract cu normă întreagă, 40 de ore pe săptămână.",
        "Experiența este un avantaj, oferim instruire.",
        "Trimiteți CV-ul pe e-mail.",
        "Data de începere se stabilește de comun acord.",
    ),
    "uk": (
        "Щоденні обов'язки: {job} у дружній команді.",
        "Повна зайнятість, 40 годин на тиждень.",
        "Досвід бажаний, навчання на місці.",
        "Надсилайте резюме на e-mail.",
        "Дата початку за домовленістю.",
    ),
    "ru": (
        "Ежедневные обязанности: {job} в дружной команде.",
        "Полная занятость, 40 часов в неделю.",
        "Опыт желателен, обучение на месте.",
        "Резюме присылайте на e-mail.",
        "Дата начала по договорённости.",
    ),
    "es": (
        "Tareas diarias como {job} en un equipo agradable.",
        "Contrato a jornada completa, 40 horas semanales.",
        "Se valora experiencia, se ofrece formación.",
        "Envía tu CV por correo electrónico.",
        "Fecha de inicio a convenir.",
    ),
}
JOB_INDICATORS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "recruitment_fee": (
            "A registration fee is paid in advance.",
            "Visa and travel costs are deducted from the first salary.",
        ),
        "employer_housing": (
            "Accommodation provided by the employer.",
            "Housing and transport to work arranged by us.",
        ),
        "document_retention": (
            "Your passport is kept by the employer during the contract.",
            "Hand over your ID documents on arrival.",
        ),
        "unrealistic_offer": (
            "High pay, no experience and no language needed, departure this week.",
            "Earn big money fast, no qualifications required, urgent start.",
        ),
        "travel_arranged_abroad": (
            "We arrange your travel, visa and work permit for {dest}.",
            "Tickets and work permit for {dest} organised by the agency.",
        ),
        "debt_bondage": (
            "The travel advance is repaid from your wages.",
            "We lend you the money for the trip, you pay it back through work.",
        ),
    },
    "nl": {
        "recruitment_fee": (
            "Vooraf betaal je inschrijfkosten.",
            "Visum- en reiskosten worden ingehouden op het eerste loon.",
        ),
        "employer_housing": (
            "Huisvesting wordt door de werkgever geregeld.",
            "Woning en vervoer naar het werk door ons geregeld.",
        ),
        "document_retention": (
            "Je paspoort wordt tijdens het contract door de werkgever bewaard.",
            "Lever je identiteitsbewijs in bij aankomst.",
        ),
        "unrealistic_offer": (
            "Hoog loon, geen ervaring en geen taal nodig, vertrek deze week.",
            "Snel veel geld verdienen, geen diploma nodig, direct starten.",
        ),
        "travel_arranged_abroad": (
            "Wij regelen reis, visum en werkvergunning voor {dest}.",
            "Tickets en werkvergunning voor {dest} geregeld door het bureau.",
        ),
        "debt_bondage": (
            "Het reisvoorschot wordt terugbetaald via je loon.",
            "Wij lenen je het geld voor de reis, je betaalt het terug door te werken.",
        ),
    },
    "de": {
        "recruitment_fee": (
            "Eine Vermittlungsgebühr ist im Voraus zu zahlen.",
            "Visa- und Reisekosten werden vom ersten Lohn abgezogen.",
        ),
        "employer_housing": (
            "Unterkunft wird vom Arbeitgeber gestellt.",
            "Wohnung und Fahrt zur Arbeit organisieren wir.",
        ),
        "document_retention": (
            "Ihr Reisepass wird während des Vertrags vom Arbeitgeber aufbewahrt.",
            "Ausweisdokumente bei Ankunft abgeben.",
        ),
        "unrealistic_offer": (
            "Hoher Lohn, keine Erfahrung und keine Sprachkenntnisse nötig, Abreise diese Woche.",
            "Schnell viel Geld verdienen, keine Qualifikation nötig, sofortiger Start.",
        ),
        "travel_arranged_abroad": (
            "Wir organisieren Reise, Visum und Arbeitserlaubnis für {dest}.",
            "Tickets und Arbeitserlaubnis für {dest} besorgt die Agentur.",
        ),
        "debt_bondage": (
            "Der Reisevorschuss wird vom Lohn zurückgezahlt.",
            "Wir leihen Ihnen das Geld für die Reise, Sie zahlen es durch Arbeit zurück.",
        ),
    },
    "ro": {
        "recruitment_fee": (
            "Se plătește în avans o taxă de înscriere.",
            "Costurile de viză și transport se rețin din primul salariu.",
        ),
        "employer_housing": (
            "Cazare asigurată de angajator.",
            "Locuința și transportul la muncă sunt asigurate de noi.",
        ),
        "document_retention": (
            "Pașaportul este păstrat de angajator pe durata contractului.",
            "Predați actele de identitate la sosire.",
        ),
        "unrealistic_offer": (
            "Salariu mare, fără experiență și fără limbă străină, plecare săptămâna aceasta.",
            "Câștigi bani mulți repede, fără calificare, începere urgentă.",
        ),
        "travel_arranged_abroad": (
            "Ne ocupăm de transport, viză și permis de muncă pentru {dest}.",
            "Biletele și permisul de muncă pentru {dest} sunt organizate de agenție.",
        ),
        "debt_bondage": (
            "Avansul pentru drum se returnează din salariu.",
            "Vă împrumutăm banii pentru drum, îi returnați prin muncă.",
        ),
    },
    "uk": {
        "recruitment_fee": (
            "Реєстраційний внесок сплачується наперед.",
            "Витрати на візу та дорогу утримуються з першої зарплати.",
        ),
        "employer_housing": (
            "Житло надає роботодавець.",
            "Проживання та доїзд до роботи забезпечуємо ми.",
        ),
        "document_retention": (
            "Паспорт зберігається у роботодавця на час контракту.",
            "Документи здаються по приїзді.",
        ),
        "unrealistic_offer": (
            "Висока оплата, без досвіду і без знання мови, виїзд цього тижня.",
            "Швидкий великий заробіток, кваліфікація не потрібна, терміново.",
        ),
        "travel_arranged_abroad": (
            "Оформлюємо дорогу, візу та дозвіл на роботу, країна: {dest}.",
            "Квитки та дозвіл на роботу ({dest}) організовує агенція.",
        ),
        "debt_bondage": (
            "Аванс на дорогу відпрацьовується із зарплати.",
            "Позичимо гроші на дорогу, повернете роботою.",
        ),
    },
    "ru": {
        "recruitment_fee": (
            "Регистрационный взнос оплачивается заранее.",
            "Расходы на визу и дорогу удерживаются из первой зарплаты.",
        ),
        "employer_housing": (
            "Жильё предоставляет работодатель.",
            "Проживание и дорога до работы за наш счёт.",
        ),
        "document_retention": (
            "Паспорт хранится у работодателя на время контракта.",
            "Документы сдаются по приезде.",
        ),
        "unrealistic_offer": (
            "Высокая оплата, без опыта и без знания языка, выезд на этой неделе.",
            "Быстрый большой заработок, квалификация не нужна, срочно.",
        ),
        "travel_arranged_abroad": (
            "Оформляем дорогу, визу и разрешение на работу, страна: {dest}.",
            "Билеты и разрешение на работу ({dest}) организует агентство.",
        ),
        "debt_bondage": (
            "Аванс на дорогу отрабатывается из зарплаты.",
            "Одолжим деньги на дорогу, вернёте работой.",
        ),
    },
    "es": {
        "recruitment_fee": (
            "Se paga por adelantado una cuota de inscripción.",
            "Los gastos de visado y viaje se descuentan del primer salario.",
        ),
        "employer_housing": (
            "Alojamiento proporcionado por la empresa.",
            "Vivienda y transporte al trabajo a cargo nuestro.",
        ),
        "document_retention": (
            "El empleador guarda tu pasaporte durante el contrato.",
            "Entrega tus documentos de identidad a la llegada.",
        ),
        "unrealistic_offer": (
            "Sueldo alto, sin experiencia y sin idioma, salida esta semana.",
            "Gana mucho dinero rápido, sin titulación, incorporación urgente.",
        ),
        "travel_arranged_abroad": (
            "Tramitamos viaje, visado y permiso de trabajo para {dest}.",
            "Billetes y permiso de trabajo para {dest} gestionados por la agencia.",
        ),
        "debt_bondage": (
            "El anticipo del viaje se devuelve con tu salario.",
            "Te prestamos el dinero del viaje y lo devuelves trabajando.",
        ),
    },
}
WEAK_JOB_INDICATORS = ("employer_housing", "travel_arranged_abroad")

# --- forum -------------------------------------------------------------------------------

FORUM_BOARDS = ("courses", "agencies", "jobs-abroad", "help", "market")
FORUM_BOARD_WEIGHTS = (30, 25, 15, 10, 20)

FORUM_TOPICS = {
    "en": ("Excel", "photo editing", "web design", "bookkeeping", "social media marketing"),
    "nl": ("Excel", "fotobewerking", "webdesign", "boekhouding", "socialemediamarketing"),
    "de": ("Excel", "Bildbearbeitung", "Webdesign", "Buchhaltung", "Social-Media-Marketing"),
    "ro": ("Excel", "editare foto", "web design", "contabilitate", "marketing pe rețele sociale"),
    "uk": ("Excel", "обробка фото", "веб-дизайн", "бухгалтерія", "SMM"),
    "ru": ("Excel", "обработка фото", "веб-дизайн", "бухгалтерия", "SMM"),
    "es": (
        "Excel",
        "edición de fotos",
        "diseño web",
        "contabilidad",
        "marketing en redes sociales",
    ),
}
FORUM_TITLES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "courses": ("Course: {topic} for beginners", "{topic} course, new group"),
        "agencies": ("Agency services for newcomers", "Our agency is hiring"),
        "jobs-abroad": ("Jobs abroad: {dest}", "Work in {dest}, team wanted"),
        "help": ("Help with housing", "Support for newcomers"),
        "market": ("Selling a used laptop", "Selling course materials"),
    },
    "nl": {
        "courses": ("Cursus: {topic} voor beginners", "Cursus {topic}, nieuwe groep"),
        "agencies": ("Bureaudiensten voor nieuwkomers", "Ons bureau zoekt mensen"),
        "jobs-abroad": ("Werk in het buitenland: {dest}", "Werk in {dest}, team gezocht"),
        "help": ("Hulp bij huisvesting", "Steun voor nieuwkomers"),
        "market": ("Gebruikte laptop te koop", "Cursusmateriaal te koop"),
    },
    "de": {
        "courses": ("Kurs: {topic} für Anfänger", "{topic}-Kurs, neue Gruppe"),
        "agencies": ("Agenturservice für Neuankömmlinge", "Unsere Agentur stellt ein"),
        "jobs-abroad": ("Jobs im Ausland: {dest}", "Arbeit in {dest}, Team gesucht"),
        "help": ("Hilfe bei der Wohnungssuche", "Unterstützung für Neuankömmlinge"),
        "market": ("Gebrauchter Laptop zu verkaufen", "Kursunterlagen zu verkaufen"),
    },
    "ro": {
        "courses": ("Curs: {topic} pentru începători", "Curs de {topic}, grupă nouă"),
        "agencies": ("Servicii de agenție pentru nou-veniți", "Agenția noastră angajează"),
        "jobs-abroad": ("Joburi în străinătate: {dest}", "Muncă în {dest}, căutăm echipă"),
        "help": ("Ajutor pentru locuință", "Sprijin pentru nou-veniți"),
        "market": ("Vând laptop folosit", "Vând materiale de curs"),
    },
    "uk": {
        "courses": ("Курс: {topic} для початківців", "Курс {topic}, новий набір"),
        "agencies": ("Послуги агенції для новоприбулих", "Наша агенція шукає людей"),
        "jobs-abroad": ("Робота за кордоном: {dest}", "Робота, {dest}: шукаємо команду"),
        "help": ("Допомога з житлом", "Підтримка для новоприбулих"),
        "market": ("Продам вживаний ноутбук", "Продам матеріали курсу"),
    },
    "ru": {
        "courses": ("Курс: {topic} для начинающих", "Курс {topic}, новый набор"),
        "agencies": ("Услуги агентства для приезжих", "Наше агентство ищет людей"),
        "jobs-abroad": ("Работа за границей: {dest}", "Работа, {dest}: ищем команду"),
        "help": ("Помощь с жильём", "Поддержка для приезжих"),
        "market": ("Продам б/у ноутбук", "Продам материалы курса"),
    },
    "es": {
        "courses": ("Curso: {topic} para principiantes", "Curso de {topic}, nuevo grupo"),
        "agencies": ("Servicios de agencia para recién llegados", "Nuestra agencia contrata"),
        "jobs-abroad": ("Trabajo en el extranjero: {dest}", "Trabajo en {dest}, buscamos equipo"),
        "help": ("Ayuda con la vivienda", "Apoyo para recién llegados"),
        "market": ("Vendo portátil usado", "Vendo material del curso"),
    },
}
FORUM_SENTENCES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "courses": (
            "Eight online lessons with homework and a certificate.",
            "Small groups, questions welcome.",
        ),
        "agencies": (
            "We help with forms, appointments and translations.",
            "Office hours Monday to Friday.",
        ),
        "jobs-abroad": (
            "Seasonal work with a registered employer.",
            "Contract in writing before departure.",
        ),
        "help": ("Ask here about rooms and rental contracts.", "Volunteers answer within a day."),
        "market": ("Works well, battery holds four hours.", "Pick-up or shipping possible."),
    },
    "nl": {
        "courses": (
            "Acht online lessen met huiswerk en certificaat.",
            "Kleine groepen, vragen welkom.",
        ),
        "agencies": (
            "Wij helpen met formulieren, afspraken en vertalingen.",
            "Spreekuur van maandag tot vrijdag.",
        ),
        "jobs-abroad": (
            "Seizoenswerk bij een geregistreerde werkgever.",
            "Schriftelijk contract voor vertrek.",
        ),
        "help": (
            "Vraag hier naar kamers en huurcontracten.",
            "Vrijwilligers antwoorden binnen een dag.",
        ),
        "market": ("Werkt goed, batterij houdt vier uur.", "Ophalen of verzenden mogelijk."),
    },
    "de": {
        "courses": (
            "Acht Online-Lektionen mit Hausaufgaben und Zertifikat.",
            "Kleine Gruppen, Fragen willkommen.",
        ),
        "agencies": (
            "Wir helfen bei Formularen, Terminen und Übersetzungen.",
            "Sprechzeiten Montag bis Freitag.",
        ),
        "jobs-abroad": (
            "Saisonarbeit bei einem eingetragenen Arbeitgeber.",
            "Schriftlicher Vertrag vor der Abreise.",
        ),
        "help": (
            "Fragen zu Zimmern und Mietverträgen hier.",
            "Ehrenamtliche antworten innerhalb eines Tages.",
        ),
        "market": ("Funktioniert gut, Akku hält vier Stunden.", "Abholung oder Versand möglich."),
    },
    "ro": {
        "courses": (
            "Opt lecții online cu teme și certificat.",
            "Grupe mici, întrebările sunt binevenite.",
        ),
        "agencies": (
            "Ajutăm cu formulare, programări și traduceri.",
            "Program de luni până vineri.",
        ),
        "jobs-abroad": (
            "Muncă sezonieră la un angajator înregistrat.",
            "Contract scris înainte de plecare.",
        ),
        "help": (
            "Întrebați aici despre camere și contracte de închiriere.",
            "Voluntarii răspund într-o zi.",
        ),
        "market": ("Funcționează bine, bateria ține patru ore.", "Ridicare personală sau livrare."),
    },
    "uk": {
        "courses": (
            "Вісім онлайн-уроків із домашніми завданнями та сертифікатом.",
            "Невеликі групи, питання вітаються.",
        ),
        "agencies": (
            "Допомагаємо з формами, записами та перекладами.",
            "Прийом з понеділка по п'ятницю.",
        ),
        "jobs-abroad": ("Сезонна робота в офіційного роботодавця.", "Письмовий договір до виїзду."),
        "help": (
            "Питайте тут про кімнати та договори оренди.",
            "Волонтери відповідають протягом дня.",
        ),
        "market": ("Працює добре, батарея тримає чотири години.", "Самовивіз або доставка."),
    },
    "ru": {
        "courses": (
            "Восемь онлайн-уроков с домашними заданиями и сертификатом.",
            "Небольшие группы, вопросы приветствуются.",
        ),
        "agencies": (
            "Помогаем с формами, записями и переводами.",
            "Приём с понедельника по пятницу.",
        ),
        "jobs-abroad": (
            "Сезонная работа у официального работодателя.",
            "Письменный договор до выезда.",
        ),
        "help": (
            "Спрашивайте здесь о комнатах и договорах аренды.",
            "Волонтёры отвечают в течение дня.",
        ),
        "market": ("Работает хорошо, батарея держит четыре часа.", "Самовывоз или доставка."),
    },
    "es": {
        "courses": (
            "Ocho clases online con deberes y certificado.",
            "Grupos pequeños, se aceptan preguntas.",
        ),
        "agencies": (
            "Ayudamos con formularios, citas y traducciones.",
            "Horario de lunes a viernes.",
        ),
        "jobs-abroad": (
            "Trabajo de temporada con un empleador registrado.",
            "Contrato por escrito antes de la salida.",
        ),
        "help": (
            "Pregunta aquí por habitaciones y contratos de alquiler.",
            "Los voluntarios responden en un día.",
        ),
        "market": ("Funciona bien, la batería dura cuatro horas.", "Recogida o envío posible."),
    },
}
FORUM_INDICATORS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "e_pimping": (
            "OnlyFans manager course: learn to run models' accounts and keep 50% of her earnings.",
            "Agency hiring chatters to answer fans, we manage the girls' pages.",
        ),
        "lure_job_abroad": (
            "Hostess jobs in {dest}, easy money, no experience needed.",
            "Models and dancers wanted for clubs in {dest}, earn fast.",
        ),
        "refugee_targeting": (
            "Free housing and work for women fleeing the war.",
            "Help for refugees: accommodation and a job offered, write privately.",
        ),
        "crypto_only_payment": (
            "Payment only in crypto (BTC or USDT).",
            "We accept only Bitcoin, no bank transfers.",
        ),
    },
    "nl": {
        "e_pimping": (
            "Cursus OnlyFans-manager: leer accounts van modellen beheren en houd 50% van haar inkomsten.",
            "Bureau zoekt chatters om fans te beantwoorden, wij beheren de pagina's van de meisjes.",
        ),
        "lure_job_abroad": (
            "Hostess-werk in {dest}, makkelijk geld, geen ervaring nodig.",
            "Modellen en danseressen gezocht voor clubs in {dest}, snel verdienen.",
        ),
        "refugee_targeting": (
            "Gratis huisvesting en werk voor vrouwen die de oorlog ontvluchten.",
            "Hulp voor vluchtelingen: onderdak en een baan aangeboden, stuur een privébericht.",
        ),
        "crypto_only_payment": (
            "Betaling alleen in crypto (BTC of USDT).",
            "Wij accepteren alleen Bitcoin, geen bankoverschrijving.",
        ),
    },
    "de": {
        "e_pimping": (
            "OnlyFans-Manager-Kurs: Lerne, Konten von Models zu führen und 50 % ihrer Einnahmen zu behalten.",
            "Agentur sucht Chatter, die Fans antworten, wir verwalten die Seiten der Mädchen.",
        ),
        "lure_job_abroad": (
            "Hostessen-Jobs in {dest}, leichtes Geld, keine Erfahrung nötig.",
            "Models und Tänzerinnen für Clubs in {dest} gesucht, schnell verdienen.",
        ),
        "refugee_targeting": (
            "Kostenlose Unterkunft und Arbeit für Frauen auf der Flucht vor dem Krieg.",
            "Hilfe für Geflüchtete: Unterkunft und Job angeboten, schreib privat.",
        ),
        "crypto_only_payment": (
            "Zahlung nur in Krypto (BTC oder USDT).",
            "Wir akzeptieren nur Bitcoin, keine Banküberweisung.",
        ),
    },
    "ro": {
        "e_pimping": (
            "Curs de manager OnlyFans: înveți să administrezi conturile modelelor și păstrezi 50% din câștigurile ei.",
            "Agenție angajează chatteri pentru fani, noi administrăm paginile fetelor.",
        ),
        "lure_job_abroad": (
            "Joburi de hostess în {dest}, bani ușori, fără experiență.",
            "Căutăm modele și dansatoare pentru cluburi în {dest}, câștig rapid.",
        ),
        "refugee_targeting": (
            "Cazare gratuită și loc de muncă pentru femeile care fug de război.",
            "Ajutor pentru refugiați: cazare și un loc de muncă, scrieți în privat.",
        ),
        "crypto_only_payment": (
            "Plata doar în crypto (BTC sau USDT).",
            "Acceptăm doar Bitcoin, fără transfer bancar.",
        ),
    },
    "uk": {
        "e_pimping": (
            "Курс менеджера OnlyFans: навчимо вести акаунти моделей і залишати собі 50% її заробітку.",
            "Агенція шукає чатерів для спілкування з фанатами, ми ведемо сторінки дівчат.",
        ),
        "lure_job_abroad": (
            "Робота хостес за кордоном ({dest}), легкі гроші, досвід не потрібен.",
            "Шукаємо моделей і танцівниць для клубів, {dest}, швидкий заробіток.",
        ),
        "refugee_targeting": (
            "Безкоштовне житло і робота для жінок, які тікають від війни.",
            "Допомога біженцям: житло та робота, пишіть в особисті.",
        ),
        "crypto_only_payment": (
            "Оплата тільки криптовалютою (BTC або USDT).",
            "Приймаємо лише Bitcoin, без банківських переказів.",
        ),
    },
    "ru": {
        "e_pimping": (
            "Курс менеджера OnlyFans: научим вести аккаунты моделей и оставлять себе 50% её заработка.",
            "Агентство ищет чаттеров для общения с фанатами, мы ведём страницы девушек.",
        ),
        "lure_job_abroad": (
            "Работа хостес за границей ({dest}), лёгкие деньги, опыт не нужен.",
            "Ищем моделей и танцовщиц для клубов, {dest}, быстрый заработок.",
        ),
        "refugee_targeting": (
            "Бесплатное жильё и работа для женщин, бегущих от войны.",
            "Помощь беженцам: жильё и работа, пишите в личку.",
        ),
        "crypto_only_payment": (
            "Оплата только криптовалютой (BTC или USDT).",
            "Принимаем только Bitcoin, без банковских переводов.",
        ),
    },
    "es": {
        "e_pimping": (
            "Curso de manager de OnlyFans: aprende a gestionar cuentas de modelos y quédate con el 50% de sus ganancias.",
            "Agencia busca chatters para responder a fans, gestionamos las páginas de las chicas.",
        ),
        "lure_job_abroad": (
            "Trabajo de azafata en {dest}, dinero fácil, sin experiencia.",
            "Se buscan modelos y bailarinas para clubes en {dest}, gana rápido.",
        ),
        "refugee_targeting": (
            "Alojamiento gratis y trabajo para mujeres que huyen de la guerra.",
            "Ayuda para refugiados: alojamiento y empleo, escribe en privado.",
        ),
        "crypto_only_payment": (
            "Pago solo en cripto (BTC o USDT).",
            "Solo aceptamos Bitcoin, sin transferencias bancarias.",
        ),
    },
}
# Which forum indicator fits which board.
FORUM_BOARD_INDICATORS = {
    "courses": ("e_pimping", "crypto_only_payment"),
    "agencies": ("e_pimping", "crypto_only_payment"),
    "jobs-abroad": ("lure_job_abroad", "crypto_only_payment"),
    "help": ("refugee_targeting", "lure_job_abroad"),
    "market": ("crypto_only_payment",),
}
WALLET_LINE = {
    "en": "Wallet: {w}",
    "nl": "Wallet: {w}",
    "de": "Wallet: {w}",
    "ro": "Portofel: {w}",
    "uk": "Гаманець: {w}",
    "ru": "Кошелёк: {w}",
    "es": "Monedero: {w}",
}

HANDLE_SERVICES = ("telegram", "telegram", "signal", "snapchat", "instagram", "kik", "wechat")
_HANDLE_LABEL = {
    "telegram": "Telegram: @{h}",
    "signal": "Signal: {h}",
    "snapchat": "Snapchat: @{h}",
    "instagram": "Instagram: @{h}",
    "kik": "Kik: @{h}",
    "wechat": "WeChat ID: {h}",
    "onlyfans": "OnlyFans: @{h}",
}
_SYLLABLES = ("mi", "ra", "lo", "ve", "ka", "na", "sa", "ti", "do", "le", "ne", "ro", "zu", "be")
_HANDLE_TAILS = ("lux", "vip", "city", "pro", "star", "desk", "info")

# The age field appears on companionship and massage ads (a profile field).
STATED_AGE_CATEGORIES = RISKY_AD_CATEGORIES


@dataclass
class Draft:
    """One listing's text in parts, and the truth about what it carries."""

    lang: str
    category: str
    city: str
    region: str  # ISO 3166 alpha-2 of the city (phone region)
    title: str
    lines: list[str]  # body sentences before the price line
    prices: list[Price]
    money_styles: list[int]  # per price: which MONEY_FORMATS variant writes it
    price_label: str
    contact_lines: list[str] = field(default_factory=list)
    indicators: set[str] = field(default_factory=set)
    phones: list[str] = field(default_factory=list)  # E.164, every phone in text or fields
    emails: list[str] = field(default_factory=list)
    handles: list[Handle] = field(default_factory=list)
    wallets: list[Wallet] = field(default_factory=list)
    seller: str | None = None
    stated_age: int | None = None
    field_phone: str | None = None  # shown in the detail page's phone field, not in the body
    extras: dict[str, object] = field(default_factory=dict)  # platform-specific parts (replies)

    def price_text(self, index: int = 0) -> str:
        return format_price(self.prices[index], self.lang, self.money_styles[index])

    def price_line(self) -> str:
        return f"{self.price_label} " + ", ".join(
            self.price_text(i) for i in range(len(self.prices))
        )

    def body(self) -> str:
        return "\n".join([*self.lines, self.price_line(), *self.contact_lines])

    @property
    def location(self) -> str:
        return f"{self.city}, {self.region}"


def format_money(amount: float, currency: str, style: int) -> str:
    formats = MONEY_FORMATS[currency]
    return formats[style % len(formats)].format(a=f"{amount:.0f}")


def format_price(price: Price, lang: str, style: int) -> str:
    money = format_money(price.amount, price.currency or "EUR", style)
    unit = UNIT_WORDS[lang].get(price.unit or "", "")
    return f"{money} {unit}".strip()


def round_amount(value: float) -> float:
    """A price as people write it: 2 significant digits, or 3 above 1000."""
    if value < 20:
        return float(max(1, round(value)))
    step = 5 if value < 200 else 10 if value < 1000 else 50 if value < 10000 else 500
    return float(max(step, round(value / step) * step))


def make_price(
    rng: random.Random, currency: str, unit: str, low_eur: float, high_eur: float
) -> Price:
    return Price(
        amount=round_amount(rng.uniform(low_eur, high_eur) * RATES[currency]),
        currency=currency,
        unit=unit,
    )


def change_price(rng: random.Random, price: Price) -> Price:
    """A visibly different amount (a bump up or a discount) in the same currency and unit."""
    factor = rng.choice((0.8, 0.85, 0.9, 1.1, 1.15, 1.2, 1.25))
    amount = round_amount(price.amount * factor)
    if amount == price.amount:
        amount = round_amount(price.amount * 1.5)
    return Price(amount=amount, currency=price.currency, unit=price.unit)


# --- contacts ------------------------------------------------------------------------------


@cache
def valid_mobiles(region: str) -> tuple[str, ...]:
    """Valid E.164 mobile numbers of `region`: the example number with its last digits varied."""
    example = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
    base = phonenumbers.format_number(example, PhoneNumberFormat.E164)
    # US 555-01xx is the fictional range: vary only two digits there.
    width = 2 if region == "US" else 3
    out = []
    for i in range(10**width):
        candidate = base[:-width] + f"{i:0{width}d}"
        if phonenumbers.is_valid_number(phonenumbers.parse(candidate)):
            out.append(candidate)
    return tuple(out)


# National formats are left out on purpose: the multi-country demo platforms give no region
# hint, so a national number would not decode to the planted E.164 number.
PHONE_STYLES = (
    "international",
    "international",
    "international",
    "e164",
    "dots",
    "pairs",
    "words",
    "lookalike",
)


def format_phone(e164: str, style: str, lang: str) -> str:
    """Write a number the way ads do; obfuscated styles still decode to the same number."""
    number = phonenumbers.parse(e164)
    intl = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    if style == "e164":
        return e164
    if style == "dots":
        digits = e164[1:]
        cc = str(number.country_code)
        rest = digits[len(cc) :]
        groups = [rest[i : i + 3] for i in range(0, len(rest), 3)]
        if len(groups) > 1 and len(groups[-1]) == 1:
            groups[-2:] = [groups[-2] + groups[-1]]
        return "+" + ".".join([cc, *groups])
    if style == "pairs":
        digits = e164[len(str(number.country_code)) + 1 :]
        pairs = [digits[i : i + 2] for i in range(0, len(digits), 2)]
        if len(pairs) > 1 and len(pairs[-1]) == 1:
            pairs[-2:] = [pairs[-2] + pairs[-1]]
        return f"+{number.country_code} " + " ".join(pairs)
    if style == "words":
        words = SPELLED_DIGITS[lang]
        return " ".join([words[10], *(words[int(d)] for d in e164[1:])])
    if style == "lookalike":
        # Letters that look like digits: O for 0, l for 1 (only after the country code).
        cc, _, rest = intl.partition(" ")
        return cc + " " + rest.replace("0", "O").replace("1", "l")
    return intl


def make_handle(rng: random.Random, service: str | None = None) -> Handle:
    service = service or rng.choice(HANDLE_SERVICES)
    stem = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))
    handle = f"{stem}_{rng.choice(_HANDLE_TAILS)}{rng.randint(10, 99)}"
    return Handle(service=service, handle=handle)


def handle_text(handle: Handle) -> str:
    return _HANDLE_LABEL.get(handle.service, handle.service.capitalize() + ": {h}").format(
        h=handle.handle
    )


def make_email(rng: random.Random) -> str:
    stem = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))
    return f"{stem}.{rng.choice(_HANDLE_TAILS)}{rng.randint(1, 99)}@{rng.choice(('example.org', 'example.com'))}"


class ContactBook:
    """A platform's pool of contact identifiers, some shared by several listings (clusters).

    Listings run by a third party draw from a handful of "agency" numbers, so the same phone
    shows up on many listings; ordinary listings mostly get a number of their own.
    """

    def __init__(self, seed: str) -> None:
        self.seed = seed
        self._agency: dict[str, list[str]] = {}

    def agency_phones(self, region: str) -> list[str]:
        if region not in self._agency:
            rng = random.Random(f"{self.seed}:agency:{region}")
            self._agency[region] = rng.sample(valid_mobiles(region), 4)
        return self._agency[region]

    def phone(self, rng: random.Random, region: str, shared: bool) -> str:
        if shared:
            return rng.choice(self.agency_phones(region))
        return rng.choice(valid_mobiles(region))


def _contacts(
    rng: random.Random, draft: Draft, book: ContactBook, shared: bool, p_phone: float = 0.8
) -> None:
    """Add phone / e-mail / handle lines to a draft and record them as truth."""
    labels = LABELS[draft.lang]
    if rng.random() < p_phone:
        e164 = book.phone(rng, draft.region, shared)
        if rng.random() < 0.3:
            draft.field_phone = e164  # only in the profile field
        else:
            style = rng.choice(PHONE_STYLES)
            draft.contact_lines.append(
                rng.choice((labels["phone"], labels["call"])).format(
                    p=format_phone(e164, style, draft.lang)
                )
            )
        draft.phones.append(e164)
        if rng.random() < 0.15:
            # A second number (same seller, another phone): in the field if it is free.
            other = book.phone(rng, draft.region, shared)
            if other not in draft.phones:
                if draft.field_phone is None:
                    draft.field_phone = other
                else:
                    draft.contact_lines.append(
                        labels["phone"].format(p=format_phone(other, "international", draft.lang))
                    )
                draft.phones.append(other)
    if rng.random() < 0.35:
        handle = make_handle(rng)
        draft.handles.append(handle)
        draft.contact_lines.append(handle_text(handle))
    if rng.random() < 0.3:
        email = make_email(rng)
        draft.emails.append(email)
        draft.contact_lines.append(labels["email"].format(e=email))


def _indicator_count(rng: random.Random, p_none: float, p_one: float) -> int:
    """How many indicators a listing carries: most none or one, a few several.

    Published studies find one or two weak indicators in most ordinary ads; the demo keeps
    75-85% of a platform's listings at none or one.
    """
    r = rng.random()
    if r < p_none:
        return 0
    if r < p_none + p_one:
        return 1
    if r < 1 - (1 - p_none - p_one) / 4:
        return rng.randint(2, 3)
    return rng.randint(4, 5)


def _pick_indicators(
    rng: random.Random, count: int, pool: tuple[str, ...], weak: tuple[str, ...]
) -> list[str]:
    if count == 0:
        return []
    if count == 1:
        return [rng.choice(weak)]
    return rng.sample(pool, min(count, len(pool)))


def _place(rng: random.Random, lang: str) -> tuple[str, str, str]:
    return rng.choice(PLACES[lang])


# --- generators ----------------------------------------------------------------------------


def classified_ad(
    rng: random.Random, book: ContactBook, lang: str | None = None, force_minor: bool = False
) -> Draft:
    """A classifieds ad: companionship, massage, services or rooms."""
    lang = lang or rng.choice(LANGUAGES)
    category = rng.choices(AD_CATEGORIES, AD_CATEGORY_WEIGHTS)[0]
    if force_minor:
        category = "companionship"
    city, region, currency = _place(rng, lang)
    risky = category in RISKY_AD_CATEGORIES
    # A stated age under 18 appears only as a bare number in the age field, on an ad with no
    # prose about the person at all (SAFETY.md): just the title, price and contact lines.
    minor = category in STATED_AGE_CATEGORIES and (force_minor or rng.random() < 0.012)
    names = FIRST_NAMES[lang]
    name = rng.choice(names)
    title = rng.choice(AD_TITLES[lang][category]).format(city=city, name=name)
    lines = rng.sample(AD_SENTENCES[lang][category], rng.randint(2, 3))
    if minor:
        title = AD_TITLES[lang][category][0].format(city=city, name=name)
        lines = []

    count = _indicator_count(rng, 0.50, 0.22) if risky and not minor else 0
    chosen = _pick_indicators(rng, count, tuple(AD_INDICATORS[lang]), WEAK_AD_INDICATORS)
    if category == "services" and rng.random() < 0.08:
        # An emergency plumber "available 24/7": a weak indicator in an ordinary ad.
        chosen = ["constant_availability"]
    origin = rng.choice(ORIGINS[lang])
    for ind in chosen:
        phrase = rng.choice(AD_INDICATORS[lang][ind]).format(city=city, origin=origin)
        lines.insert(rng.randint(0, len(lines)), phrase)

    if category in ("companionship", "massage"):
        base = (60, 250) if category == "companionship" else (40, 90)
        hourly = make_price(rng, currency, "hour", *base)
        prices = [hourly]
        if rng.random() < 0.5:
            half = round_amount(hourly.amount * rng.uniform(0.55, 0.7))
            prices.append(Price(amount=half, currency=currency, unit="30min"))
        if category == "companionship" and rng.random() < 0.4:
            night = round_amount(hourly.amount * rng.uniform(4, 6))
            prices.append(Price(amount=night, currency=currency, unit="night"))
        if "sale_of_person" in chosen or ("no_limits" in chosen and rng.random() < 0.5):
            # Exploitative ads are often priced far below the platform's median.
            prices = [
                Price(amount=round_amount(p.amount * 0.4), currency=p.currency, unit=p.unit)
                for p in prices
            ]
    elif category == "services":
        prices = [make_price(rng, currency, "hour", 15, 45)]
        if rng.random() < 0.3:
            prices.append(make_price(rng, currency, "day", 120, 300))
    else:
        prices = [make_price(rng, currency, "month", 300, 1200)]
        if rng.random() < 0.3:
            prices.append(make_price(rng, currency, "night", 25, 70))

    third_party = "third_party_control" in chosen or len(chosen) >= 3
    if third_party:
        seller = f"{rng.choice(ORG_WORDS)} Agency"
    elif category == "massage":
        seller = f"{rng.choice(ORG_WORDS)} Massage"
    elif category == "services":
        seller = f"{name} {rng.choice(ORG_WORDS)[0]}."
    else:
        seller = name
    draft = Draft(
        lang=lang,
        category=category,
        city=city,
        region=region,
        title=title,
        lines=lines,
        prices=prices,
        money_styles=[rng.randrange(4) for _ in prices],
        price_label=LABELS[lang]["rates" if risky else "price"],
        indicators=set(chosen),
        seller=seller,
    )
    if category in STATED_AGE_CATEGORIES:
        if minor:
            draft.stated_age = rng.choice((16, 17))
            draft.indicators.add("minor_age_stated")
        elif "youth_emphasis" in chosen:
            draft.stated_age = rng.choice((18, 19))
        else:
            draft.stated_age = rng.randint(21, 45)
    _contacts(rng, draft, book, shared=third_party, p_phone=0.85 if risky else 0.6)
    return draft


def job_ad(rng: random.Random, book: ContactBook, lang: str | None = None) -> Draft:
    """A job ad: mostly ordinary, some with labour-exploitation indicators."""
    lang = lang or rng.choice(LANGUAGES)
    sector_index = rng.randrange(len(JOB_SECTORS))
    job = JOB_NAMES[lang][sector_index]
    city, region, currency = _place(rng, lang)
    dest = rng.choice(DESTINATIONS[lang])
    count = _indicator_count(rng, 0.58, 0.24)
    chosen = _pick_indicators(rng, count, tuple(JOB_INDICATORS[lang]), WEAK_JOB_INDICATORS)
    abroad = "travel_arranged_abroad" in chosen or rng.random() < 0.15
    fields = {"job": job, "Job": job[:1].upper() + job[1:], "city": city, "dest": dest}
    title = (JOB_ABROAD_TITLES[lang] if abroad else rng.choice(JOB_TITLES[lang])).format(**fields)
    sentences = JOB_SENTENCES[lang]
    lines = [sentences[0].format(**fields), *rng.sample(sentences[1:], rng.randint(1, 3))]
    for ind in chosen:
        lines.insert(
            rng.randint(1, len(lines)), rng.choice(JOB_INDICATORS[lang][ind]).format(**fields)
        )
    if "unrealistic_offer" in chosen:
        prices = [make_price(rng, currency, "month", 4000, 8000)]
    elif rng.random() < 0.3:
        prices = [make_price(rng, currency, "hour", 8, 22)]
    else:
        prices = [make_price(rng, currency, "month", 1200, 3500)]
    shared = len(chosen) >= 3
    draft = Draft(
        lang=lang,
        category=JOB_SECTORS[sector_index],
        city=city,
        region=region,
        title=title,
        lines=lines,
        prices=prices,
        money_styles=[rng.randrange(4) for _ in prices],
        price_label=LABELS[lang]["salary"],
        indicators=set(chosen),
        seller=f"{rng.choice(ORG_WORDS)} {rng.choice(('Staffing', 'Logistics', 'Services', 'Recruitment', 'Group'))}",
    )
    _contacts(rng, draft, book, shared=shared, p_phone=0.7)
    return draft


FORUM_LANG_WEIGHTS = (35, 8, 8, 10, 15, 16, 8)


def forum_post(rng: random.Random, book: ContactBook, lang: str | None = None) -> Draft:
    """A forum thread's opening post: courses, agencies, jobs abroad, help, market."""
    lang = lang or rng.choices(LANGUAGES, FORUM_LANG_WEIGHTS)[0]
    board = rng.choices(FORUM_BOARDS, FORUM_BOARD_WEIGHTS)[0]
    city, region, _ = _place(rng, lang)
    # Forum deals are quoted in hard currencies, whatever the poster's country.
    currency = rng.choice(("USD", "USD", "EUR"))
    dest = rng.choice(DESTINATIONS[lang])
    topic = rng.choice(FORUM_TOPICS[lang])
    fields = {"dest": dest, "topic": topic, "city": city}
    title = rng.choice(FORUM_TITLES[lang][board]).format(**fields)
    lines = list(FORUM_SENTENCES[lang][board])
    rng.shuffle(lines)
    lines = lines[: rng.randint(1, 2)]
    possible = FORUM_BOARD_INDICATORS[board]
    r = rng.random()
    chosen: list[str] = []
    if r < 0.22:
        chosen = [possible[0]]
    elif r < 0.42:
        chosen = list(possible)
    for ind in chosen:
        lines.insert(
            rng.randint(0, len(lines)), rng.choice(FORUM_INDICATORS[lang][ind]).format(**fields)
        )
    if board == "courses":
        prices = [make_price(rng, currency, "once", 30, 500)]
    elif board == "agencies":
        prices = [make_price(rng, currency, "month", 20, 200)]
        if "e_pimping" in chosen and rng.random() < 0.5:
            prices.append(make_price(rng, currency, "once", 100, 400))
    elif board == "market":
        prices = [make_price(rng, currency, "once", 50, 600)]
    else:
        prices = [make_price(rng, currency, "once", 10, 100)]
    draft = Draft(
        lang=lang,
        category=board,
        city=city,
        region=region,
        title=title,
        lines=lines,
        prices=prices,
        money_styles=[rng.randrange(2) for _ in prices],
        price_label=LABELS[lang]["price"],
        indicators=set(chosen),
        seller=make_handle(rng, "telegram").handle,
    )
    wants_wallet = (
        "crypto_only_payment" in chosen
        or ("e_pimping" in chosen and rng.random() < 0.5)
        or rng.random() < 0.08
    )
    if wants_wallet:
        wallet = random_wallet(rng)
        draft.wallets.append(wallet)
        draft.contact_lines.append(WALLET_LINE[lang].format(w=wallet.address))
    if "e_pimping" in chosen and rng.random() < 0.5:
        handle = make_handle(rng, "onlyfans")
        draft.handles.append(handle)
        draft.contact_lines.append(handle_text(handle))
    _contacts(rng, draft, book, shared=len(chosen) >= 2, p_phone=0.35)
    # Forums rarely have a phone profile field: keep every phone in the text.
    if draft.field_phone is not None:
        draft.contact_lines.append(
            LABELS[lang]["phone"].format(p=format_phone(draft.field_phone, "international", lang))
        )
        draft.field_phone = None
    return draft
