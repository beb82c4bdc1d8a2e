"""classify_page: login walls, CAPTCHAs, block pages and parked domains against real content.

A case table of synthetic pages written the way such pages are built (vendors' widgets,
WAF block pages, registrars' parking pages) in eleven languages, and of ordinary pages that
must stay None although they mention logins, CAPTCHAs or blocking; then every normal page
of the demo platforms, served on 127.0.0.1, must classify as None.
"""

from __future__ import annotations

import json

import aiohttp
import pytest

from crawler.demo.world import DemoWorld
from crawler.health.pages import KINDS, RULES, SCAN_CHARS, PageSignal, classify_page

# --- page builders -----------------------------------------------------------------------


def page(title: str, body: str, lang: str = "en", head: str = "") -> str:
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{title}</title>{head}</head><body>{body}</body></html>"
    )


NAV = (
    '<header><a href="/">Home</a> <a href="/ads">Ads</a> <a href="/rooms">Rooms</a> '
    '<a href="/login">Login</a> <a href="/register">Register</a></header>'
)
FOOTER = '<footer><a href="/terms">Terms</a> · <a href="/privacy">Privacy</a> · © 2026</footer>'
BIG_FOOTER = (
    "<footer>"
    + " ".join(
        f'<a href="/f{i}">Footer section {i} about us and our services</a>' for i in range(30)
    )
    + "</footer>"
)

AD_TEXT = (
    "Bright room in a shared flat close to the central station, furnished, with a desk, "
    "a wardrobe and a large window facing the park. Shared kitchen and bathroom with two "
    "other tenants who work during the day. Internet, heating and water included in the "
    "rent. Available from the first of the month for at least six months. Quiet house, "
    "no parties, no smoking inside. Viewing possible in the evening or at the weekend. "
    "Deposit of one month, paid by bank transfer. Registration at the address possible. "
)


def login_form(user: str, password: str, button: str, action: str = "/login") -> str:
    return (
        f'<form method="post" action="{action}"><input type="hidden" name="csrf" value="x">'
        f'<label for="u">{user}</label><input id="u" name="username" type="text">'
        f'<label for="p">{password}</label><input id="p" name="password" type="password">'
        f'<button type="submit">{button}</button></form>'
    )


def listing_page(n: int = 20, extra: str = "", title: str = "Rooms - page 1") -> str:
    items = "".join(
        f'<li class="ad"><a href="/ad/{i}">Room {i} near the station, furnished</a> '
        f'<span class="price">{400 + i} EUR</span> <span class="city">Utrecht</span></li>'
        for i in range(n)
    )
    return page(title, f"{NAV}<main><h1>Rooms</h1>{extra}<ul>{items}</ul></main>{FOOTER}")


def detail_page(title: str, text: str, extra: str = "", lang: str = "en") -> str:
    return page(
        title,
        f'{NAV}<main><article><h1>{title}</h1><p class="price">450 EUR per month</p>'
        f'<div class="body">{text}</div><p>Phone: +31 6 1234 5678</p></article>{extra}</main>'
        f"{FOOTER}",
        lang,
    )


CF_CHALLENGE = page(
    "Just a moment...",
    '<div class="main-wrapper" role="main"><div class="main-content">'
    '<h1 class="zone-name-title h1">shop.example</h1>'
    '<h2 class="h2" id="challenge-running">Checking if the site connection is secure</h2>'
    '<noscript><div class="h2">Enable JavaScript and cookies to continue</div></noscript>'
    '<div id="challenge-body-text" class="core-msg spacer">shop.example needs to review the '
    "security of your connection before proceeding.</div>"
    '<form id="challenge-form" action="/?__cf_chl_f_tk=abc" method="POST">'
    '<input type="hidden" name="md" value="abc"></form></div></div>'
    "<script>(function(){window._cf_chl_opt={cvId: '2',cZone: 'shop.example',cType: 'managed'};"
    "var cpo = document.createElement('script');"
    "cpo.src = '/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1?ray=1';"
    "document.getElementsByTagName('head')[0].appendChild(cpo);}());</script>",
    head='<meta name="robots" content="noindex,nofollow">',
)

CF_BLOCKED = page(
    "Attention Required! | Cloudflare",
    '<div id="cf-wrapper"><div id="cf-error-details" class="cf-error-details-wrapper">'
    '<h1 data-translate="block_headline">Sorry, you have been blocked</h1>'
    "<h2>You are unable to access shop.example</h2>"
    "<p>This website is using a security service to protect itself from online attacks. "
    "The action you just performed triggered the security solution.</p>"
    '<p>Cloudflare Ray ID: <strong class="font-semibold">7a1b2c3d4e5f6a7b</strong></p>'
    "</div></div>",
)

AKAMAI_DENIED = (
    "<HTML><HEAD>\n<TITLE>Access Denied</TITLE>\n</HEAD><BODY>\n<H1>Access Denied</H1>\n"
    'You don\'t have permission to access "http&#58;&#47;&#47;shop&#46;example&#47;ads" on '
    "this server.<P>\nReference&#32;&#35;18&#46;6a2b3c&#46;1700000000&#46;abc\n"
    "<P>https&#58;&#47;&#47;errors&#46;edgesuite&#46;net&#47;18&#46;6a2b3c</P>\n</BODY>\n</HTML>"
)

F5_REJECTED = (
    "<html><head><title>Request Rejected</title></head><body>"
    "The requested URL was rejected. Please consult with your administrator.<br><br>"
    "Your support ID is: 1234567890123456789<br><br><a href='javascript:history.back();'>"
    "[Go Back]</a></body></html>"
)

GODADDY_PARKED = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>shop-example.com</title>'
    '<script>window.park = "eyJ1dWlkIjoiYWJjIn0=";</script>'
    '<script src="https://img1.wsimg.com/parking-lander/static/js/main.js"></script>'
    '</head><body><div id="root"></div></body></html>'
)

SEDO_PARKED = page(
    "shop-example.nl",
    '<div class="container"><h1>shop-example.nl</h1>'
    '<p>This domain may be for sale!</p><a href="https://sedo.com/search/details/?domain='
    'shop-example.nl">Buy this domain</a></div>'
    '<script src="https://sedoparking.com/frmpark/shop-example.nl/IONOSParkingDE/park.js">'
    "</script>",
)


# Site chrome around a wall: navigation, a paragraph about the site and a footer (about 90
# words), so the page is more than the wall and the wording has to be what tells it.
ABOUT = (
    "<p>Example is a community marketplace for rooms, services and jobs in the region. "
    "Thousands of people use it every day to find a place to live or work. We check new "
    "accounts and remove adverts that break our rules. Read our help pages for answers to "
    "common questions about accounts, payments and safety, or write to our support team.</p>"
)


def text_page(title: str, text: str, lang: str, chrome: bool = False) -> str:
    main = f"<main><h1>{title}</h1><p>{text}</p></main>"
    return page(title, f"{NAV}{main}{ABOUT}{FOOTER}" if chrome else main, lang)


def captcha_widget_page(title: str, text: str, lang: str, widget: str, chrome: bool = True) -> str:
    main = (
        f'<main class="box"><h1>{title}</h1><p>{text}</p>'
        f'<form method="post" action="/verify">{widget}<button type="submit">OK</button></form>'
        "</main>"
    )
    return page(title, f"{NAV}{main}{ABOUT}{FOOTER}" if chrome else main, lang)


RECAPTCHA = (
    '<div class="g-recaptcha" data-sitekey="6Lc-demo"></div>'
    '<script src="https://www.google.com/recaptcha/api.js" async defer></script>'
)
HCAPTCHA = (
    '<div class="h-captcha" data-sitekey="demo"></div>'
    '<script src="https://js.hcaptcha.com/1/api.js" async defer></script>'
)
TURNSTILE = (
    '<div class="cf-turnstile" data-sitekey="0x4AAA"></div>'
    '<script src="https://challenges.cloudflare.com/turnstile/v0/api.js" async defer></script>'
)

# --- the case table ------------------------------------------------------------------------

# (id, status, body, url, expected kind or None)
CASES: list[tuple[str, int, str, str, str | None]] = [
    # login walls
    (
        "en-sign-in-page",
        200,
        page(
            "Sign in | Example Ads",
            f"{NAV}<main><h1>Sign in</h1><p>Welcome back.</p>"
            f"{login_form('E-mail or user name', 'Password', 'Sign in')}"
            '<a href="/forgot">Forgot password?</a></main>' + FOOTER,
        ),
        "",
        "login_wall",
    ),
    (
        "en-log-in-big-footer",
        200,
        page(
            "Log in to your account - Example",
            f"{NAV}<main>{login_form('User name', 'Password', 'Log in')}</main>{BIG_FOOTER}",
        ),
        "",
        "login_wall",
    ),
    (
        "en-members-only-teaser",
        200,
        page(
            "Example Ads",
            f"{NAV}<main><p>This content is for members only. Please log in to see the "
            "ads in this category. New here? Registration is free and takes a minute, and "
            "you can post your first advert right away. Forgot your password? Ask for a new "
            f"one with the link below.</p>{login_form('Username', 'Password', 'Go')}</main>"
            + FOOTER,
        ),
        "",
        "login_wall",
    ),
    (
        "nl-inloggen",
        200,
        page(
            "Voorbeeld",
            f"{NAV}<main><p>Je moet ingelogd zijn om advertenties te bekijken. Nog geen "
            "account? Registreer gratis en plaats vandaag nog je eerste advertentie op onze "
            "site, het kost maar een paar minuten. Wachtwoord vergeten? Vraag dan via de link "
            "hieronder een nieuw wachtwoord aan bij onze klantenservice.</p>"
            f"{login_form('Gebruikersnaam', 'Wachtwoord', 'Inloggen')}</main>{FOOTER}",
            "nl",
        ),
        "",
        "login_wall",
    ),
    (
        "de-anmelden-bare-title",
        200,
        page(
            "Anmelden",
            "<main><p>Bitte melden Sie sich an, um fortzufahren.</p>"
            f"{login_form('Benutzername', 'Passwort', 'Einloggen')}</main>{BIG_FOOTER}",
            "de",
        ),
        "",
        "login_wall",
    ),
    (
        "fr-connexion",
        200,
        page(
            "Connexion – Exemple Annonces",
            f"{NAV}<main><p>Vous devez être connecté pour consulter les annonces.</p>"
            f"{login_form('Adresse e-mail', 'Mot de passe', 'Se connecter')}</main>{BIG_FOOTER}",
            "fr",
        ),
        "",
        "login_wall",
    ),
    (
        "es-iniciar-sesion",
        200,
        page(
            "Iniciar sesión · Ejemplo",
            f"<main>{login_form('Correo electrónico', 'Contraseña', 'Entrar')}</main>{BIG_FOOTER}",
            "es",
        ),
        "",
        "login_wall",
    ),
    (
        "it-accedi",
        200,
        page(
            "Accedi | Esempio",
            f"<main><h1>Accedi</h1>{login_form('Nome utente', 'Password', 'Accedi')}</main>"
            + BIG_FOOTER,
            "it",
        ),
        "",
        "login_wall",
    ),
    (
        "pl-logowanie",
        200,
        page(
            "Logowanie - Przykład",
            f"{NAV}<main><h1>Zaloguj się</h1>{login_form('Login', 'Hasło', 'Zaloguj')}</main>"
            + BIG_FOOTER,
            "pl",
        ),
        "",
        "login_wall",
    ),
    (
        "ro-autentificare",
        200,
        page(
            "Exemplu",
            f"{NAV}<main><p>Trebuie să fii autentificat pentru a vedea anunțurile. Nu ai "
            "cont? Înregistrează-te gratuit și publică primul tău anunț astăzi, durează doar "
            "câteva minute. Ai uitat parola? Cere o parolă nouă "
            "prin linkul de mai jos de la echipa noastră de asistență.</p>"
            f"{login_form('Utilizator', 'Parolă', 'Intră în cont')}</main>{FOOTER}",
            "ro",
        ),
        "",
        "login_wall",
    ),
    (
        "ru-vhod",
        200,
        page(
            "Вход — Пример",
            f"{NAV}<main><h1>Вход</h1>{login_form('Логин', 'Пароль', 'Войти')}</main>{BIG_FOOTER}",
            "ru",
        ),
        "",
        "login_wall",
    ),
    (
        "uk-vhid",
        200,
        page(
            "Вхід | Приклад",
            f"<main>{login_form('Логін', 'Пароль', 'Увійти')}</main>{BIG_FOOTER}",
            "uk",
        ),
        "",
        "login_wall",
    ),
    (
        "pt-entrar",
        200,
        page(
            "Entrar | Exemplo",
            "<main><p>Você precisa estar logado para ver este anúncio.</p>"
            f"{login_form('E-mail', 'Senha', 'Entrar')}</main>{BIG_FOOTER}",
            "pt",
        ),
        "",
        "login_wall",
    ),
    (
        "any-language-form-only",
        200,
        page("Ex", f'<div class="x">{login_form("ID", "PIN", "→")}</div>'),
        "",
        "login_wall",
    ),
    (
        "two-step-email-first",
        200,
        page(
            "Sign in - Example",
            '<main><h1>Sign in</h1><form action="/identifier" method="post">'
            '<input type="email" name="identifier" autocomplete="email">'
            "<button>Next</button></form><p>New here? Create an account.</p></main>",
        ),
        "",
        "login_wall",
    ),
    (
        "redirected-to-login-path",
        200,
        page(
            "Example Ads - the marketplace",
            f"{NAV}<main><p>{AD_TEXT}</p>{login_form('User', 'Password', 'Continue')}</main>"
            + FOOTER,
        ),
        "https://ads.example/account/login?next=%2Fc%2Frooms",
        "login_wall",
    ),
    ("http-401-json", 401, '{"error": "authentication required"}', "", "login_wall"),
    # CAPTCHAs
    ("cloudflare-managed-challenge", 403, CF_CHALLENGE, "", "captcha"),
    ("cloudflare-challenge-200", 200, CF_CHALLENGE, "", "captcha"),
    (
        "en-recaptcha-interstitial",
        200,
        captcha_widget_page(
            "Are you a robot?",
            "Please complete the security check to access the site.",
            "en",
            RECAPTCHA,
        ),
        "",
        "captcha",
    ),
    (
        "nl-hcaptcha",
        200,
        captcha_widget_page(
            "Beveiligingscontrole", "Bevestig dat je een mens bent.", "nl", HCAPTCHA
        ),
        "",
        "captcha",
    ),
    (
        "de-turnstile",
        200,
        captcha_widget_page(
            "Sicherheitsüberprüfung",
            "Bestätigen Sie, dass Sie ein Mensch sind.",
            "de",
            TURNSTILE,
        ),
        "",
        "captcha",
    ),
    (
        "fr-image-captcha",
        200,
        page(
            "Vérification de sécurité",
            "<main><p>Saisissez les caractères affichés dans l'image.</p>"
            '<form method="post"><img src="/captcha.php?id=1" alt="captcha">'
            '<input name="captcha_code"><button>Valider</button></form></main>',
            "fr",
        ),
        "",
        "captcha",
    ),
    (
        "es-text-only",
        200,
        text_page("Un momento", "Verifica que eres humano para continuar.", "es", chrome=True),
        "",
        "captcha",
    ),
    (
        "it-text-only",
        200,
        text_page(
            "Controllo di sicurezza", "Verifica di essere umano per continuare.", "it", chrome=True
        ),
        "",
        "captcha",
    ),
    (
        "pl-widget",
        200,
        captcha_widget_page("Weryfikacja", "Potwierdź, że jesteś człowiekiem.", "pl", RECAPTCHA),
        "",
        "captcha",
    ),
    (
        "ro-widget",
        200,
        captcha_widget_page(
            "Verificare de securitate", "Confirmă că ești om pentru a continua.", "ro", HCAPTCHA
        ),
        "",
        "captcha",
    ),
    (
        "ru-text",
        200,
        text_page("Проверка безопасности", "Подтвердите, что вы не робот.", "ru", chrome=True),
        "",
        "captcha",
    ),
    (
        "uk-widget",
        200,
        captcha_widget_page("Перевірка безпеки", "Підтвердіть, що ви не робот.", "uk", TURNSTILE),
        "",
        "captcha",
    ),
    (
        "pt-text",
        200,
        text_page("Verificação de segurança", "Verifique se você é humano.", "pt", chrome=True),
        "",
        "captcha",
    ),
    (
        "unusual-traffic-sorry-page",
        429,
        page(
            "https://www.example.com/search",
            "<div><b>About this page</b><br><br>Our systems have detected unusual traffic "
            "from your computer network. This page checks to see if it's really you sending "
            "the requests, and not a robot.</div>"
            '<form action="/sorry/index" method="post"><div class="g-recaptcha" '
            'data-sitekey="x"></div></form>',
        ),
        "https://www.example.com/sorry/index?continue=x",
        "captcha",
    ),
    (
        "datadome-tiny",
        403,
        "<html><head><title>example.com</title></head><body>"
        "<script>var dd={'rt':'c','cid':'x','hsh':'y','host':'geo.captcha-delivery.com'}"
        '</script><script src="https://ct.captcha-delivery.com/c.js"></script></body></html>',
        "",
        "captcha",
    ),
    # block pages
    (
        "nginx-403",
        403,
        "<html><head><title>403 Forbidden</title></head><body><center><h1>403 Forbidden</h1>"
        "</center><hr><center>nginx</center></body></html>",
        "",
        "block_page",
    ),
    ("empty-403", 403, "", "", "block_page"),
    ("cloudflare-blocked", 403, CF_BLOCKED, "", "block_page"),
    ("akamai-access-denied-200", 200, AKAMAI_DENIED, "", "block_page"),
    ("akamai-access-denied-403", 403, AKAMAI_DENIED, "", "block_page"),
    ("f5-rejected-200", 200, F5_REJECTED, "", "block_page"),
    (
        "rate-limit-json",
        429,
        '{"error": "rate limit exceeded", "retry_after": 60}',
        "",
        "block_page",
    ),
    (
        "too-many-requests",
        429,
        text_page("Too Many Requests", "Slow down.", "en"),
        "",
        "block_page",
    ),
    (
        "legal-451",
        451,
        text_page(
            "Unavailable For Legal Reasons",
            "This content is not available in your country.",
            "en",
        ),
        "",
        "block_page",
    ),
    (
        "503-access-denied",
        503,
        text_page("Error", "Access denied: your IP address has been blocked.", "en"),
        "",
        "block_page",
    ),
    (
        "nl-403",
        403,
        text_page("Toegang geweigerd", "U heeft geen toegang.", "nl", chrome=True),
        "",
        "block_page",
    ),
    (
        "de-403",
        403,
        text_page("Zugriff verweigert", "Ihre Anfrage wurde blockiert.", "de", chrome=True),
        "",
        "block_page",
    ),
    (
        "fr-403",
        403,
        text_page("Accès refusé", "Vous avez été bloqué.", "fr", chrome=True),
        "",
        "block_page",
    ),
    (
        "es-403",
        403,
        text_page("Acceso denegado", "Ha sido bloqueado.", "es", chrome=True),
        "",
        "block_page",
    ),
    (
        "it-429",
        429,
        text_page("Troppe richieste", "Riprova più tardi.", "it", chrome=True),
        "",
        "block_page",
    ),
    (
        "pl-403",
        403,
        text_page("Odmowa dostępu", "Dostęp zabroniony.", "pl", chrome=True),
        "",
        "block_page",
    ),
    (
        "ro-200-title",
        200,
        text_page("Acces interzis", "Adresa dvs. IP a fost blocată.", "ro"),
        "",
        "block_page",
    ),
    (
        "ru-403",
        403,
        text_page("Доступ запрещён", "Ваш IP заблокирован.", "ru", chrome=True),
        "",
        "block_page",
    ),
    ("uk-403", 403, text_page("Доступ заборонено", "Спробуйте пізніше.", "uk"), "", "block_page"),
    (
        "pt-200-title",
        200,
        text_page("Acesso negado", "Você foi bloqueado.", "pt"),
        "",
        "block_page",
    ),
    # parked domains
    ("godaddy-parking-js", 200, GODADDY_PARKED, "", "parked"),
    ("sedo-parking", 200, SEDO_PARKED, "", "parked"),
    (
        "en-for-sale-title",
        200,
        page(
            "shop-example.com is for sale | Domain marketplace",
            "<main><h1>shop-example.com</h1><p>Make an offer on this domain today. Secure "
            "payment, fast transfer.</p></main>",
        ),
        "",
        "parked",
    ),
    (
        "nl-te-koop",
        200,
        text_page("voorbeeld.nl", "Dit domein is te koop.", "nl", chrome=True),
        "",
        "parked",
    ),
    (
        "de-verkauf",
        200,
        text_page("beispiel.de", "Diese Domain steht zum Verkauf!", "de", chrome=True),
        "",
        "parked",
    ),
    (
        "fr-a-vendre",
        200,
        text_page("exemple.fr", "Ce nom de domaine est à vendre.", "fr", chrome=True),
        "",
        "parked",
    ),
    (
        "es-venta",
        200,
        text_page("ejemplo.es", "Este dominio está en venta.", "es", chrome=True),
        "",
        "parked",
    ),
    (
        "it-vendita",
        200,
        text_page("esempio.it", "Questo dominio è in vendita.", "it"),
        "",
        "parked",
    ),
    (
        "pl-sprzedaz",
        200,
        text_page("przyklad.pl", "Ta domena jest na sprzedaż.", "pl"),
        "",
        "parked",
    ),
    (
        "ro-vanzare",
        200,
        text_page("exemplu.ro", "Acest domeniu este de vânzare.", "ro"),
        "",
        "parked",
    ),
    ("ru-prodaetsya", 200, text_page("primer.ru", "Этот домен продаётся.", "ru"), "", "parked"),
    ("uk-prodaetsya", 200, text_page("pryklad.ua", "Цей домен продається.", "uk"), "", "parked"),
    ("pt-venda", 200, text_page("exemplo.pt", "Este domínio está à venda.", "pt"), "", "parked"),
    (
        "nginx-default",
        200,
        text_page(
            "Welcome to nginx!",
            "If you see this page, the nginx web server is successfully installed and "
            "working. Further configuration is required.",
            "en",
        ),
        "",
        "parked",
    ),
    (
        "cpanel-suspended",
        200,
        text_page("Account Suspended", "This Account has been suspended.", "en"),
        "",
        "parked",
    ),
    # ordinary pages: real content that mentions logins, CAPTCHAs, blocking or sales
    ("listing-with-login-in-nav", 200, listing_page(), "", None),
    (
        "listing-with-sidebar-login-box",
        200,
        listing_page(
            extra="<aside><h2>Member login</h2>"
            + login_form("User", "Password", "Log in")
            + "<p>Please log in to post an ad.</p></aside>"
        ),
        "",
        None,
    ),
    (
        "detail-with-sidebar-login-box",
        200,
        detail_page(
            "Room in Utrecht, 450 EUR",
            AD_TEXT,
            extra="<aside><h2>Login</h2>" + login_form("User", "Password", "Log in") + "</aside>",
        ),
        "",
        None,
    ),
    (
        "forum-thread-must-log-in-to-reply",
        200,
        detail_page(
            "Looking for a room in Utrecht",
            AD_TEXT[:400],
            extra="<p>You must be logged in to reply to this topic.</p>"
            + login_form("User", "Password", "Log in"),
        ),
        "",
        None,
    ),
    (
        "detail-says-no-captcha-needed",
        200,
        detail_page("Massage, no captcha needed, just call", AD_TEXT + " No captcha needed."),
        "",
        None,
    ),
    (
        "detail-with-recaptcha-contact-form",
        200,
        detail_page(
            "Room in Utrecht, 450 EUR",
            AD_TEXT,
            extra='<form action="/contact" method="post"><textarea name="message"></textarea>'
            f"{RECAPTCHA}<button>Send</button></form>",
        ),
        "",
        None,
    ),
    (
        "listing-page-cloudflare-jsd-snippet",
        200,
        listing_page(
            extra="<script>(function(){window.__CF$cv$params={r:'1',t:'2'};var a=document."
            "createElement('script');a.src='/cdn-cgi/challenge-platform/scripts/jsd/main.js';"
            "document.getElementsByTagName('head')[0].appendChild(a);})();</script>"
        ),
        "",
        None,
    ),
    (
        "pt-detail-titled-entrar-em-contato",
        200,
        detail_page(
            "Entrar em contato: massagem relaxante",
            AD_TEXT,
            extra="<aside>" + login_form("Usuário", "Senha", "Entrar") + "</aside>",
            lang="pt",
        ),
        "",
        None,
    ),
    (
        "de-course-jetzt-anmelden",
        200,
        detail_page("Deutschkurs B1 - jetzt anmelden", AD_TEXT, lang="de"),
        "",
        None,
    ),
    (
        "detail-titled-forbidden-fruit",
        200,
        detail_page("Forbidden fruit massage", AD_TEXT),
        "",
        None,
    ),
    (
        "detail-selling-a-domain",
        200,
        detail_page(
            "Website and domain for sale - 300 EUR",
            "Selling my small web shop with its domain, hosting paid for a year. " + AD_TEXT,
        ),
        "",
        None,
    ),
    (
        "detail-real-person-not-a-robot",
        200,
        detail_page("Real person, I'm not a robot", "I'm not a robot, call me. " + AD_TEXT),
        "",
        None,
    ),
    ("not-found-404", 404, text_page("Not found", "No such ad.", "en"), "", None),
    (
        "server-error-500",
        500,
        text_page("Internal Server Error", "Something went wrong.", "en"),
        "",
        None,
    ),
    (
        "maintenance-503",
        503,
        text_page("Maintenance", "We'll be back soon. Service temporarily unavailable.", "en"),
        "",
        None,
    ),
    ("empty-200", 200, "", "", None),
    (
        "json-api-page",
        200,
        json.dumps({"data": {"posts": [{"id": "p1", "headline": "Login help", "text": "x"}]}}),
        "",
        None,
    ),
    (
        "listing-nl-with-inloggen-nav",
        200,
        listing_page(
            title="Kamers - pagina 1", extra="<p>Log in om een advertentie te plaatsen.</p>"
        ),
        "",
        None,
    ),
]


@pytest.mark.parametrize(
    ("status", "body", "url", "expected"),
    [pytest.param(s, b, u, e, id=i) for i, s, b, u, e in CASES],
)
def test_case_table(status, body, url, expected):
    signal = classify_page(status, body, url)
    if expected is None:
        assert signal is None
    else:
        assert signal is not None and signal.kind == expected
        assert signal.rule in RULES


def test_case_table_covers_every_kind_in_eleven_languages():
    langs_by_kind: dict[str, set[str]] = {}
    for _, _, body, _, kind in CASES:
        if kind is not None and 'lang="' in body:
            langs_by_kind.setdefault(kind, set()).add(body.split('lang="')[1][:2])
    assert set(langs_by_kind) == set(KINDS)
    for kind in ("login_wall", "captcha", "block_page", "parked"):
        assert {"en", "nl", "de", "fr", "es", "it", "pl", "ro", "ru", "uk", "pt"} <= (
            langs_by_kind[kind]
        ), kind


def test_signal_is_a_fixed_rule_id_never_page_text():
    hostile = page(
        "Sign in \x1b[31m<script>",
        "<h1>Sign in</h1>" + login_form("\x1b]0;pwned\x07", "Password", "Go"),
    )
    signal = classify_page(200, hostile)
    assert signal == PageSignal("login_wall", signal.rule if signal else "")
    assert signal is not None and signal.rule in RULES
    with pytest.raises(AttributeError):
        signal.kind = "parked"  # type: ignore[misc]


def test_only_the_start_of_a_page_is_read():
    # The work is bounded by SCAN_CHARS: what comes after is never looked at.
    parked = text_page("voorbeeld.nl", "Dit domein is te koop.", "nl")

    def padded(n: int) -> str:
        return parked.replace("<body>", "<body><script>" + "x" * n + "</script>")

    assert classify_page(200, padded(1000)) == PageSignal("parked", "parked_text")
    assert classify_page(200, padded(SCAN_CHARS)) is None


# --- the demo platforms' own pages -------------------------------------------------------


async def _fetch(session: aiohttp.ClientSession, url: str) -> tuple[int, str]:
    async with session.get(url) as resp:
        return resp.status, await resp.text()


@pytest.mark.e2e  # real servers on 127.0.0.1
async def test_every_demo_platform_page_classifies_as_ordinary():
    from crawler.demo.world import platform_classes

    # demo-members answers "please log in" without a session: tests/demo/test_members_site.py
    # checks its member pages classify as ordinary and its logged-out page as a login wall.
    names = sorted(n for n in platform_classes() if n not in ("demo-hostile", "demo-members"))
    world = DemoWorld(seed=5, size=60, platforms=names)
    urls = await world.start()
    try:
        seen = 0
        async with aiohttp.ClientSession() as session:
            truth = world.ground_truth()
            for name, base in urls.items():
                platform = world.platforms[name]
                paths = ["/"]
                list_path = getattr(platform, "list_path", None)
                for category in getattr(platform, "categories", ()) or (None,):
                    if list_path is not None:
                        paths += [list_path(category, 1), list_path(category, 2)]
                if name == "demo-social":
                    paths += ["/feed", "/api/posts?offset=0&limit=10"]
                elif name.startswith("board-"):
                    paths += ["/ads"]
                paths += [t.path for t in truth[name][:25]]
                for path in paths:
                    status, body = await _fetch(session, base + path)
                    if status == 404:
                        continue  # a second list page the category does not have
                    assert status == 200, (name, path)
                    assert classify_page(status, body, base + path) is None, (name, path)
                    seen += 1
        assert seen > 150
    finally:
        await world.stop()
