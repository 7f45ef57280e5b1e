"""Public statistics (issue 14, promise HA-7): `/stats` and `/stats.json` publish the declaration's categories
(the bundled one: user.sensor.energy) per key and UTC day, only for groups of at least 10 distinct devices; a
smaller group is suppressed for good, key name included. Publication runs at server start and hourly (job
`public-statistics`) and on demand (`steward statistics publish`). Screenshots of /stats go to
$STEWARD_TEST_OUTPUT/screenshots/stats-NN-<step>.png."""
from __future__ import annotations

import pytest
import requests

from browser_support import Shots, chrome, loaded, no_sideways_scroll, submit, wait_for
from steward_harness import Tenant, now_ms, unique, wait_until

DAY = 86_400_000
WIDTHS = {"desktop": (1280, 1000), "phone": (390, 844)}
LONELY = "energyLonely"  # one device: must never appear
SHARED = "powerShared"   # ten devices in two tenants: appears


def yesterday() -> tuple[int, str]:
    """Midday of yesterday (UTC) in ms, and its date."""
    import datetime
    start = (now_ms() // DAY - 1) * DAY
    return start + DAY // 2, datetime.datetime.fromtimestamp(start / 1000, datetime.timezone.utc).strftime("%Y-%m-%d")


def post(server, token: str, ts: int, values: dict) -> None:
    r = requests.post(f"{server.base_url}/api/v1/{token}/telemetry", json={"ts": ts, "values": values}, timeout=30)
    assert r.status_code == 200, (r.status_code, r.text)


def stats_json(server) -> dict:
    r = requests.get(f"{server.base_url}/stats.json", timeout=30)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json"), (r.status_code, r.text)
    return r.json()


def stats_page(server) -> str:
    r = requests.get(f"{server.base_url}/stats", timeout=30)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), (r.status_code, r.text[:300])
    return r.text


@pytest.fixture(scope="module")
def browser():
    driver = chrome("stats-")
    yield driver
    driver.quit()


def look(driver, shot, name: str, scroll_to: str | None = None) -> None:
    """Screenshots the current page at both widths (scrolled to `scroll_to` if given) and checks nothing overflows
    sideways."""
    for label, (width, height) in WIDTHS.items():
        driver.set_window_size(width, height)
        loaded(driver)
        if scroll_to:
            driver.execute_script("document.querySelector(arguments[0]).scrollIntoView()", scroll_to)
        shot(f"{name}-{label}")
        scroll, inner = no_sideways_scroll(driver)
        assert scroll <= inner, f"{name} scrolls sideways at {label} width: {scroll} > {inner}"
    driver.set_window_size(*WIDTHS["desktop"])


# promise: HA-7
def test_a_group_of_one_device_never_appears_and_ten_devices_do(server, browser):
    ts, day = yesterday()
    shot = Shots(browser, "stats-")
    # Before anything is published: the page says why it is empty; the JSON says what would be published.
    assert "Nothing published yet: a day is published once it is over and only groups of at least 10 devices" in stats_page(server)
    empty = stats_json(server)
    assert empty["statistics"] == [] and empty["minimumGroupSize"] == 10, empty
    assert empty["published"] == [{"category": "user.sensor.energy", "name": "Energy use", "per": "day"}], empty
    browser.get(f"{server.base_url}/stats")
    submit(browser, wait_for(browser, "#cookie-banner form"))  # "Reject all", so the page itself is in view
    wait_for(browser, "#stats-empty")
    look(browser, shot, "empty")

    solo = Tenant(server).device(unique("solo-meter"))
    for i, value in enumerate((100, 200, 300)):
        post(server, solo["accessToken"], ts + i, {LONELY: value})
    tenants = [Tenant(server), Tenant(server)]
    for i in range(10):
        device = tenants[i % 2].device(unique("meter"))
        post(server, device["accessToken"], ts + i, {SHARED: 10})
        post(server, device["accessToken"], ts + 1_000 + i, {SHARED: 20.5})
    # Today's readings wait until today is over.
    post(server, solo["accessToken"], now_ms(), {SHARED: 99})

    # The job runs at start: restart, and wait for yesterday's release.
    server.restart()
    wait_until(lambda: stats_json(server)["statistics"], timeout=30)
    published = stats_json(server)
    assert published["statistics"] == [{
        "day": day, "category": "user.sensor.energy", "key": SHARED, "devices": 10, "readings": 20,
        "total": 305, "average": 15.25}], published
    assert LONELY not in requests.get(f"{server.base_url}/stats.json", timeout=30).text
    page = stats_page(server)
    assert LONELY not in page and f'data-key="{SHARED}"' in page, page
    assert "at least <strong>10 different devices</strong>" in page
    # The small group is kept as a release without figures, so it can never appear later.
    rows = server.db_sql("SELECT devices, readings, total, average FROM published_statistic WHERE key = ?", (LONELY,))
    assert rows == [(None, None, None, None)], rows

    browser.get(f"{server.base_url}/stats")
    wait_for(browser, f"tr[data-key='{SHARED}']")
    look(browser, shot, "published")
    look(browser, shot, "published-table", scroll_to="table.stats")
    policy = requests.get(f"{server.base_url}/privacy", timeout=30).text
    assert 'id="public-statistics"' in policy and '<a href="/stats">/stats</a>' in policy
    assert "at least 10 different devices" in policy
    browser.get(f"{server.base_url}/privacy#public-statistics")
    wait_for(browser, "#public-statistics a[href='/stats']")
    look(browser, shot, "policy-section", scroll_to="#public-statistics")


# promise: HA-7
def test_a_released_day_is_frozen_even_when_the_small_group_grows(server):
    ts, _ = yesterday()
    tenant = Tenant(server)
    for i in range(10):
        post(server, tenant.device(unique("late-meter"))["accessToken"], ts + 5_000 + i, {LONELY: 1})
    run = server.cli("statistics", "publish")
    assert run == {"days": [], "published": 0, "suppressed": 0}, run
    text = requests.get(f"{server.base_url}/stats.json", timeout=30).text
    assert LONELY not in text and LONELY not in stats_page(server)
    shown = server.cli("statistics", "show")
    assert [row["key"] for row in shown["statistics"]] == [SHARED], shown

