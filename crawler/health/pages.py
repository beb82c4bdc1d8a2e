"""Tell a login wall, a CAPTCHA, a block page or a parked domain from a platform's own page.

`classify_page(status, body, url)` answers a `PageSignal(kind, rule)` or None. It is pure
(no I/O, no Scrapy) and cheap: it reads at most the first SCAN_CHARS characters of the
body, lower-cases them once and runs a bounded set of regular expressions. Measured on
this project's 2-core test machine: about 2 ms for a 200 KB listing page (only its first
64 KB are read) and well under 1 ms for a typical 5 KB wall or block page.

The kinds, from how such pages are built rather than from a list of known pages:

- `login_wall`: the page is there to make the visitor sign in: a form with a password
  field (or, for two-step sign-in, an identifier field under a sign-in title) and little
  else, a sign-in title or heading, a "you must be logged in" sentence, a redirect to a
  login path, or HTTP 401.
- `captcha`: a human-verification challenge: a CAPTCHA widget (reCAPTCHA, hCaptcha,
  Turnstile, GeeTest, Arkose, Friendly Captcha, Yandex SmartCaptcha, AWS WAF, DataDome,
  PerimeterX, an image CAPTCHA field) or challenge wording ("verify you are human") on a
  page that is mostly that challenge.
- `block_page`: the server refuses the client: 403/429/451 with a short page, or block
  wording ("access denied", "too many requests", a WAF's incident reference) on a small
  page with 403/429/451/503 or even 200.
- `parked`: the domain no longer hosts the site: "this domain is for sale", registrar and
  parking-service pages, a hosting account suspended, a web server's default page.

Precision first: a page with real content is never classified because it mentions a word.
Every rule needs the page to be dominated by the wall: the words outside forms (visible
text, scripts and styles removed) stay under a bound, and weaker evidence needs a smaller
page. A listing page with "Login" in its navigation, a sidebar login box beside a listing,
a contact form with a reCAPTCHA under an ad, or an ad that says "no captcha" stay None.

Phrases cover en, nl, de, fr, es, it, pl, ro, ru, uk and pt. `rule` is a fixed id of the
heuristic that fired (see RULES), never text from the page: hostile sites must not reach
an analyst's screen through a health reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape

KINDS: tuple[str, ...] = ("login_wall", "captcha", "block_page", "parked")

SCAN_CHARS = 64 * 1024  # only the start of a page is read: walls and block pages are small

# Visible words outside <form> elements: how much "page" there is besides a wall.
TINY_WORDS = 40  # the page is the form or the message and hardly anything else
SHORT_WORDS = 80  # a short explanation beside the form ("members only, please log in")
SMALL_WORDS = 150  # a wall page with a header, a footer and a paragraph of explanation
MEDIUM_WORDS = 400  # the most a page may hold when its title or heading says what it is


@dataclass(frozen=True)
class PageSignal:
    """What a page looks like: `kind` one of KINDS, `rule` the id of the rule that fired."""

    kind: str
    rule: str


# rule id -> what it means (docs/health.md lists them too).
RULES: dict[str, str] = {
    "http_401": "HTTP 401: the server asks for credentials",
    "login_form_only": "a password form and hardly any other text",
    "login_title": "a password form under a sign-in title or main heading",
    "login_required_text": "a password form and a 'you must sign in' sentence on a small page",
    "login_identifier_form": "a sign-in title over a user-name or e-mail form on a small page",
    "login_url": "redirected to a sign-in path, and the page holds a sign-in form",
    "captcha_widget": "a CAPTCHA widget on a page that is mostly the challenge",
    "captcha_challenge": "a bot-challenge interstitial (challenge script or challenge title)",
    "captcha_text": "human-verification wording on a small page",
    "captcha_field": "a CAPTCHA form field or image on a small page",
    "block_status": "HTTP 403/429/451 with a short page",
    "block_status_text": "HTTP 403/429/451/503 with block wording",
    "block_waf": "a web application firewall's block page",
    "block_title": "block wording in the title or main heading of a small page",
    "parked_text": "'this domain is for sale' or 'domain parked' wording",
    "parking_service": "a domain-parking or domain-sale service's page",
    "hosting_default": "a web server's default page or a suspended hosting account",
}


def _words(*phrases: str) -> re.Pattern[str]:
    """One pattern matching any phrase as whole words (lower case; spaces match any run)."""
    alts = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in phrases)
    return re.compile(rf"(?<!\w)(?:{alts})(?!\w)")


def _markers(*needles: str) -> re.Pattern[str]:
    """Raw substrings of the (lower-cased) HTML."""
    return re.compile("|".join(re.escape(n) for n in needles))


# --- page structure ----------------------------------------------------------------------

_COMMENT = re.compile(r"<!--.*?-->", re.S)
_INVISIBLE = re.compile(
    r"<(script|style|noscript|template|svg|head)\b[^>]*>.*?(?:</\1\s*>|$)", re.S
)
_FORM = re.compile(r"<form\b.*?(?:</form\s*>|$)", re.S)
_TAG = re.compile(r"<[^>]*>")
_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title", re.S)
_HEADING = re.compile(r"<h1\b[^>]*>(.*?)</h1", re.S)
_PASSWORD = re.compile(r"""<input\b[^>]*\btype\s*=\s*["']?password""")
_INPUT = re.compile(r"<input\b[^>]*>")
_IDENTIFIER_INPUT = re.compile(
    r"""\b(?:type\s*=\s*["']?email|autocomplete\s*=\s*["']?(?:username|email)"""
    r"""|name\s*=\s*["']?[\w\[\]-]*(?:user|login|email|e-mail|account|phone)[\w\[\]-]*)"""
)
_HIDDEN = re.compile(r"""type\s*=\s*["']?hidden""")
_WORD = re.compile(r"\w+")
_LINK = re.compile(r"<a\s")

# --- login walls ---------------------------------------------------------------------------

# Sign-in as a title or heading says it ("Log in", "Einloggen", "Se connecter", "Войти"...).
# fmt: off
_LOGIN_TITLE = _words(
    # en
    "log in", "login", "log-in", "sign in", "sign-in", "signin", "log on", "logon",
    "member login", "members login", "authentication required",
    # nl
    "inloggen", "log in op",
    # de
    "einloggen", "login erforderlich", "anmelden bei",
    # fr
    "se connecter", "identifiez-vous", "connectez-vous",
    # es
    "iniciar sesión", "inicia sesión", "inicio de sesión", "iniciar sesion",
    # it
    "accedi", "effettua l'accesso", "accedi al tuo account",
    # pl
    "zaloguj", "zaloguj się", "logowanie",
    # ro
    "autentificare", "intră în cont", "intra in cont", "autentifică-te",
    # ru
    "войти", "авторизация", "вход на сайт", "вход в аккаунт", "вход в систему",
    # uk
    "увійти", "авторизація", "вхід до акаунту", "вхід в систему",
    # pt
    "iniciar sessão", "fazer login", "faça login", "acesse sua conta",
)
# fmt: on
# Words that mean sign-in only when they are the whole title (or a whole part of it, as in
# "Entrar | Site") or the whole heading: elsewhere they are ordinary words ("entrar em
# contato", "jetzt anmelden" for a course, "вход свободный").
_LOGIN_TITLE_BARE = frozenset(
    {
        "access",
        "aanmelden",
        "anmelden",
        "anmeldung",
        "connexion",
        "identification",
        "authentification",
        "acceder",
        "ingresar",
        "accesso",
        "accedi",
        "conectare",
        "logare",
        "вход",
        "вхід",
        "acesso",
        "entrar",
        "identificación",
        "login",
        "members",
        "member area",
        "mitgliederbereich",
        "espace membre",
        "área de membros",
    }
)
_TITLE_PARTS = re.compile(r"\s[-|:]\s|[|–—·•»]")

# "You must be signed in to see this", in the page's text.
# fmt: off
_LOGIN_REQUIRED = _words(
    # en
    "you must be logged in", "you must log in", "you need to log in", "you need to sign in",
    "you must sign in", "you must be signed in", "please log in", "please sign in",
    "please login", "log in to continue", "sign in to continue", "login to continue",
    "log in to view", "sign in to view", "login to view", "log in to see", "sign in to see",
    "login required", "members only", "for members only", "only registered users",
    "registered users only", "sign in to your account", "log in to your account",
    # nl
    "je moet ingelogd zijn", "u moet ingelogd zijn", "je moet inloggen", "u moet inloggen",
    "log in om verder te gaan", "log in om door te gaan", "alleen voor leden",
    "alleen voor geregistreerde gebruikers",
    # de
    "sie müssen angemeldet sein", "du musst angemeldet sein", "bitte melden sie sich an",
    "bitte melde dich an", "bitte anmelden", "bitte einloggen", "nur für mitglieder",
    "nur für registrierte benutzer", "melden sie sich an, um", "anmeldung erforderlich",
    # fr
    "vous devez être connecté", "vous devez être connectée", "vous devez vous connecter",
    "veuillez vous connecter", "connectez-vous pour", "réservé aux membres",
    "connexion requise", "identifiez-vous pour",
    # es
    "debes iniciar sesión", "debe iniciar sesión", "necesitas iniciar sesión",
    "inicia sesión para", "solo para miembros", "sólo para usuarios registrados",
    "solo para usuarios registrados",
    # it
    "devi effettuare l'accesso", "devi accedere", "effettua l'accesso per",
    "accedi per continuare", "accedi per visualizzare", "devi essere registrato",
    "riservato agli utenti registrati", "riservato ai membri",
    # pl
    "musisz być zalogowany", "musisz się zalogować", "zaloguj się, aby", "zaloguj się aby",
    "tylko dla zalogowanych", "tylko dla zarejestrowanych",
    # ro
    "trebuie să fii autentificat", "trebuie sa fii autentificat", "trebuie să fii logat",
    "trebuie sa fii logat", "autentifică-te pentru", "autentifica-te pentru",
    "doar pentru membri", "trebuie să vă autentificați",
    # ru
    "необходимо войти", "войдите, чтобы", "войдите чтобы", "требуется авторизация",
    "необходимо авторизоваться", "только для зарегистрированных",
    "доступно только авторизованным",
    # uk
    "потрібно увійти", "увійдіть, щоб", "увійдіть щоб", "необхідно авторизуватися",
    "потрібна авторизація", "лише для зареєстрованих",
    # pt
    "você precisa estar logado", "voce precisa estar logado", "precisa de iniciar sessão",
    "faça login para", "faca login para", "é necessário iniciar sessão", "inicie sessão para",
    "apenas para membros", "necessário fazer login",
)
# fmt: on

# What a sign-in demand is for when it is not for reading: replying, posting, contacting.
_TO_INTERACT = re.compile(
    r"reply|post|comment|answer|respond|write|send|contact|message|vote|rate|bid|upload"
    r"|antwoord|reageer|reageren|plaats|antwort|schreib|kommentier|beitr"
    r"|répond|comment|publi|envoy|respond|coment|publica|rispond|scriv|pubblic"
    r"|odpowi|komentow|napisa|publikow|răspun|raspun|scrie|trimite"
    r"|ответ|коммент|написа|отправ|відпов|комент|написа|надісла|escrev|envia"
)

_LOGIN_PATH = re.compile(
    r"^[a-z][a-z0-9+.-]*://[^/?#]+/(?:[^?#]*/)?"
    r"(?:login|log-in|signin|sign-in|sign_in|logon|auth|authenticate|session/new"
    r"|users?/sign_in|account/login|accounts/login|anmelden|connexion|inloggen"
    r"|zaloguj|logowanie|autentificare|vhod|entrar|accedi)(?:[/.?#]|$)"
)

# --- CAPTCHAs ------------------------------------------------------------------------------

# The widgets' own markup and scripts, as their vendors document embedding them.
# fmt: off
_CAPTCHA_WIDGET = _markers(
    "g-recaptcha", "grecaptcha", "www.google.com/recaptcha/", "www.recaptcha.net/recaptcha/",
    "recaptcha/api.js", "recaptcha/enterprise.js", "h-captcha", "hcaptcha.com/1/api.js",
    "js.hcaptcha.com", "cf-turnstile", "challenges.cloudflare.com/turnstile", "geetest_",
    "static.geetest.com", "gt4.js", "funcaptcha", "arkoselabs.com", "client-api.arkoselabs",
    "frc-captcha", "friendlycaptcha", "smart-captcha", "smartcaptcha.yandexcloud", "mtcaptcha",
    "captcha-delivery.com", "px-captcha", "awswaf.com/captcha", "captcha.awswaf",
    "awswafcaptcha", "yidun_", "tencentcaptcha", "kaptcha", "botdetect", "securimage",
)
# fmt: on

# Interstitial challenges: scripts and forms that only challenge pages carry.
# fmt: off
_CHALLENGE = _markers(
    "_cf_chl_opt", "cf-chl-", "cf_chl_", "/cdn-cgi/challenge-platform/h/", "challenge-form",
    "cf-browser-verification", "ddos-guard", "ddg-captcha", "sgcaptcha",
    "/.well-known/sgcaptcha", "_incapsula_resource?swjiylwa", "geo.captcha-delivery.com",
    "perimeterx", "_pxcaptcha", "px-block", "window._pxappid", "awswafintegration", "cpo.src",
    "managed_challenge",
)
# fmt: on

# fmt: off
_CAPTCHA_TITLE = _words(
    "captcha", "just a moment", "just a moment...", "attention required", "security check",
    "security verification", "human verification", "bot verification", "are you a robot",
    "are you human", "verify you are human", "checking your browser", "ddos protection",
    "one more step", "please wait", "even geduld", "beveiligingscontrole",
    "sicherheitsüberprüfung", "einen moment", "nur einen moment", "vérification de sécurité",
    "un instant", "vérification", "verificación de seguridad", "un momento",
    "verifica di sicurezza", "controllo di sicurezza", "weryfikacja", "chwileczkę",
    "verificare de securitate", "un moment", "проверка безопасности", "одну минуту",
    "один момент", "проверка браузера", "перевірка безпеки", "хвилинку",
    "verificação de segurança", "só um momento",
)
# fmt: on

# fmt: off
_CAPTCHA_TEXT = _words(
    # en
    "verify you are human", "verify that you are human", "verify you're human",
    "confirm you are human", "confirm that you are human", "prove you are human",
    "are you a robot", "checking your browser", "checking if the site connection is secure",
    "verifying you are human", "complete the security check", "complete the captcha",
    "solve the captcha", "enter the characters you see", "type the characters you see",
    "unusual traffic from your computer network", "human verification",
    "press and hold to confirm", "select all images with",
    # nl
    "bevestig dat je een mens bent", "bevestig dat u een mens bent",
    "controleer of u een mens bent", "we controleren je browser",
    # de
    "bestätigen sie, dass sie ein mensch sind", "bestätige, dass du ein mensch bist",
    "sind sie ein roboter", "ihr browser wird überprüft", "überprüfung ihres browsers",
    "geben sie die zeichen ein",
    # fr
    "vérifiez que vous êtes humain", "confirmez que vous êtes humain",
    "vérification que vous êtes un humain", "êtes-vous un robot",
    "vérification de votre navigateur", "saisissez les caractères",
    # es
    "verifica que eres humano", "verifique que es humano", "confirma que eres humano",
    "eres un robot", "comprobando su navegador", "comprobando tu navegador",
    "verificando que eres humano",
    # it
    "verifica di essere umano", "verifica di essere un essere umano",
    "conferma di essere umano", "sei un robot", "controllo del browser",
    # pl
    "potwierdź, że jesteś człowiekiem", "potwierdz, ze jestes czlowiekiem",
    "czy jesteś robotem", "sprawdzanie przeglądarki", "weryfikacja, czy jesteś człowiekiem",
    # ro
    "confirmă că ești om", "confirma ca esti om", "verificăm dacă ești om",
    "verificare că sunteți om", "sunteți un robot",
    # ru
    "подтвердите, что вы не робот", "подтвердите, что вы человек", "проверка, что вы не робот",
    "проверяем ваш браузер", "вы не робот",
    # uk
    "підтвердіть, що ви не робот", "підтвердіть, що ви людина", "перевіряємо ваш браузер",
    # pt
    "verifique se você é humano", "confirme que você é humano", "confirme que é humano",
    "você é um robô", "verificando seu navegador",
)
# fmt: on

# The checkbox label of a CAPTCHA widget: evidence only beside a widget or a CAPTCHA field.
# fmt: off
_CAPTCHA_LABEL = _words(
    "i'm not a robot", "i am not a robot", "ik ben geen robot", "ich bin kein roboter",
    "je ne suis pas un robot", "no soy un robot", "non sono un robot", "nie jestem robotem",
    "nu sunt robot", "nu sunt un robot", "я не робот", "não sou um robô", "nao sou um robo",
)
# fmt: on

_CAPTCHA_FIELD = re.compile(
    r"""<(?:input|img|div|iframe)\b[^>]*\b(?:name|id|class|alt|src|title)\s*=\s*["']?[^"'>]*captcha"""
)

_CAPTCHA_PATH = re.compile(
    r"^[a-z][a-z0-9+.-]*://[^/?#]+/(?:[^?#]*/)?"
    r"(?:captcha|validatecaptcha|challenge|sorry|showcaptcha|checkcaptcha)(?:[/.?#]|$)"
)

# --- block pages ---------------------------------------------------------------------------

# fmt: off
_BLOCK_TEXT = _words(
    # en
    "access denied", "access is denied", "access forbidden", "forbidden",
    "you have been blocked", "you've been blocked", "has been blocked", "request blocked",
    "request rejected", "request was rejected", "the requested url was rejected",
    "you don't have permission to access", "you do not have permission to access",
    "you do not have access", "not authorized to access", "too many requests",
    "rate limit exceeded", "rate limited", "you are being rate limited", "temporarily blocked",
    "your ip", "ip address has been blocked", "ip has been banned", "you have been banned",
    "banned", "unavailable for legal reasons", "not available in your country",
    "not available in your region", "geo-blocked", "automated access", "suspicious activity",
    "access to this page has been denied", "sorry, you have been blocked", "error 1020",
    "error 1015", "error 1006", "error 1005",
    # nl
    "toegang geweigerd", "toegang verboden", "geblokkeerd", "te veel verzoeken",
    "je bent geblokkeerd", "u bent geblokkeerd",
    # de
    "zugriff verweigert", "zugang verweigert", "zugriff verboten", "gesperrt",
    "zu viele anfragen", "ihre anfrage wurde blockiert", "sie wurden blockiert",
    # fr
    "accès refusé", "accès interdit", "accès bloqué", "vous avez été bloqué",
    "trop de requêtes", "requête bloquée", "requête rejetée",
    # es
    "acceso denegado", "acceso prohibido", "has sido bloqueado", "ha sido bloqueado",
    "demasiadas solicitudes", "solicitud bloqueada", "prohibido",
    # it
    "accesso negato", "accesso vietato", "sei stato bloccato", "troppe richieste",
    "richiesta bloccata", "vietato",
    # pl
    "odmowa dostępu", "dostęp zabroniony", "dostęp zablokowany", "zostałeś zablokowany",
    "zbyt wiele żądań", "zbyt wiele zapytań",
    # ro
    "acces interzis", "acces refuzat", "accesul a fost blocat", "ai fost blocat",
    "prea multe cereri", "prea multe solicitări",
    # ru
    "доступ запрещен", "доступ запрещён", "доступ ограничен", "доступ заблокирован",
    "вы заблокированы", "ваш ip заблокирован", "слишком много запросов",
    # uk
    "доступ заборонено", "доступ обмежено", "доступ заблоковано", "ви заблоковані",
    "забагато запитів", "занадто багато запитів",
    # pt
    "acesso negado", "acesso proibido", "acesso bloqueado", "você foi bloqueado",
    "voce foi bloqueado", "muitas solicitações", "muitas requisições",
)
# fmt: on

# Strings of web application firewalls' and CDNs' own block pages (not their host names,
# which ordinary pages load images and scripts from).
# fmt: off
_WAF = _markers(
    "cf-error-details", "cf-error-code", "cf-wrapper", "cloudflare ray id",
    "incapsula incident id", "_incapsula_resource", "request unsuccessful. incapsula",
    "errors.edgesuite.net", "reference&#32;&#35;", "the requested url was rejected",
    "your support id is", "sucuri website firewall", "sucuri firewall",
    "generated by wordfence", "blocked by wordfence", "mod_security", "modsecurity",
    "generated by cloudfront", "request blocked. we can't connect to the server", "ddos-guard",
    "fortiguard", "web page blocked", "azure front door", "imunify360", "bitninja",
    "blocked by the web application firewall", "web application firewall", "bot protection",
    "akamai reference",
)
# fmt: on

# Block wording strict enough for a title or main heading (listing titles say "banned"...).
# fmt: off
_BLOCK_TITLE = _words(
    "access denied", "access forbidden", "403 forbidden", "error 403", "forbidden",
    "429 too many requests", "too many requests", "request blocked", "request rejected",
    "you have been blocked", "sorry, you have been blocked", "attention required",
    "unavailable for legal reasons", "toegang geweigerd", "zugriff verweigert",
    "zugang verweigert", "accès refusé", "accès interdit", "acceso denegado", "accesso negato",
    "odmowa dostępu", "dostęp zabroniony", "acces interzis", "acces refuzat", "доступ запрещен",
    "доступ запрещён", "доступ заборонено", "acesso negado",
)
# fmt: on

# --- parked domains ------------------------------------------------------------------------

# fmt: off
_PARKED_TEXT = _words(
    # en
    "this domain is for sale", "this domain may be for sale", "this domain name is for sale",
    "buy this domain", "make an offer on this domain", "inquire about this domain",
    "this domain is parked", "parked free", "parked courtesy of", "this web page is parked",
    "this domain has been registered", "this domain was recently registered",
    "this domain has expired", "this domain name has expired", "is parked free",
    # nl
    "dit domein is te koop", "deze domeinnaam is te koop", "dit domein is geregistreerd",
    "dit domein is geparkeerd", "koop dit domein",
    # de
    "diese domain steht zum verkauf", "diese domain ist zu verkaufen", "diese domain kaufen",
    "diese domain wurde registriert", "diese domain ist geparkt", "diese domain ist reserviert",
    # fr
    "ce domaine est à vendre", "ce nom de domaine est à vendre", "ce domaine est parqué",
    "ce nom de domaine a été enregistré", "acheter ce domaine", "ce domaine a expiré",
    # es
    "este dominio está a la venta", "este dominio está en venta",
    "este dominio ha sido registrado", "comprar este dominio", "este dominio ha expirado",
    "este dominio está aparcado",
    # it
    "questo dominio è in vendita", "questo dominio è stato registrato",
    "acquista questo dominio", "questo dominio è parcheggiato", "questo dominio è scaduto",
    # pl
    "ta domena jest na sprzedaż", "ta domena jest zaparkowana", "kup tę domenę",
    "ta domena została zarejestrowana", "ta domena wygasła",
    # ro
    "acest domeniu este de vânzare", "acest domeniu este de vanzare",
    "acest domeniu a fost înregistrat", "cumpără acest domeniu", "acest domeniu a expirat",
    # ru
    "этот домен продается", "этот домен продаётся", "этот домен припаркован",
    "этот домен зарегистрирован", "купить этот домен", "срок регистрации домена истек",
    # uk
    "цей домен продається", "цей домен зареєстровано", "придбати цей домен",
    "цей домен припарковано",
    # pt
    "este domínio está à venda", "este dominio esta a venda", "este domínio foi registrado",
    "compre este domínio", "este domínio expirou",
)
# fmt: on

# A parking page's title: the domain itself, "for sale" in a language.
_PARKED_TITLE = re.compile(
    r"(?<![\w.-])[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?![\w.-])[^a-z0-9]*"
    r"(?:is\s+)?(?:for\s+sale|te\s+koop|zu\s+verkaufen|steht\s+zum\s+verkauf|à\s+vendre"
    r"|est\s+à\s+vendre|en\s+venta|está\s+a\s+la\s+venta|in\s+vendita|è\s+in\s+vendita"
    r"|na\s+sprzedaż|de\s+vânzare|de\s+vanzare|продается|продаётся|продається|à\s+venda"
    r"|está\s+à\s+venda|is\s+parked|parked)"
)

# fmt: off
_PARKING_SERVICE = _markers(
    "sedoparking.com", "sedo.com/search/details", "parkingcrew.net", "bodis.com", "parklogic",
    "above.com/marketplace", "dan.com/buy-domain", "afternic.com", "hugedomains.com",
    "undeveloped.com", "parkingpage.namecheap.com", "img1.wsimg.com/parking",
    "domainmarket.com", "buydomains.com", "window.park", "parking-lander", "for-sale-banner",
    "domain-for-sale", "parked-content", "parkedcontent", "skenzo.com", "voodoo.com/parking",
    "uniregistry", "epik.com/domain-for-sale", "squadhelp.com", "atom.com/name",
    "sav.com/domains",
)
# fmt: on

# fmt: off
_HOSTING_DEFAULT = _words(
    "welcome to nginx", "apache2 ubuntu default page", "apache2 debian default page",
    "test page for the apache http server", "apache http server test page",
    "iis windows server", "web server's default page", "this account has been suspended",
    "account suspended", "hosting account is suspended", "this website has been suspended",
    "website suspended", "future home of something quite cool", "domain not configured",
    "no website is configured at this address", "plesk default page", "default web site page",
    "website is coming soon", "cpanel default page", "default parallels plesk page",
)
# fmt: on
_IT_WORKS = re.compile(r"^it works!?$")


@dataclass(frozen=True)
class _Page:
    html: str  # lower-cased start of the body
    title: str  # lower-cased, entities decoded, whitespace collapsed
    heading: str  # first <h1>, same treatment
    text: str  # all visible text (forms included), same treatment
    other_words: int  # visible words outside <form> elements
    links: int  # <a> elements outside forms
    has_password: bool
    has_identifier_form: bool


def _clean(fragment: str) -> str:
    return " ".join(unescape(_TAG.sub(" ", fragment)).replace("\u2019", "'").split())


def _read(body: str) -> _Page:
    html = body[:SCAN_CHARS].lower()
    m = _TITLE.search(html)
    title = _clean(m.group(1)) if m else ""
    visible = _INVISIBLE.sub(" ", _COMMENT.sub(" ", html))
    m = _HEADING.search(visible)
    heading = _clean(m.group(1)) if m else ""
    forms = _FORM.findall(visible)
    outside = _FORM.sub(" ", visible)
    has_password = any(_PASSWORD.search(f) for f in forms)
    identifier = False
    for form in forms:
        inputs = [i for i in _INPUT.findall(form) if not _HIDDEN.search(i)]
        # A sign-in step: at most three visible fields, one a user name or an e-mail.
        if 0 < len(inputs) <= 3 and any(_IDENTIFIER_INPUT.search(i) for i in inputs):
            identifier = True
            break
    return _Page(
        html=html,
        title=title,
        heading=heading,
        text=_clean(visible),
        other_words=len(_WORD.findall(_TAG.sub(" ", outside))),
        links=len(_LINK.findall(outside)),
        has_password=has_password,
        has_identifier_form=identifier,
    )


def _titled(page: _Page, pattern: re.Pattern[str]) -> bool:
    return bool(pattern.search(page.title) or pattern.search(page.heading))


def _login_titled(page: _Page) -> bool:
    if _titled(page, _LOGIN_TITLE):
        return True
    parts = [*_TITLE_PARTS.split(page.title), page.heading]
    return any(part.strip(" .!?:*") in _LOGIN_TITLE_BARE for part in parts)


def _captcha(page: _Page, url: str) -> str | None:
    words = page.other_words
    titled = _titled(page, _CAPTCHA_TITLE)
    worded = bool(_CAPTCHA_TEXT.search(page.text))
    if _CAPTCHA_WIDGET.search(page.html):
        labelled = bool(_CAPTCHA_LABEL.search(page.text))
        # A widget alone is a contact form's guard as often as a wall: the page must be
        # little more than the challenge, or say it is one.
        if words <= TINY_WORDS or (titled or worded) and words <= MEDIUM_WORDS:
            return "captcha_widget"
        if labelled and words <= SMALL_WORDS and page.links <= 5:
            return "captcha_widget"
    if _CHALLENGE.search(page.html) and (
        words <= TINY_WORDS or (titled or worded) and words <= MEDIUM_WORDS
    ):
        return "captcha_challenge"
    if worded and words <= SMALL_WORDS:
        return "captcha_text"
    if _CAPTCHA_FIELD.search(page.html) and (
        words <= TINY_WORDS
        or (titled or _CAPTCHA_LABEL.search(page.text) or _CAPTCHA_PATH.match(url))
        and words <= SMALL_WORDS
    ):
        return "captcha_field"
    return None


def _asks_to_sign_in_to_view(text: str) -> bool:
    """A "you must sign in" sentence that is not about replying or posting (a thread's
    "log in to reply" sits under content anyone can read)."""
    for m in _LOGIN_REQUIRED.finditer(text):
        if not _TO_INTERACT.search(text, m.end(), m.end() + 40):
            return True
    return False


def _login(status: int, page: _Page, url: str) -> str | None:
    if status == 401:
        return "http_401"
    words = page.other_words
    titled = _login_titled(page)
    if page.has_password:
        if words <= TINY_WORDS:
            return "login_form_only"
        if titled and words <= MEDIUM_WORDS:
            return "login_title"
        if words <= SHORT_WORDS and _asks_to_sign_in_to_view(page.text):
            return "login_required_text"
    if page.has_identifier_form and titled and words <= SMALL_WORDS:
        return "login_identifier_form"
    if (
        (page.has_password or page.has_identifier_form)
        and _LOGIN_PATH.match(url)
        and words <= MEDIUM_WORDS
    ):
        return "login_url"
    return None


def _block(status: int, page: _Page) -> str | None:
    words = page.other_words
    worded = bool(_BLOCK_TEXT.search(page.text))
    if status in (403, 429, 451, 503) and worded and words <= MEDIUM_WORDS:
        return "block_status_text"
    if status in (403, 429, 451) and words <= TINY_WORDS:
        return "block_status"
    if _WAF.search(page.html) and (worded or status >= 400) and words <= MEDIUM_WORDS:
        return "block_waf"
    if _titled(page, _BLOCK_TITLE) and words <= SMALL_WORDS and page.links <= 5:
        return "block_title"
    return None


def _parked(page: _Page) -> str | None:
    words = page.other_words
    if _PARKING_SERVICE.search(page.html) and words <= MEDIUM_WORDS:
        return "parking_service"
    if (_titled(page, _PARKED_TEXT) or _PARKED_TITLE.search(page.title)) and words <= MEDIUM_WORDS:
        return "parked_text"
    if _PARKED_TEXT.search(page.text) and words <= SMALL_WORDS:
        return "parked_text"
    if (_titled(page, _HOSTING_DEFAULT) or _IT_WORKS.match(page.title)) and words <= SMALL_WORDS:
        return "hosting_default"
    if _HOSTING_DEFAULT.search(page.text) and words <= TINY_WORDS:
        return "hosting_default"
    return None


def classify_page(status: int, body: str, url: str = "") -> PageSignal | None:
    """What kind of non-listing page this is (KINDS), or None for an ordinary page.

    `status` is the HTTP status, `body` the decoded page (HTML or any text), `url` the
    page's final URL (after redirects; "" when unknown). Reads at most SCAN_CHARS of body.
    """
    page = _read(body or "")
    url = url.lower()
    rule = _captcha(page, url)
    if rule:
        return PageSignal("captcha", rule)
    rule = _login(status, page, url)
    if rule:
        return PageSignal("login_wall", rule)
    rule = _block(status, page)
    if rule:
        return PageSignal("block_page", rule)
    rule = _parked(page)
    if rule:
        return PageSignal("parked", rule)
    return None
