#!/usr/bin/env python3
"""1,000 concurrent streaming webchat sessions against a running host (release build).

Opens N connections at once, each POST /chat {"message", "stream": true} as a new session, and
records the time from sending the request to its first `token` event and to `done`. Samples the
host's resident memory (VmRSS of --pid) every 5 ms. Prints a JSON summary.

    python3 Benchmarks/Webchat/stream_sessions.py --port 8080 --key sb_widget_… --pid 1234 --sessions 1000
"""
import argparse
import asyncio
import json
import time


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


async def session(port, key, number, start_gate, results):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    body = json.dumps({"message": f"Hello number {number}", "stream": True}).encode()
    request = (f"POST /chat?key={key} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body
    await start_gate.wait()
    sent = time.perf_counter()
    writer.write(request)
    await writer.drain()
    first = None
    buffer = b""
    while True:
        chunk = await reader.read(65536)
        if not chunk:
            break
        buffer += chunk
        if first is None and b"event: token" in buffer:
            first = time.perf_counter()
        if b"event: done" in buffer or b"event: error" in buffer:
            break
    done = time.perf_counter()
    writer.close()
    results.append({"ttft": (first - sent) if first else None, "total": done - sent,
                    "ok": b"event: done" in buffer, "status": buffer[:15].decode(errors="replace")})


async def sample(pid, stop, peaks):
    while not stop.is_set():
        peaks.append(rss_kib(pid))
        await asyncio.sleep(0.005)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--sessions", type=int, default=1000)
    args = parser.parse_args()

    before = rss_kib(args.pid)
    gate, stop, results, peaks = asyncio.Event(), asyncio.Event(), [], []
    tasks = [asyncio.create_task(session(args.port, args.key, n, gate, results)) for n in range(args.sessions)]
    await asyncio.sleep(1.0)  # every connection open and waiting
    connected = rss_kib(args.pid)
    sampler = asyncio.create_task(sample(args.pid, stop, peaks))
    wall = time.perf_counter()
    gate.set()
    await asyncio.gather(*tasks)
    wall = time.perf_counter() - wall
    stop.set()
    await sampler
    after = rss_kib(args.pid)
    ttfts = [r["ttft"] * 1000 for r in results if r["ttft"] is not None]
    totals = [r["total"] * 1000 for r in results]
    peak = max(peaks + [connected])
    print(json.dumps({
        "sessions": args.sessions, "completed": sum(r["ok"] for r in results),
        "wall_s": round(wall, 3),
        "ttft_ms": {"p50": round(percentile(ttfts, 50), 1), "p90": round(percentile(ttfts, 90), 1),
                    "p99": round(percentile(ttfts, 99), 1), "max": round(max(ttfts), 1)} if ttfts else None,
        "done_ms": {"p50": round(percentile(totals, 50), 1), "p99": round(percentile(totals, 99), 1)},
        "rss_kib": {"before": before, "connected": connected, "peak": peak, "after": after},
        "kib_per_session_peak": round((peak - before) / args.sessions, 1),
        "kib_per_session_retained": round((after - before) / args.sessions, 1),
        "failures": [r["status"] for r in results if not r["ok"]][:5],
    }, indent=2))


asyncio.run(main())
