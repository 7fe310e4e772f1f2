"""End to end: a real server, the viewer page in headless Chromium, highlighted spans."""
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
TEXT = ("استقبل رئيس أركان الجيش الليبي في طرابلس، الفريق صلاح الدين النمروش، نائب قائد القيادة العسكرية "
        "الأميركية في إفريقيا (أفريكوم)، الجنرال جون دبليو برينان.")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def server(tiny_run):
    port = free_port()
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    env.pop("MILITARY_NER_API_KEY", None)
    proc = subprocess.Popen([sys.executable, "-m", "military_ner.cli", "serve", "--model", str(tiny_run),
                             "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if json.load(urllib.request.urlopen(url + "/health", timeout=1))["status"] == "ok":
                break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("server did not come up: " + proc.stderr.read().decode()[-2000:])
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (.ci/run installs it)")
def test_viewer_highlights_the_entities_the_api_returns(server, root, tmp_path):
    from playwright.sync_api import sync_playwright
    req = urllib.request.Request(server + "/v1/entities", data=json.dumps({"text": TEXT}).encode(),
                                 headers={"Content-Type": "application/json"})
    api = json.load(urllib.request.urlopen(req, timeout=30))["entities"]
    assert api
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1100, "height": 700})
        page.goto(server + "/")
        assert page.locator("html").get_attribute("dir") == "rtl"
        page.fill("#text", TEXT)
        page.click("#go")
        page.wait_for_selector("#result .ent", timeout=30_000)
        shown = page.eval_on_selector_all("#result .ent", "els => els.map(e => [e.textContent, e.dataset.label, e.title])")
        assert [(t, l) for t, l, _ in shown] == [(e["text"], e["label"]) for e in api]
        assert all(title.startswith(label) for _, label, title in shown)
        assert page.eval_on_selector("#result", "el => el.textContent") == TEXT
        # the screenshot in eval/ is refreshed only on request, so running the tests leaves the tree clean
        out = root / "eval" / "viewer.png" if os.environ.get("UPDATE_SCREENSHOT") else tmp_path / "viewer.png"
        page.screenshot(path=str(out), full_page=True)
        browser.close()
