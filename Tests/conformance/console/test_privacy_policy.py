"""The published policy is rendered from the declaration the platform runs on (issue 4, first slice)."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import requests

from console_support import ConsoleClient, ConsoleServer
from steward_harness import HarnessError, REPO_ROOT

DEFAULT_YAML = (REPO_ROOT / "Sources" / "StewardPrivacy" / "Resources" / "default-privacy.yaml").read_text()

# GDPR Art. 13/14 items and the section of /privacy where each is published.
ART_13_14_SECTIONS = ["controller", "dpo", "purposes", "recipients", "transfers", "retention", "rights",
                      "complaint", "cookies", "signals", "changes", "statutory-requirement", "automated-decisions"]


def render(server, fmt: str) -> str:
    res = subprocess.run([str(server.binary), "policy", "render", "--format", fmt, "--data-dir", str(server.data_dir)],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr
    return res.stdout


# promise: ST-1
def test_published_policy_is_the_rendered_declaration(server):
    as_json = requests.get(server.base_url + "/privacy.json", timeout=30)
    assert as_json.status_code == 200 and as_json.headers["content-type"].startswith("application/json")
    assert json.loads(as_json.text) == json.loads(render(server, "json"))
    as_md = requests.get(server.base_url + "/privacy.md", timeout=30)
    assert as_md.status_code == 200 and as_md.text.strip() == render(server, "md").strip()
    page = requests.get(server.base_url + "/privacy", timeout=30)
    assert page.status_code == 200
    assert render(server, "html").strip() in page.text


# promise: ST-1
def test_privacy_page_has_every_art_13_14_section(server):
    page = requests.get(server.base_url + "/privacy", timeout=30).text
    for section in ART_13_14_SECTIONS:
        assert re.search(rf'id="{section}"', page), f"section #{section} missing from /privacy"
    for right in ["access", "rectification", "erasure", "restriction", "portability", "objection"]:
        assert f'id="right-{right}"' in page, right


def test_an_operators_declaration_replaces_the_default_everywhere(smtp, tmp_path):
    custom = DEFAULT_YAML.replace('version: "2026-11-01"', 'version: "2026-12-01"', 1)
    custom = custom.replace('effectiveDate: "2026-11-01"', 'effectiveDate: "2026-12-01"', 1)
    custom = re.sub(r"changeLog:\n", 'changeLog:\n  - version: "2026-12-01"\n    date: "2026-12-01"\n'
                    '    material: false\n    summary: "Clarified the retention of sign-in records."\n', custom, count=1)
    srv = ConsoleServer("privacy-custom", smtp)
    try:
        (srv.data_dir / "privacy.yaml").write_text(custom)
        srv.start()
        published = requests.get(srv.base_url + "/privacy.json", timeout=30).json()
        assert published["version"] == "2026-12-01"
        # The sign-up form asks to agree to exactly the version the declaration publishes (MS-1).
        c = ConsoleClient(srv.base_url)
        form = c.page("/sign-up").doc.form(action="/sign-up")
        agree = next(f for f in form.fields() if f.attrs.get("name") == "agree_policy")
        assert agree.attrs.get("value") == "2026-12-01"
    finally:
        srv.cleanup()


def test_an_invalid_declaration_stops_start_up_with_its_line(smtp):
    broken = DEFAULT_YAML.replace('version: "2026-11-01"', 'version: "2026-11-01"\nbogusField: 1', 1)
    line = broken.splitlines().index("bogusField: 1") + 1
    srv = ConsoleServer("privacy-invalid", smtp)
    try:
        (srv.data_dir / "privacy.yaml").write_text(broken)
        with pytest.raises(HarnessError) as failure:
            srv.start()
        assert f"{line}:1: bogusField: unknown field" in str(failure.value)
        check = subprocess.run([str(srv.binary), "policy", "check", "--data-dir", str(srv.data_dir)],
                               capture_output=True, text=True, timeout=60)
        assert check.returncode == 1 and f"{line}:1: bogusField" in check.stdout, check.stdout + check.stderr
    finally:
        srv.cleanup()
