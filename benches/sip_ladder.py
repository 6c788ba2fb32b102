#!/usr/bin/env python3
"""The rate ladder of benches/sip-bench.sh (issue 19): REGISTER and call steps at rising
rates, each step run against both servers one after the other (who goes first alternates),
the whole ladder repeated. For each step and server: the rate achieved, failures,
retransmissions, the p99 of the response time (REGISTER: first request to its 200; call:
first INVITE to its 200; sipp records whole milliseconds, and every 100th operation's
batch, so up to 99 of a step's last operations are not in it), server CPU per operation, and datagrams the server's socket
dropped. Then the highest rate each server sustained in every repetition: under 0.1 %
failed, and at least 95 % of the rate asked achieved.

Started by sip-bench.sh, which starts both servers and writes the injection files; its
settings come from the environment (see there). Prints "key value" lines and a table.
"""

import csv
import glob
import json
import os
import signal
import subprocess
import sys
import time

WORK = os.environ["WORK"]
SCENARIOS = os.path.abspath(os.environ["SCENARIOS"])
SERVERS = json.loads(os.environ["SERVERS"])  # name -> {"port": N, "pids": [...]}
PARALLEL = int(os.environ.get("PARALLEL", "2"))
STEP_SECS = float(os.environ.get("STEP_SECS", "12"))
REPEATS = int(os.environ.get("REPEATS", "2"))
REG_STEPS = [int(r) for r in os.environ.get("REG_STEPS", "4000 8000 12000 16000 20000").split()]
CALL_STEPS = [int(r) for r in os.environ.get("CALL_STEPS", "1000 2000 3000 4000").split()]
UAS_BASE = int(os.environ["UAS_BASE"])
CLEAN_FAILED = 0.001
# A step is sustained when under CLEAN_FAILED of its operations failed and it ran at this
# share of the rate asked or more (a server that falls behind answers late, not wrongly).
SUSTAINED_RATE = 0.95
HZ = os.sysconf("SC_CLK_TCK")


def cpu_secs(pids):
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / HZ


def udp_drops(port):
    """Datagrams dropped on sockets bound to `port` (the last column of /proc/net/udp)."""
    drops = 0
    want = f":{port:04X}"
    for table in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    cols = line.split()
                    if cols[1].endswith(want):
                        drops += int(cols[-1])
        except FileNotFoundError:
            pass
    return drops


def rss_kb(pids):
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def p99(values):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * 0.99))]


def sustained(r):
    return r["failed_pct"] < CLEAN_FAILED * 100 and r["achieved"] >= SUSTAINED_RATE * r["rate"]


def step(server, kind, rate, run):
    """One step against one server: PARALLEL sipp clients for STEP_SECS at `rate` in all."""
    conf = SERVERS[server]
    scenario, csvs = {
        "register": ("bench_register.xml", "register"),
        "call": ("door_call_answered.xml", "call"),
    }[kind]
    tag = f"{server}-{kind}-{rate}-{run}"
    out_dir = os.path.join(WORK, tag)
    os.makedirs(out_dir)
    per_client = rate / PARALLEL
    count = int(per_client * STEP_SECS)
    # Calls last a fraction of a second (answered, 300 ms, BYE): the cap on calls open at
    # once is far above what the rate asks, so the rate alone sets the pace.
    limit = max(100, int(per_client * 10))
    cpu0, drops0, t0 = cpu_secs(conf["pids"]), udp_drops(conf["port"]), time.monotonic()
    clients = []
    for p in range(PARALLEL):
        clients.append(subprocess.Popen(
            ["sipp", f"127.0.0.1:{conf['port']}", "-sf", os.path.join(SCENARIOS, scenario),
             "-inf", os.path.join(WORK, f"{csvs}-{p}.csv"), "-t", "u1", "-i", "127.0.0.1",
             "-p", "0", "-key", "uas", f"127.0.0.1:{UAS_BASE + p}",
             "-r", f"{per_client:.0f}", "-l", str(limit), "-m", str(count),
             "-nostdin", "-timeout", f"{int(STEP_SECS * 4 + 30)}s", "-max_socket", "2000",
             "-trace_stat", "-stf", os.path.join(out_dir, f"stat-{p}.csv"),
             "-trace_rtt", "-rtt_freq", "100", "-trace_screen"],
            cwd=out_dir, stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(out_dir, f"sipp-{p}.err"), "w")))
    # PERF_STEP=porter-call-2000 (server-kind-rate, every run) or porter-call-2000-1 (that
    # run only, counted from 0) records the step's profile to /tmp/perf-<step>-<run>.data
    # (perf, cpu-clock; the profiler's own cost is counted in the step's CPU).
    perf = None
    if os.environ.get("PERF_STEP") in (tag, f"{server}-{kind}-{rate}"):
        perf = subprocess.Popen(
            ["perf", "record", "-e", "cpu-clock", "-F", "999", "-g",
             "-p", ",".join(str(p) for p in conf["pids"]), "-o", f"/tmp/perf-{tag}.data"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for c in clients:
        c.wait()
    wall = time.monotonic() - t0
    cpu = cpu_secs(conf["pids"]) - cpu0
    if perf:
        perf.send_signal(signal.SIGINT)
        perf.wait()
    drops = udp_drops(conf["port"]) - drops0
    ok = failed = retrans = 0
    for p in range(PARALLEL):
        stat = os.path.join(out_dir, f"stat-{p}.csv")
        if not os.path.exists(stat):
            with open(os.path.join(out_dir, f"sipp-{p}.err")) as err:
                sys.exit(f"sipp {p} of {tag} wrote no statistics: {err.read()[:2000]}")
        rows = list(csv.reader(open(stat), delimiter=";"))
        head, last = rows[0], rows[-1]
        ok += int(last[head.index("SuccessfulCall(C)")])
        failed += int(last[head.index("FailedCall(C)")])
        retrans += int(last[head.index("Retransmissions(C)")])
    times = []
    for path in glob.glob(os.path.join(out_dir, "*_rtt.csv")):
        with open(path) as f:
            for row in csv.reader(f, delimiter=";"):
                try:
                    times.append(float(row[1]))
                except (IndexError, ValueError):
                    pass
    ops = ok + failed
    return {
        "server": server, "kind": kind, "rate": rate, "run": run,
        "achieved": ok / wall if wall > 0 else 0,
        "ops": ops, "failed": failed,
        "failed_pct": 100.0 * failed / ops if ops else 100.0,
        "retrans": retrans, "p99_ms": p99(times),
        "cpu_us_per_op": cpu * 1e6 / ok if ok else float("nan"),
        "ops_per_cpu_sec": ok / cpu if cpu > 0 else 0,
        "drops": drops,
    }


def main():
    results = []
    names = list(SERVERS)
    for run in range(REPEATS):
        for kind, steps in (("register", REG_STEPS), ("call", CALL_STEPS)):
            for i, rate in enumerate(steps):
                order = names if (run + i) % 2 == 0 else names[::-1]
                for server in order:
                    r = step(server, kind, rate, run)
                    results.append(r)
                    print(
                        f"{kind} {rate}/s run {run + 1} {server}: {r['achieved']:.0f}/s, "
                        f"{r['failed']} failed ({r['failed_pct']:.2f} %), {r['retrans']} retrans, "
                        f"p99 {r['p99_ms']:.1f} ms, {r['cpu_us_per_op']:.0f} µs CPU/op "
                        f"({r['ops_per_cpu_sec']:.0f} ops per CPU s), {r['drops']} drops",
                        flush=True)
                    time.sleep(1)
    with open(os.path.join(WORK, "ladder.json"), "w") as f:
        json.dump(results, f)
    print("\n| step | server | sustained runs | achieved/s (median) | failed % (max) | retrans (max) | p99 ms (max) | ops per server CPU s (median) | drops (max) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for kind, steps in (("register", REG_STEPS), ("call", CALL_STEPS)):
        for rate in steps:
            for server in names:
                rs = [r for r in results if r["server"] == server and r["kind"] == kind and r["rate"] == rate]
                clean = sum(1 for r in rs if sustained(r))
                med = lambda k: sorted(r[k] for r in rs)[len(rs) // 2]
                print(f"| {kind} {rate:,}/s | {server} | {clean}/{len(rs)} | {med('achieved'):,.0f} | "
                      f"{max(r['failed_pct'] for r in rs):.2f} | {max(r['retrans'] for r in rs)} | "
                      f"{max(r['p99_ms'] for r in rs):.0f} | {med('ops_per_cpu_sec'):,.0f} | "
                      f"{max(r['drops'] for r in rs)} |")
    for kind, steps in (("register", REG_STEPS), ("call", CALL_STEPS)):
        for server in names:
            clean_rates = [rate for rate in steps if all(
                sustained(r) for r in results
                if r["server"] == server and r["kind"] == kind and r["rate"] == rate)]
            print(f"{server}_{kind}_highest_clean_per_sec {max(clean_rates) if clean_rates else 0}")


if __name__ == "__main__":
    sys.exit(main())
