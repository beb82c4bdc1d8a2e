"""Rule matching (a case table) and broken rule/watchlist files (file, field, reason)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from alert_fixtures import WATCHED_PHONE, indicators, make_listing, matching_listing

from crawler.alerts.rules import AlertRule, load_rules
from crawler.alerts.watchlist import AlertConfigError, load_watchlist, parse_watchlist
from crawler.models import Handle, Price, Wallet

WATCH = parse_watchlist(
    {
        "subjects": [
            {"phone": "+31612345678", "label": "case phone", "tags": ["case-0042"]},
            {"handle": "telegram:Example_Booking_Desk"},
            {"email": "Recruiter@Example.org"},
            {"wallet": "btc:bc1qexamplewalletaddress"},
            {"username": "Sunrise-Agency"},
            {"keyword": "rotating cities"},
            {"location": "rotterdam", "tags": ["south"]},
        ]
    }
)

CASES: list[tuple[str, dict[str, Any], dict[str, Any], bool]] = [
    # (case, rule conditions, listing fields, fires?)
    ("any indicator", {"indicators": ["movement", "no_limits"]}, {"indicators": indicators("movement")}, True),
    ("any indicator, none present", {"indicators": ["no_limits"]}, {"indicators": indicators("movement")}, False),
    ("all indicators", {"indicators": {"all": ["movement", "third_party_control"]}}, {"indicators": indicators("movement", "third_party_control")}, True),
    ("all indicators, one missing", {"indicators": {"all": ["movement", "third_party_control"]}}, {"indicators": indicators("movement")}, False),
    ("min risk met", {"min_risk": 60}, {"risk_score": 60}, True),
    ("min risk not met", {"min_risk": 60}, {"risk_score": 59}, False),
    ("platform", {"platforms": ["demo-jobs"], "min_risk": 0}, {}, False),
    ("category", {"categories": ["escort"]}, {}, True),
    ("term whole word", {"terms": ["arrived"]}, {"body": "Just arrived."}, True),
    ("term not inside a word", {"terms": ["teen"]}, {"body": "Fifteen minutes from the station."}, False),
    ("term with punctuation", {"terms": ["24/7"]}, {"body": "Open 24/7."}, True),
    ("all terms", {"terms": {"all": ["arrived", "agency"]}}, {"body": "Just arrived."}, False),
    ("price max per unit (EUR)", {"price": {"max": 60, "unit": "hour"}}, {"prices": [Price(amount=50, currency="EUR", unit="hour", amount_eur=50)]}, True),
    ("price other unit", {"price": {"max": 60, "unit": "hour"}}, {"prices": [Price(amount=50, currency="EUR", unit="night", amount_eur=50)]}, False),
    ("price over max", {"price": {"max": 60}}, {"prices": [Price(amount=300, currency="RON", unit="hour", amount_eur=60.5)]}, False),
    ("price in its own currency", {"price": {"min": 250, "currency": "RON"}}, {"prices": [Price(amount=300, currency="RON", unit="hour", amount_eur=60)]}, True),
    ("watchlist phone", {"watchlist": True}, {"phones": [WATCHED_PHONE]}, True),
    ("watchlist none", {"watchlist": True}, {"phones": ["+4915123456789"]}, False),
    ("watchlist handle case-insensitive", {"watchlist": {"kinds": ["handle"]}}, {"handles": [Handle(service="telegram", handle="example_booking_desk")]}, True),
    ("watchlist kind filter", {"watchlist": {"kinds": ["email"]}}, {"phones": [WATCHED_PHONE]}, False),
    ("watchlist tag", {"watchlist": {"tags": ["case-0042"]}}, {"phones": [WATCHED_PHONE]}, True),
    ("watchlist tag other", {"watchlist": {"tags": ["south"]}}, {"phones": [WATCHED_PHONE]}, False),
    ("watchlist e-mail", {"watchlist": True}, {"emails": ["recruiter@example.org"]}, True),
    ("watchlist wallet", {"watchlist": True}, {"wallets": [Wallet(chain="btc", address="bc1qexamplewalletaddress")]}, True),
    ("watchlist username", {"watchlist": True}, {"seller": "sunrise-agency"}, True),
    ("watchlist keyword", {"watchlist": True}, {"body": "We are Rotating Cities every week."}, True),
    ("watchlist location", {"watchlist": {"tags": ["south"]}}, {"location": "rotterdam, nl"}, True),
    ("everything together", {"indicators": ["movement"], "min_risk": 50, "platforms": ["demo-classifieds"], "watchlist": True}, {"indicators": indicators("movement"), "risk_score": 80, "phones": [WATCHED_PHONE]}, True),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "conditions", "fields", "fires"), CASES, ids=[c[0] for c in CASES]
)
def test_rule_conditions(
    case: str, conditions: dict[str, Any], fields: dict[str, Any], fires: bool
) -> None:
    rule = AlertRule.model_validate({"name": "r", **conditions})
    listing = make_listing("k1", **fields)
    assert (rule.match(listing, WATCH.matches(listing)) is not None) is fires


def test_match_explains_itself_without_extra_personal_data() -> None:
    rule = AlertRule.model_validate({"name": "r", "indicators": ["movement"], "watchlist": True})
    listing = matching_listing()
    match = rule.match(listing, WATCH.matches(listing))
    assert match is not None
    assert [i.id for i in match.indicators] == ["movement"]
    # Only the watched identifiers are reported, not the listing's other phone number.
    assert {(i.kind, i.value) for i in match.identifiers} == {
        ("phone", WATCHED_PHONE),
        ("handle", "telegram:example_booking_desk"),
    }


def test_on_new_and_new_or_changed() -> None:
    assert AlertRule.model_validate({"name": "a", "min_risk": 1}).fires_on("changed") is False
    rule = AlertRule.model_validate({"name": "a", "min_risk": 1, "on": "new_or_changed"})
    assert rule.fires_on("changed") and rule.fires_on("new") and not rule.fires_on("unchanged")


def test_yaml_on_key_is_read_as_the_trigger(tmp_path: Path) -> None:
    # YAML 1.1 reads a bare `on:` as the boolean True; the loader must still understand it.
    f = tmp_path / "r.yaml"
    f.write_text("rules:\n  - name: x\n    on: new_or_changed\n    min_risk: 5\n")
    assert load_rules(f).rules[0].on == "new_or_changed"


BROKEN: list[tuple[str, str, str, str]] = [
    # (case, file text, field, reason fragment)
    ("not yaml", "rules: [\n", "line", "not valid YAML"),
    ("not a mapping", "- a\n- b\n", "(file)", "mapping"),
    ("unknown top-level key", "rulez: []\n", "rulez", "unknown field"),
    ("rule without name", "rules:\n  - min_risk: 5\n", "rules.0.name", "required field is missing"),
    ("bad rule name", "rules:\n  - name: 'a b'\n    min_risk: 5\n", "rules.0.name", "pattern"),
    ("unknown indicator", "rules:\n  - name: a\n    indicators: [movment]\n", "rules.0.indicators.any", "unknown indicator id 'movment'"),
    ("unknown rule field", "rules:\n  - name: a\n    min_risk: 5\n    colour: red\n", "rules.0.colour", "unknown field"),
    ("risk out of range", "rules:\n  - name: a\n    min_risk: 150\n", "rules.0.min_risk", "less than or equal to 100"),
    ("bad trigger", "rules:\n  - name: a\n    min_risk: 5\n    on: sometimes\n", "rules.0.on", "'new' or 'new_or_changed'"),
    ("no condition", "rules:\n  - name: a\n", "rules.0", "at least one condition"),
    ("bad price unit", "rules:\n  - name: a\n    price: {max: 5, unit: fortnight}\n", "rules.0.price.unit", "unknown unit"),
    ("price min > max", "rules:\n  - name: a\n    price: {min: 9, max: 5}\n", "rules.0.price", "min is greater than max"),
    ("bad watchlist kind", "rules:\n  - name: a\n    watchlist: {kinds: [fax]}\n", "rules.0.watchlist", "unknown subject kind"),
    ("unknown channel", "rules:\n  - name: a\n    min_risk: 5\n    channels: [nowhere]\n", "rules.0.channels.0", "no channel named 'nowhere'"),
    ("unknown channel type", "channels:\n  c: {type: pigeon}\n", "channels.c.type", "unknown channel type 'pigeon'"),
    ("channel missing url", "channels:\n  c: {type: webhook}\n", "channels.c.url", "required field is missing"),
    ("secret in file", "channels:\n  c: {type: webhook, url: 'http://127.0.0.1:1/', secret: abc}\n", "channels.c.secret", "secrets come from the environment"),
    ("password in file", "channels:\n  m: {type: email, host: h, from: a@example.org, to: [b@example.org], password: x}\n", "channels.m.password", "password_env"),
    ("email without recipients", "channels:\n  m: {type: email, host: h, from: a@example.org, to: []}\n", "channels.m.to", "at least 1"),
    ("unset env variable", "channels:\n  c: {type: webhook, url: '${NO_SUCH_VARIABLE_X}'}\n", "(environment)", "NO_SUCH_VARIABLE_X is not set"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "text", "field", "reason"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_rule_files(tmp_path: Path, case: str, text: str, field: str, reason: str) -> None:
    f = tmp_path / "broken.yaml"
    f.write_text(text)
    with pytest.raises(AlertConfigError) as err:
        load_rules(f)
    assert err.value.path == str(f)
    assert err.value.field.startswith(field), err.value
    assert reason in err.value.reason, err.value


def test_duplicate_rule_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("rules:\n  - name: same\n    min_risk: 5\n")
    (tmp_path / "b.yaml").write_text("rules:\n  - name: same\n    min_risk: 6\n")
    with pytest.raises(AlertConfigError) as err:
        load_rules(tmp_path)
    assert err.value.path.endswith("b.yaml") and "a.yaml" in err.value.reason


def test_missing_secret_is_reported_before_anything_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ALERTS_WEBHOOK_SECRET", raising=False)
    f = tmp_path / "r.yaml"
    f.write_text(
        "channels:\n  hook: {type: webhook, url: 'http://127.0.0.1:1/'}\n"
        "rules:\n  - name: a\n    min_risk: 5\n    channels: [hook]\n"
    )
    rules = load_rules(f)
    with pytest.raises(AlertConfigError) as err:
        rules.build_channels()
    assert err.value.field == "channels.hook"
    assert "ALERTS_WEBHOOK_SECRET is not set" in err.value.reason


@pytest.mark.parametrize(
    ("subject", "field", "reason"),
    [
        ({"phone": "12"}, "subjects.0.phone", "not a valid phone number"),
        ({"email": "nobody"}, "subjects.0.email", "not an e-mail address"),
        ({"phone": "+31612345678", "email": "a@example.org"}, "subjects.0", "exactly one of"),
        ({"fax": "1"}, "subjects.0.fax", "unknown field"),
        ({"keyword": ""}, "subjects.0.keyword", "non-empty"),
    ],
)
def test_broken_watchlist(tmp_path: Path, subject: dict[str, Any], field: str, reason: str) -> None:
    f = tmp_path / "watchlist.yaml"
    f.write_text(yaml.safe_dump({"subjects": [subject]}))
    with pytest.raises(AlertConfigError) as err:
        load_watchlist(f)
    assert (err.value.path, err.value.field) == (str(f), field)
    assert reason in err.value.reason


def test_watchlist_phone_in_any_format_is_normalised() -> None:
    wl = parse_watchlist(
        {"subjects": [{"phone": "+31 (0)6-12 34 56 78"}, {"phone": "0031612345678"}]}
    )
    assert [s.value for s in wl.subjects] == ["+31612345678", "+31612345678"]


def test_cli_check_reports_file_field_reason(tmp_path: Path) -> None:
    bad = tmp_path / "rules"
    bad.mkdir()
    (bad / "x.yaml").write_text("rules:\n  - name: a\n    indicators: [movment]\n")
    proc = subprocess.run(
        [sys.executable, "-m", "crawler", "alerts", "check", "--rules", str(bad)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 2
    assert (
        f"{bad / 'x.yaml'}: rules.0.indicators.any: unknown indicator id 'movment'" in proc.stderr
    )


def test_shipped_example_rules_and_watchlist_load() -> None:
    root = Path(__file__).resolve().parents[2]
    rules = load_rules(root / "rules")
    assert len(rules.active) >= 5
    assert len(load_watchlist(root / "watchlist.yaml")) >= 5
