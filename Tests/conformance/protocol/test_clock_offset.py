"""`STEWARD_CLOCK_OFFSET_DAYS` moves Steward's clock by whole days, so the retention tests can see what happens to
data in N days without waiting: the server and the CLI record and read times N days ahead, `/api/health` and the
start-up log say so on every start, and a value that is not a whole number of days stops `serve` with one line.
"""
import subprocess
import time

import pytest
import requests

from steward_harness import StewardServer, Tenant, running

DAY_MS = 86_400_000
OFFSET_DAYS = 400


@pytest.fixture(scope="module")
def moved():
    yield from running("clock-offset", env={"STEWARD_CLOCK_OFFSET_DAYS": str(OFFSET_DAYS)})


def test_health_and_the_start_up_log_say_the_clock_is_moved(moved):
    r = requests.get(f"{moved.base_url}/api/health", timeout=10)
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "UP", "clockOffsetDays": OFFSET_DAYS}
    log = moved.log_path.read_text()
    assert f"STEWARD_CLOCK_OFFSET_DAYS={OFFSET_DAYS}" in log and "tests only" in log, moved.log_tail()


def test_an_untimed_reading_is_stamped_with_the_moved_clock(moved):
    device = Tenant(moved).device()
    before = int(time.time() * 1000) + OFFSET_DAYS * DAY_MS
    r = requests.post(f"{moved.base_url}/api/v1/{device['accessToken']}/telemetry", json={"level": 7}, timeout=10)
    assert r.status_code == 200, r.text
    after = int(time.time() * 1000) + OFFSET_DAYS * DAY_MS
    latest = moved.wait_latest(device["id"], ["level"])
    points = latest["level"]
    point = points[0] if isinstance(points, list) else points
    assert point["value"] in (7, "7")
    # The server's time, N days ahead of the real one (the device sent no timestamp).
    assert before - 1_000 <= point["ts"] <= after + 1_000, (before, point, after)


def test_a_plain_server_reports_no_offset():
    for plain in running("clock-plain"):
        r = requests.get(f"{plain.base_url}/api/health", timeout=10)
        assert r.json() == {"status": "UP"}


@pytest.mark.parametrize("value", ["1.5", "tomorrow", "40000", ""])
def test_an_offset_that_is_not_whole_days_stops_serve(value):
    bad = StewardServer("clock-bad", env={"STEWARD_CLOCK_OFFSET_DAYS": value})
    try:
        args = [str(bad.binary), "serve", "--data-dir", str(bad.data_dir), "--host", "127.0.0.1",
                "--http-port", "0", "--mqtt-port", "0"]
        res = subprocess.run(args, capture_output=True, text=True, timeout=60, env=bad.env)
        assert res.returncode == 1, (res.returncode, res.stdout[-2000:], res.stderr[-2000:])
        out = res.stdout + res.stderr
        assert f"STEWARD_CLOCK_OFFSET_DAYS={value} (expected a whole number of days from -36500 to 36500)" in out, out
        assert "Steward is ready" not in out
    finally:
        bad.cleanup()
