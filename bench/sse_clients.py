"""Many server-sent-event clients in one process: ``python -m bench.sse_clients`` (arguments as JSON on stdin).

Each client is a raw asyncio connection (no client library overhead) that reads the stream line by
line and stamps every ``data:`` line with time.time() the moment it is read. Prints ``READY`` once
every client has its first event (the snapshot), then the receive times as one JSON line when every
client has seen the job's final state (or at the timeout).
"""
from __future__ import annotations

import asyncio
import json
import sys
import time

FINAL = ("SUCCEEDED", "FAILED", "CANCELLED")


async def client(i: int, args: dict, connected: asyncio.Event, counter: dict, received: dict, done: dict):
    reader, writer = await asyncio.open_connection(args["host"], args["port"], limit=1 << 20)
    writer.write((f"GET {args['path']} HTTP/1.1\r\nHost: {args['host']}\r\nAuthorization: Bearer {args['token']}\r\n"
                  "Accept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n").encode())
    await writer.drain()
    status = await reader.readline()
    if b" 200 " not in status:
        raise RuntimeError(f"client {i}: {status!r}")
    first = True
    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            if not line.startswith(b"data: "):
                continue
            now = time.time()
            data = json.loads(line[6:])
            if first:
                first = False
                counter["n"] += 1
                if counter["n"] == args["clients"]:
                    connected.set()
                continue
            if "status" not in data or "progress" not in data:
                continue
            key = "final" if data["status"] in FINAL else str(data["progress"])
            received.setdefault(key, []).append(now)
            if key == "final":
                done["n"] += 1
                if done["n"] == args["clients"]:
                    done["event"].set()
                break
    finally:
        writer.close()


async def main_async(args: dict):
    connected = asyncio.Event()
    counter, received = {"n": 0}, {}
    done = {"n": 0, "event": asyncio.Event()}
    t0 = time.time()
    tasks = []
    for i in range(args["clients"]):
        tasks.append(asyncio.create_task(client(i, args, connected, counter, received, done)))
        if i % 20 == 19:
            await asyncio.sleep(0.05)  # a ramp, not a SYN flood
    await asyncio.wait_for(connected.wait(), timeout=args.get("connect_timeout", 120))
    connect_s = time.time() - t0
    print("READY", flush=True)
    try:
        await asyncio.wait_for(done["event"].wait(), timeout=args.get("timeout", 300))
    except asyncio.TimeoutError:
        pass
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    print(json.dumps({"received": received, "connect_seconds": connect_s, "finished": done["n"]}), flush=True)


def main():
    args = json.loads(sys.stdin.readline())
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
