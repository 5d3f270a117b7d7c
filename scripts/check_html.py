#!/usr/bin/env python3
"""Load brickkit's HTML pages in headless Chromium over the Chrome DevTools Protocol and
check them (issue 17, item 3): no console error or exception, no network request but the
page's own file:// URL, no horizontal overflow at 375 px, the filter box filters, the
history chart is drawn with the expected number of points.

Usage: check_html.py CHROMIUM PAGE.html[:points=N][:filter=Q] ...
Needs `websocket-client` (scripts/check_html.sh installs it into .venv-html). Talks to
Chromium on loopback only.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import websocket

WIDTH = 375


class Page:
    def __init__(self, ws_url):
        self.ws = websocket.create_connection(ws_url, timeout=120, suppress_origin=True)
        self.next_id = 0
        self.events = []

    def call(self, method, **params):
        self.next_id += 1
        my = self.next_id
        self.ws.send(json.dumps({"id": my, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_for(self, method, timeout=120):
        deadline = time.time() + timeout
        for i, e in enumerate(self.events):
            if e["method"] == method:
                return self.events.pop(i)
        while time.time() < deadline:
            msg = json.loads(self.ws.recv())
            if msg.get("method") == method:
                return msg
            if "method" in msg:
                self.events.append(msg)
        raise TimeoutError(method)

    def js(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expr}: {r['exceptionDetails']}")
        return r["result"].get("value")


def check(page, path, points, query):
    problems = []
    url = path.resolve().as_uri()
    page.events.clear()
    started = time.time()
    page.call("Page.navigate", url=url)
    page.wait_for("Page.loadEventFired")
    load_s = time.time() - started
    page.js("new Promise(r => setTimeout(r, 100))")
    page.call("Runtime.evaluate", expression="0")  # drain pending events
    for e in page.events:
        m, p = e["method"], e["params"]
        if m == "Runtime.consoleAPICalled" and p["type"] in ("error", "assert"):
            problems.append(f"console {p['type']}: {p['args']}")
        elif m == "Runtime.exceptionThrown":
            problems.append(f"exception: {p['exceptionDetails']}")
        elif m == "Log.entryAdded" and p["entry"]["level"] == "error":
            problems.append(f"log error: {p['entry'].get('text')} {p['entry'].get('url', '')}")
        elif m == "Network.requestWillBeSent" and p["request"]["url"] != url:
            problems.append(f"network request: {p['request']['url']}")
    sizes = page.js("[document.documentElement.scrollWidth, window.innerWidth, document.body.scrollWidth]")
    if max(sizes) > WIDTH:
        problems.append(f"horizontal overflow at {WIDTH} px: scrollWidth {sizes[0]}/{sizes[2]}, viewport {sizes[1]}")
    total = page.js("document.querySelectorAll('.f').length")
    if not page.js("!!document.getElementById('filter')"):
        problems.append("no filter box")
    elif total:
        q = json.dumps(query)
        shown = page.js(
            f"(() => {{ const i = document.getElementById('filter'); i.value = {q};"
            " i.dispatchEvent(new Event('input'));"
            " const all = [...document.querySelectorAll('.f')];"
            " const vis = all.filter(e => !e.hidden && e.getClientRects().length > 0);"
            f" const bad = vis.filter(e => !e.textContent.toLowerCase().includes({q}.toLowerCase()));"
            " return [vis.length, bad.length]; })()"
        )
        if shown[1] or shown[0] == 0 or shown[0] >= total:
            problems.append(f"filter {query!r}: {shown[0]} of {total} shown, {shown[1]} not matching")
        page.js("(() => { const i = document.getElementById('filter'); i.value = '';"
                " i.dispatchEvent(new Event('input')); })()")
    drawn = ""
    if points is not None:
        circles = page.js("document.querySelectorAll('svg circle.point').length")
        box = page.js("(() => { const s = document.querySelector('svg'); if (!s) return [0, 0];"
                      " const b = s.getBoundingClientRect(); return [b.width, b.height]; })()")
        lines = page.js("[...document.querySelectorAll('svg polyline.series')]"
                        ".map(p => p.points.numberOfItems)")
        if circles != 3 * points or lines != [points] * 3 or box[0] <= 0 or box[1] <= 0:
            problems.append(f"chart: {circles} points, series {lines}, box {box}; expected {points} per series")
        drawn = f", chart {points} point(s) x 3 series"
    size = path.stat().st_size
    print(f"  {path.name}: {size:,} bytes, loaded in {load_s:.2f}s, {total} filterable rows{drawn}"
          + (": OK" if not problems else ""))
    for p in problems:
        print(f"    FAIL {p}")
    return problems


def main():
    chromium = sys.argv[1]
    pages = []
    for arg in sys.argv[2:]:
        parts = arg.split(":")
        opts = dict(p.split("=", 1) for p in parts[1:])
        pages.append((Path(parts[0]), int(opts["points"]) if "points" in opts else None,
                      opts.get("filter", "")))
    profile = tempfile.mkdtemp(prefix="brickkit-chromium-")
    proc = subprocess.Popen(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--metrics-recording-only",
         "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
         f"--user-data-dir={profile}", f"--window-size={WIDTH},800", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    failures = 0
    try:
        port_file = Path(profile) / "DevToolsActivePort"
        deadline = time.time() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            if time.time() > deadline or proc.poll() is not None:
                sys.exit("error: chromium did not start its DevTools endpoint")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
        target = next(t for t in targets if t["type"] == "page")
        page = Page(target["webSocketDebuggerUrl"])
        for domain in ("Page", "Runtime", "Log", "Network"):
            page.call(f"{domain}.enable")
        page.call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=800,
                  deviceScaleFactor=1, mobile=True)
        for path, points, query in pages:
            failures += len(check(page, path, points, query))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(profile, ignore_errors=True)
    print(f"html: {len(pages)} page(s) checked in Chromium, {failures} problem(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
