"""Members-only platforms: logging in, keeping sessions, and a human for what we cannot answer.

A profile's `auth:` section (crawler.profiles.Auth; docs/auth.md) says how the crawler gets
in: a login form (`login`), or a session imported from a file (`import`: Netscape
cookies.txt, a browser's JSON cookie export, a Playwright storage state), and how a page
shows whether it was served to a member (`logged_in`, `logged_out`).

Modules (one concern each; imports point down this list, never up):
- `secrets`  the account's username, password and extra answer, from environment
             variables the profile names or from AUTH_SECRETS_FILE (refused unless mode
             0600). `Secret` values never print: repr/str are "[secret]".
- `sessions` the session of each platform, stored as a Playwright storage state
             (`{"cookies": [...], "origins": [...]}`) in AUTH_SESSIONS_DIR/<platform>.json,
             file 0600 in a 0700 directory, written atomically; and reading session files
             in the three import formats (`read_session_file`).
- `checks`   pure: what a page says about the session (`page_state`: logged_in,
             logged_out, human (a CAPTCHA or a question the profile cannot answer), or
             unknown). Uses crawler.health.pages for CAPTCHA signs.
- `jar`      the Scrapy route (plain HTTP and tor): a cookies middleware that starts each
             run from the platform's stored session and saves the jar back after a login
             and at the end of the run.
- `login`    the form login of the Scrapy route (FormRequest, POST only, the extra step),
             and the browser route's login inside the browser context.
- `human`    `crawler login PLATFORM`: a real Chromium window (through tor for tor
             profiles) at the login page; the analyst logs in; the session is saved.

What never happens: a secret or a session cookie in a log line, a stat, a job record, a
store document, an alert or a WARC record (crawler.evidence.capture withholds login
request bodies and redacts Cookie, Authorization and Set-Cookie values); a CAPTCHA sent to
any solving service; more than `auth.max_logins` login attempts in one run; an unattended
login attempt after a run ended `needs_login` until a new session is saved.
"""
