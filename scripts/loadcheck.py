"""Load check for `military-ner serve` (a script, not a timed test).

    python scripts/loadcheck.py --model models/offline-bundle --clients 16 --seconds 30

Starts the service on a free loopback port (or uses --url of a running one), then runs N
concurrent clients for a bounded time; each posts real articles (the seed texts) one
request after another. Every request is accounted for: answered 200, answered with an
error, or failed. Writes eval/loadcheck.md and eval/loadcheck.json with requests/s,
p50/p90/p99 latency, the error count and the command. Loopback only, bounded in time.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(model: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    proc = subprocess.Popen([sys.executable, "-m", "military_ner.cli", "serve", "--model", model, "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if json.load(urllib.request.urlopen(url + "/health", timeout=1)).get("status") == "ok":
                return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"the service did not come up within 120 s (model {model})")


def client(url: str, texts: list[str], stop: float, out: list, key: str | None) -> None:
    i = 0
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    while time.time() < stop:
        body = json.dumps({"text": texts[i % len(texts)]}).encode()
        i += 1
        t0 = time.perf_counter()
        try:
            with urllib.request.urlopen(urllib.request.Request(url + "/v1/entities", data=body, headers=headers),
                                        timeout=120) as r:
                json.load(r)
                out.append(("ok", time.perf_counter() - t0))
        except urllib.error.HTTPError as exc:
            out.append((f"http {exc.code}", time.perf_counter() - t0))
        except OSError as exc:
            out.append((f"failed: {type(exc).__name__}", time.perf_counter() - t0))


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="bundle or run directory to serve (started on a free loopback port)")
    ap.add_argument("--url", help="an already running service on loopback instead of --model")
    ap.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    ap.add_argument("--seconds", type=float, default=30, help="how long the clients send (default 30)")
    ap.add_argument("--out", default=str(ROOT / "eval" / "loadcheck"), help="output path without extension")
    args = ap.parse_args()
    if not args.model and not args.url:
        ap.error("give --model or --url")
    if args.url and not args.url.startswith(("http://127.", "http://localhost", "http://[::1]")):
        ap.error("the load check only targets loopback addresses")
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    proc, url = start_server(args.model) if args.model else (None, args.url)
    try:
        results: list = []
        stop = time.time() + args.seconds
        t0 = time.time()
        threads = [threading.Thread(target=client, args=(url, texts, stop, results, os.environ.get("MILITARY_NER_API_KEY")))
                   for _ in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.time() - t0
    finally:
        if proc:
            proc.terminate()
            proc.wait(10)
    ok = [s for status, s in results if status == "ok"]
    errors: dict[str, int] = {}
    for status, _ in results:
        if status != "ok":
            errors[status] = errors.get(status, 0) + 1
    report = {"command": " ".join(["python"] + sys.argv), "model": args.model or args.url, "clients": args.clients,
              "seconds": round(wall, 1), "requests": len(results), "ok": len(ok), "errors": errors,
              "requests_per_second": round(len(ok) / wall, 2),
              "latency_ms": {q: round(1000 * pct(ok, q), 1) for q in (50, 90, 99)},
              "mean_chars_per_request": round(statistics.mean(len(t) for t in texts)),
              "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    lat = report["latency_ms"]
    out.with_suffix(".md").write_text("\n".join([
        "# Load check", "", "Produced by:", "", f"    {report['command']}", "",
        f"{args.clients} concurrent clients on loopback for {report['seconds']} s, each posting one seed article "
        f"(~{report['mean_chars_per_request']} characters) per request; machine: {report['machine']}.", "",
        "| requests | ok | errors | requests/s | p50 ms | p90 ms | p99 ms |", "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {len(results)} | {len(ok)} | {sum(errors.values())} | {report['requests_per_second']} | {lat[50]} | {lat[90]} | {lat[99]} |",
        "", f"Errors by kind: {errors or 'none'}.", ""]), encoding="utf-8")
    print(f"{len(ok)}/{len(results)} ok, {report['requests_per_second']} req/s, p50 {lat[50]} ms, p99 {lat[99]} ms, "
          f"errors {errors or 0}; wrote {out}.md and .json")
    if errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
