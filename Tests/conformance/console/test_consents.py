"""Consent ledger, withdrawal and GPC/DNT honoured server-side (issue 4, second slice)."""
from __future__ import annotations

import pytest
import requests

from console_support import form_values


def consent_state(acct, purpose: str) -> str:
    page = acct.client.page("/account/consents")
    assert page.status == 200, page.describe()
    return page.by_id(f"consent-{purpose}").text().strip()


def check(acct, purpose: str, category: str, **headers) -> dict:
    r = acct.client.get(acct.client.url(f"/account/consents/check?purpose={purpose}&category={category}"),
                        headers=headers, timeout=30)
    assert r.status_code == 200, r.text[:300]
    return r.json()


def choose(acct, purpose: str, choice: str, confirm: bool = False, **headers):
    page = acct.client.page("/account/consents", headers=headers)
    fields = {"purpose": purpose, "choice": choice, "csrf": page.doc.csrf}
    if confirm:
        fields["confirm_over_signal"] = "1"
    return acct.client.post_form("/account/consents", fields, csrf=False, headers=headers)


def history(acct) -> list[list[str]]:
    return acct.client.page("/account/consents").by_id("consent-history").rows()


# promise: MB-15
def test_withdrawing_consent_stops_the_processing_at_once(new_account):
    acct = new_account()
    assert consent_state(acct, "marketing") == "not asked"
    assert check(acct, "marketing", "user.contact.email")["allowed"] is False

    page = choose(acct, "marketing", "give")
    assert page.status == 200 and page.flash and page.flash[0] == "notice", page.describe()
    assert consent_state(acct, "marketing") == "given"
    assert check(acct, "marketing", "user.contact.email") == {"allowed": True}

    page = choose(acct, "marketing", "withdraw")  # one click, like giving
    assert page.status == 200, page.describe()
    assert consent_state(acct, "marketing") == "withdrawn"
    refused = check(acct, "marketing", "user.contact.email")
    assert refused["allowed"] is False and "consent" in refused["reason"]
    rows = [r for r in history(acct) if len(r) >= 5 and r[1] == "marketing"]
    assert [r[2] for r in rows][:2] == ["withdrawn", "given"], rows
    assert all(r[3] == "form" and r[4] for r in rows[:2]), rows


# promise: MB-1
def test_a_category_is_used_only_for_the_purposes_declared_for_it(new_account):
    acct = new_account()
    choose(acct, "marketing", "give")
    assert check(acct, "marketing", "user.contact.email")["allowed"] is True
    refused = check(acct, "marketing", "user.authorization.password")
    assert refused["allowed"] is False and "does not list" in refused["reason"], refused
    assert check(acct, "selling", "user.contact.email")["allowed"] is False


# promise: MS-9
def test_gpc_is_honoured_recorded_and_published(server, new_account):
    gpc = requests.get(server.base_url + "/.well-known/gpc.json", timeout=30)
    assert gpc.status_code == 200 and gpc.json()["gpc"] is True and gpc.json()["lastUpdate"]

    acct = new_account()
    choose(acct, "analytics", "give")
    assert consent_state(acct, "analytics") == "given"

    page = acct.client.page("/account", headers={"Sec-GPC": "1"})
    assert page.status == 200
    # Every cookie the server set is a required one.
    assert set(acct.client.cookies.keys()) <= {"steward_session", "steward_csrf"}, acct.client.cookies.keys()
    quiet = acct.client.page("/account/consents")
    assert not quiet.has("signal-applied"), "no signal was sent: " + quiet.describe()
    consents = acct.client.page("/account/consents", headers={"Sec-GPC": "1"})
    assert consents.has("signal-applied"), consents.describe()
    assert consents.by_id("consent-analytics").text().strip() == "withdrawn"
    assert consents.by_id("consent-marketing").text().strip() == "refused"
    rows = consents.by_id("consent-history").rows()
    assert any(r[1] == "analytics" and r[2] == "withdrawn" and r[3] == "gpc" for r in rows if len(r) >= 4), rows
    assert check(acct, "analytics", "user.behavior", **{"Sec-GPC": "1"})["allowed"] is False

    # Opting in over the signal must be confirmed, and is recorded as such.
    unconfirmed = choose(acct, "marketing", "give", **{"Sec-GPC": "1"})
    assert unconfirmed.status == 409 and "Global Privacy Control" in unconfirmed.flash_text, unconfirmed.describe()
    assert consent_state(acct, "marketing") == "refused"
    confirmed = choose(acct, "marketing", "give", confirm=True, **{"Sec-GPC": "1"})
    assert confirmed.status == 200, confirmed.describe()
    assert consent_state(acct, "marketing") == "given"
    assert history(acct)[0][3] == "form-over-signal"
    assert check(acct, "marketing", "user.contact.email", **{"Sec-GPC": "1"})["allowed"] is True


# promise: MS-9
def test_dnt_switches_optional_purposes_off_too(new_account):
    acct = new_account()
    acct.client.page("/account", headers={"DNT": "1"})
    rows = history(acct)
    assert {r[1] for r in rows if len(r) >= 4 and r[3] == "dnt"} == {"analytics", "marketing"}, rows
