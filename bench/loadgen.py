"""HTTP load with wrk (closed loop: N connections each sending the next request when the last answered)."""
from __future__ import annotations

import re
import subprocess

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not m:
        raise ValueError(f"cannot read wrk latency {text!r}")
    return float(m.group(1)) * _UNITS[m.group(2)]


def wrk(url: str, *, connections: int, seconds: float, threads: int = 2, headers: dict | None = None,
        timeout_s: int = 10) -> dict:
    """Run wrk --latency; requests/s, latency percentiles (ms), errors and the exact command."""
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, int(round(seconds)))}s", "--latency",
           f"--timeout={timeout_s}s"]
    for k, v in (headers or {}).items():
        cmd += ["-H", f"{k}: {v}"]
    cmd.append(url)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    text = out.stdout
    if out.returncode != 0 or "Requests/sec" not in text:
        raise RuntimeError(f"wrk failed: {out.stdout[-1500:]} {out.stderr[-1500:]}")
    res = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
           "requests": int(re.search(r"(\d+) requests in", text).group(1))}
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+(\S+)", text, re.M)
        res[f"p{pct}_ms"] = round(_ms(m.group(1)), 2) if m else None
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    res["non_2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    res["socket_errors"] = sum(int(x) for x in m.groups()) if m else 0
    shown = [c if not c.startswith("Authorization:") else "Authorization: Bearer $TOKEN" for c in cmd]
    res["command"] = " ".join(f"'{c}'" if " " in c else c for c in shown)
    return res
