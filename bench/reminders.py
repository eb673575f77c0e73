"""The reminder scan (beat task ``reminders.send_due``) with 1,000,000 deadlines of which 1,000 are due.

Data as the app keeps it: 1,000 organizations with one owner each (time zones across the US),
100 cases per organization, 10 PENDING deadlines per case, and for every deadline its four
reminder rows (offsets 7, 3, 1 and 0 days; in-app channel, SMTP is not configured) as
``deadlines.service.schedule_reminders`` writes them - 4,000,000 rows. For 1,000 deadlines due
tomorrow the 7- and 3-day reminders are already SENT and the 1-day one became due within the
last hour; every other row is in the future.

The task runs in-process in a worker-like process (the app's Celery task object, called
directly), back to back until nothing is due; the figure is the total time to deliver the 1,000.

Growth (issue 15 part 6): the same scan at 100,000, 1,000,000 and 10,000,000 deadlines (100, 1,000
and 10,000 organizations; 400,000 to 40,000,000 reminder rows), the data grown in place between
scans (``generate_series``, indexes dropped and rebuilt around each load, ``VACUUM ANALYZE``), with
1,000 newly due deadlines at each size.
"""
from __future__ import annotations

import time

from bench import bulk
from bench.report import Figure, not_measurable, reference, under

ZONES = "ARRAY['America/New_York','America/Chicago','America/Denver','America/Los_Angeles','America/Phoenix']"


def seed(stack, n_orgs: int, cases_per_org: int, deadlines_per_case: int, due: int) -> dict:
    t0 = time.time()
    n_deadlines = n_orgs * cases_per_org * deadlines_per_case
    every = max(1, n_deadlines // due)
    conn = stack.connect()
    with conn.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '256MB'")
        cur.execute("""CREATE TEMP TABLE b_orgs AS SELECT i, gen_random_uuid() AS user_id, gen_random_uuid() AS org_id
                       FROM generate_series(0, %s - 1) AS i""", (n_orgs,))
        cur.execute(f"""INSERT INTO users (id, email, password_hash, name, user_type, timezone, is_active,
                                           created_at, updated_at)
                        SELECT user_id, 'reminders-' || i || '-' || left(user_id::text, 8) || '@example.test', 'x',
                               'Reminder User ' || i, 'ATTORNEY', ({ZONES})[1 + i % 5], true, now(), now()
                        FROM b_orgs""")
        cur.execute("""INSERT INTO organizations (id, name, personal, allow_external_ai, created_at, updated_at)
                       SELECT org_id, 'Reminder firm ' || i, false, false, now(), now() FROM b_orgs""")
        cur.execute("""INSERT INTO memberships (id, user_id, organization_id, role, created_at, updated_at)
                       SELECT gen_random_uuid(), user_id, org_id, 'OWNER', now(), now() FROM b_orgs""")
        cur.execute("""CREATE TEMP TABLE b_cases AS
                       SELECT o.user_id, o.org_id, gen_random_uuid() AS case_id, o.i * %s + c AS n
                       FROM b_orgs o CROSS JOIN generate_series(0, %s - 1) AS c""", (cases_per_org, cases_per_org))
        cur.execute("""INSERT INTO cases (id, organization_id, created_by_id, title, case_type, court_type,
                                          jurisdiction, status, created_at, updated_at)
                       SELECT case_id, org_id, user_id, 'Reminder case ' || n, 'CIVIL_LITIGATION', 'STATE_TRIAL',
                              'US-WV', 'OPEN', now(), now() FROM b_cases""")
        # 1,000,000 deadlines and 4,000,000 reminder rows: loaded without their indexes, which are rebuilt.
        with bulk.without_indexes(cur, ["deadlines", "reminder_deliveries"]):
            cur.execute("""CREATE TEMP TABLE b_deadlines AS
                           SELECT gen_random_uuid() AS id, c.case_id, c.org_id, c.user_id,
                                  (c.n * %(per)s + k) AS n, ((c.n * %(per)s + k) %% %(every)s = 0) AS due
                           FROM b_cases c CROSS JOIN generate_series(0, %(per)s - 1) AS k""",
                        {"per": deadlines_per_case, "every": every})
            cur.execute("""ALTER TABLE b_deadlines ADD COLUMN due_date date""")
            cur.execute("""UPDATE b_deadlines SET due_date = CASE WHEN due THEN current_date + 1
                                                              ELSE current_date + 8 + (n % 720) END""")
            cur.execute("""INSERT INTO deadlines (id, organization_id, case_id, created_by_id, title, due_date, status,
                                                  rule, reminders, created_at, updated_at)
                           SELECT id, org_id, case_id, user_id, 'Answer due ' || n, due_date, 'PENDING',
                                  'W. Va. R. Civ. P. 12(a)', '[7, 3, 1, 0]', now(), now() FROM b_deadlines""")
            cur.execute("""INSERT INTO reminder_deliveries (id, deadline_id, user_id, organization_id, offset_days, channel,
                                                            due_at, status, sent_at, attempts)
                           SELECT gen_random_uuid(), d.id, d.user_id, d.org_id, o.off, 'inapp',
                                  CASE WHEN d.due AND o.off = 1 THEN now() - (d.n % 3600) * interval '1 second'
                                       ELSE ((d.due_date - o.off)::timestamp + time '13:00') AT TIME ZONE 'UTC' END,
                                  CASE WHEN d.due AND o.off IN (7, 3) THEN 'SENT' ELSE 'PENDING' END,
                                  CASE WHEN d.due AND o.off IN (7, 3) THEN now() - o.off * interval '1 day' END,
                                  CASE WHEN d.due AND o.off IN (7, 3) THEN 1 ELSE 0 END
                           FROM b_deadlines d CROSS JOIN (VALUES (7), (3), (1), (0)) AS o(off)""")
        for table in ("users", "organizations", "memberships", "cases", "deadlines", "reminder_deliveries"):
            cur.execute(f"VACUUM ANALYZE {table}")
        cur.execute("SELECT count(*) FROM reminder_deliveries WHERE status = 'PENDING' AND due_at <= now()")
        due_now = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM deadlines")
        total_deadlines = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM reminder_deliveries")
        rows = cur.fetchone()[0]
    conn.close()
    return {"deadlines": total_deadlines, "reminder_rows": rows, "due": due_now, "seconds": round(time.time() - t0, 1)}


STEPS = (("reminders_growth_100k", 100), ("reminders_scan", 1_000), ("reminders_growth_10m", 10_000))  # organizations


def label(n_deadlines: int, due: int) -> str:
    return f"reminder scan: {n_deadlines:,} deadlines, {due:,} due"


def keys() -> list[tuple[str, str, str, str]]:
    return [("reminders_growth_100k", label(100_000, 1_000), "s", "reference (no goal)"),
            ("reminders_scan", label(1_000_000, 1_000), "s", "< 1 s"),
            ("reminders_growth_10m", label(10_000_000, 1_000), "s", "reference (no goal)")]


def scan(stack, seeded: dict, log=print) -> tuple[float, dict, str] | None:
    """Run the beat task until nothing is due: (seconds to deliver the due ones, details, notes)."""
    res = stack.app_task("reminder_scan", max_scans=20, profile=False)
    if "missing" in res:
        return None
    scans = res["scans"]
    working = [s for s in scans if s["result"]]
    total = sum(s["seconds"] for s in working)
    delivered = sum(s["result"].get("sent", 0) for s in working)
    for s in scans:
        log(f"    scan: {s['seconds']:.3f}s {s['result']} ({s['statements']} SQL statements)")
    stmts = sum(s["statements"] for s in working)
    for row in res.get("sql_by_time", [])[:5]:
        log(f"    {row['count']:>6} x {row['ms']:>8.1f} ms  {row['sql'][:90]}")
    notes = (f"{len(working)} scan(s) back to back to deliver {delivered:,}"
             + (" (one scan stops at its per-run limit; beat runs one every 120 s)" if len(working) > 1 else "")
             + f"; {stmts / max(delivered, 1):.1f} SQL statements and {res.get('commits', 0) / max(delivered, 1):.1f} "
               "commits per reminder")
    if delivered < seeded["due"]:
        notes += f"; only {delivered} of {seeded['due']} delivered"
    details = {"seed": seeded, "scans": scans, "delivered": delivered, "due": seeded["due"],
               "commits": res.get("commits"), "sql_by_time": res.get("sql_by_time"),
               "first_scan_seconds": working[0]["seconds"] if working else None}
    return round(total, 3), details, notes


def run(stack, quick: bool, workdir, log=print) -> list[Figure]:
    """Growth: the same data made 10x and 100x larger (organizations added; 1,000 new deadlines due each
    time, the ones before already delivered), a scan after each step. The 1,000,000-deadline scan is
    the goal's figure; each figure shows the 100,000-deadline scan beside it."""
    cases_per_org, per_case = (5, 10) if quick else (100, 10)
    due = 30 if quick else 1_000
    out, first, orgs = [], None, 0
    for key, n_orgs in STEPS:
        if quick:
            n_orgs //= 50
        total = n_orgs * cases_per_org * per_case
        name = label(total, due)
        seeded = seed(stack, n_orgs - orgs, cases_per_org, per_case, due)
        orgs = n_orgs
        log(f"  seeded {seeded}")
        measured = scan(stack, seeded, log)
        if measured is None:
            return [not_measurable(k, f, u, g, "not measurable yet: no task named reminders.send_due")
                    for k, f, u, g in keys()]
        seconds, details, notes = measured
        base = ("-", None) if first is None else (f"same scan at {first[1]:,} deadlines", first[0])
        if key == "reminders_scan":
            fig = under(key, name, seconds, "s", 1.0, baseline=base[0], baseline_value=base[1], notes=notes,
                        details=details)
            fig.met = fig.met and details["delivered"] >= seeded["due"]
        else:
            fig = reference(key, name, seconds, "s", base[0], base[1], notes, details)
        first = first or (seconds, total)
        out.append(fig)
    return out
