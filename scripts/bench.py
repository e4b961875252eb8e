#!/usr/bin/env python3
"""The benchmark behind BENCHMARKS.md; run it with `scripts/bench`, which builds the release
binary and the venv first. Every server it starts (moto, the emulator) listens on 127.0.0.1 and
is stopped by it, also on Ctrl-C or an error.

  peer:  one site's full status, whole processes, alternating rounds:
         switchyard (vs moto, and vs the built-in emulator), an awscli sweep of 7 calls,
         one boto3 process making the same 7 calls, process start, each call's own time
  scale: the emulator's generated accounts of 1, 50 and 200 sites with Route 53 throttling on:
         API calls per full refresh per service, its time, throttling errors, ages; then the
         console's poller for a while (benches/scale.rs)
"""
import json
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench_console import sim_banner

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(os.environ.get("BENCH_BIN", ROOT / "target" / "release" / "switchyard"))
VENV = ROOT / ".venv" / "bin"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))
SCALE = [int(n) for n in os.environ.get("BENCH_SITES", "1,50,200").split(",")]
POLLER_SECONDS = int(os.environ.get("BENCH_POLLER_SECONDS", "420"))
# Full rounds of the poller bench: the first (everything read) and the rounds of a console at work.
POLLER_ROUNDS = int(os.environ.get("BENCH_POLLER_ROUNDS", "5"))
PIDFILE = os.environ.get("BENCH_PIDFILE")
WORK = Path(tempfile.mkdtemp(prefix="switchyard-bench-"))

servers = []


def say(msg):
    print(f"\033[1m==> {msg}\033[0m", file=sys.stderr, flush=True)


def stop_servers():
    for p in servers:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    servers.clear()


def on_signal(signum, _frame):
    stop_servers()
    sys.exit(128 + signum)


def start_server(args, env=None, stderr=None):
    p = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=stderr or subprocess.DEVNULL, text=True)
    servers.append(p)
    if PIDFILE:
        with open(PIDFILE, "a") as f:
            f.write(f"{p.pid}\n")
    return p


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


def base_env(extra):
    """The caller's environment without any AWS or proxy setting, plus `extra`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") and not k.lower().endswith("_proxy")}
    home = WORK / "home"
    env.update({
        "HOME": str(home), "XDG_STATE_HOME": str(home / "state"), "XDG_CONFIG_HOME": str(home / "config"),
        "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1", "PATH": f"{VENV}:{os.environ.get('PATH', '')}",
    })
    env.pop("SWITCHYARD_CONFIG", None)
    env.update(extra)
    return env


def timed(args, env, stdin=None):
    t = time.perf_counter()
    out = subprocess.run(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, input=stdin, text=True)
    return time.perf_counter() - t, out


def switchyard(*args):
    return [str(BIN), "--log-file", str(WORK / "switchyard.log"), *args]


SIM_EXPORTS = {}


def start_sim(args, env):
    """`switchyard sim ... --port 0`; returns (process, endpoint). The `export` lines it prints
    (endpoint, keys, its DNS server, the probe's proxy and CA) are kept for `sim_env`."""
    p = start_server(switchyard("sim", "--port", "0", *args), env)
    endpoint, exports = sim_banner(p.stdout)
    SIM_EXPORTS[endpoint] = exports
    return p, endpoint


def sim_env(endpoint):
    """The environment `switchyard sim` told a user to set, on top of `base_env`."""
    return base_env(dict(SIM_EXPORTS.get(endpoint, {}), AWS_ENDPOINT_URL=endpoint))


def control(endpoint, **cmd):
    req = urllib.request.Request(f"{endpoint}/_sim/control", data=json.dumps(cmd).encode(), method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)


def get(endpoint, path):
    with urllib.request.urlopen(f"{endpoint}{path}", timeout=10) as r:
        return json.load(r)


def median(v):
    return statistics.median(v)


def ms(s):
    if s >= 10:
        return f"{s:.1f} s"
    return f"{s * 1000:.0f} ms" if s >= 0.1 else f"{s * 1000:.1f} ms"


# --- peer comparison ---------------------------------------------------------------------------

def status_json(out):
    try:
        return json.loads(out.stdout)
    except ValueError:
        raise RuntimeError(f"switchyard status printed no JSON (exit {out.returncode}): {out.stderr[-2000:]}")


MOTO_LOG = WORK / "moto-requests.log"


def moto_answers(since):
    """The HTTP statuses moto logged after byte `since` of its request log: (completed, failed,
    new offset). Completed is a 2xx answer; anything else did not do the call's work."""
    data = MOTO_LOG.read_bytes() if MOTO_LOG.exists() else b""
    ok = bad = 0
    for line in data[since:].decode(errors="replace").splitlines():
        m = re.search(r'" (\d{3}) ', line)
        if m:
            if m.group(1).startswith("2"):
                ok += 1
            else:
                bad += 1
    return ok, bad, len(data)


def backend_moto():
    port = free_port()
    start_server([str(VENV / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                 stderr=open(MOTO_LOG, "w"))
    wait_port(port)
    env = base_env({"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "testing",
                    "AWS_SECRET_ACCESS_KEY": "testing"})
    seed = subprocess.run([str(VENV / "python"), str(ROOT / "scripts" / "moto_seed.py")], env=env,
                          check=True, stdout=subprocess.PIPE, text=True)
    ids = json.loads(seed.stdout)
    ids["zone_id"] = ids["zone_id"].split("/")[-1]
    ids["alarm_prefix"] = "shop-app"
    config = WORK / "moto.toml"
    config.write_text(f'[defaults]\nregion = "eu-west-1"\n\n[[site]]\nname = "shop"\n'
                      f'zone = "{ids["zone_id"]}"\nrecord = "{ids["record"]}"\n')
    return env, ids, config


def backend_sim():
    env0 = base_env({})
    _, endpoint = start_sim(["--scenario", str(ROOT / "assets/scenarios/alb-cloudfront.toml")], env0)
    env = sim_env(endpoint)
    found = subprocess.run([str(VENV / "python"), str(ROOT / "scripts/bench_sweep.py"), "--discover"], env=env,
                           check=True, stdout=subprocess.PIPE, text=True)
    ids = json.loads(found.stdout)
    ids["alarm_prefix"] = "shop-app"
    return env, ids, ROOT / "assets/configs/alb-cloudfront.toml"


def awscli_script(ids, name):
    path = WORK / f"{name}-ids.json"
    path.write_text(json.dumps(ids))
    lines = subprocess.run([str(VENV / "python"), str(ROOT / "scripts/bench_sweep.py"), str(path), "--awscli"],
                           check=True, stdout=subprocess.PIPE, text=True).stdout.splitlines()
    script = WORK / f"{name}-sweep.sh"
    # A runbook: each call in turn, errors printed, the sweep goes on.
    script.write_text("#!/bin/bash\n" + "".join(f"aws {l} --output json >/dev/null\n" for l in lines))
    return path, script, lines


def peer():
    say("peer comparison: starting moto and the emulator")
    moto_env, moto_ids, moto_cfg = backend_moto()
    sim_env_, sim_ids, sim_cfg = backend_sim()
    moto_ids_path, moto_sweep, sweep_lines = awscli_script(moto_ids, "moto")
    sim_ids_path, sim_sweep, _ = awscli_script(sim_ids, "sim")
    py = str(VENV / "python")
    sweep_py = str(ROOT / "scripts/bench_sweep.py")
    runs = {
        "switchyard status (moto)": (switchyard("status", "--config", str(moto_cfg), "--output", "json", "--site", "shop"), moto_env),
        "awscli sweep (moto)": (["bash", str(moto_sweep)], moto_env),
        "boto3 sweep (moto)": ([py, sweep_py, str(moto_ids_path)], moto_env),
        "switchyard status (emulator)": (switchyard("status", "--config", str(sim_cfg), "--output", "json", "--site", "shop"), sim_env_),
        "awscli sweep (emulator)": (["bash", str(sim_sweep)], sim_env_),
        "boto3 sweep (emulator)": ([py, sweep_py, str(sim_ids_path)], sim_env_),
        "switchyard --version (process start)": (switchyard("--version"), base_env({})),
        "calls timed in one boto3 process (moto)": ([py, sweep_py, str(moto_ids_path), "--timed"], moto_env),
        "calls timed in one boto3 process (emulator)": ([py, sweep_py, str(sim_ids_path), "--timed"], sim_env_),
    }
    # One untimed warm-up of each (page cache, moto's lazy imports), checking the outputs.
    samples = {k: [] for k in runs}
    per_call = {"moto": {}, "emulator": {}}
    notes = {}
    moto_calls = {}
    for name, (args, env) in runs.items():
        _, _, before = moto_answers(0)
        _, out = timed(args, env)
        if "(moto)" in name:
            time.sleep(0.2)  # moto writes its log line after the answer
            ok, bad, _ = moto_answers(before)
            moto_calls[name] = {"completed": ok, "failed": bad}
        if name.startswith("switchyard status"):
            j = status_json(out)
            site = j["sites"][0]
            notes[name] = {"verdict": site["verdict"], "exit_code": out.returncode,
                           "errors": [f'{e.get("what", "")}: {e.get("error", e)}' if isinstance(e, dict) else str(e)
                                      for e in site.get("errors", [])]}
        if name.startswith("awscli"):
            notes[name] = {"stderr": out.stderr.strip().splitlines()[-3:]}
        if name.startswith("calls timed"):
            notes[name] = {"failed": json.loads(out.stdout)["failed"]}
    # How many calls one `status --site` makes, by the emulator's counter.
    endpoint = sim_env_["AWS_ENDPOINT_URL"]
    control(endpoint, action="reset_calls")
    timed(runs["switchyard status (emulator)"][0], sim_env_)
    status_calls = get(endpoint, "/_sim/calls")["calls"]
    say(f"peer comparison: {ROUNDS} alternating rounds of {len(runs)} runs")
    for r in range(ROUNDS):
        for name, (args, env) in runs.items():
            t, out = timed(args, env)
            samples[name].append(t)
            if name.startswith("calls timed"):
                which = "moto" if "moto" in name else "emulator"
                for call, s in json.loads(out.stdout)["seconds"].items():
                    per_call[which].setdefault(call, []).append(s)
        print(f"  round {r + 1}/{ROUNDS}", file=sys.stderr, flush=True)
    return {
        "medians": {k: median(v) for k, v in samples.items()},
        "samples": samples,
        "per_call": {b: {c: median(v) for c, v in calls.items()} for b, calls in per_call.items()},
        "notes": notes,
        "sweep": sweep_lines,
        "status_calls": status_calls,
        "moto_calls": moto_calls,
        "warm": warm(sim_env_, sim_ids_path, sim_cfg),
        "latency": latency(runs, sim_env_),
    }


LATENCY_MS = 80


def set_latency(endpoint, millis):
    control(endpoint, action="clear_faults")
    if millis:
        control(endpoint, action="fault", fault="latency", millis=millis)


def warm(env, ids_path, cfg):
    """switchyard's reads of one site and the boto3 sweep, each warm in its own process
    (clients made before the clock starts), at no added latency and at 80 ms a call."""
    exe = os.environ.get("BENCH_WARM_EXE")
    endpoint = env["AWS_ENDPOINT_URL"]
    out = {}
    for millis in (0, LATENCY_MS):
        set_latency(endpoint, millis)
        rounds = ROUNDS if millis == 0 else max(5, ROUNDS // 3)
        say(f"warm comparison at {millis} ms a call: {rounds} reads each")
        wenv = dict(env, WARM_CONFIG=str(cfg), WARM_SITE="shop", WARM_ROUNDS=str(rounds))
        args = [exe, "--bench"] if exe else ["cargo", "bench", "--locked", "--bench", "warm"]
        control(endpoint, action="reset_calls")
        sy = json.loads(subprocess.run(args, cwd=ROOT, env=wenv, stdout=subprocess.PIPE, text=True,
                                       check=True).stdout.strip().splitlines()[-1])
        sy_calls = sum(get(endpoint, "/_sim/calls")["calls"].values()) / (rounds + 1)
        control(endpoint, action="reset_calls")
        py = json.loads(subprocess.run([str(VENV / "python"), str(ROOT / "scripts/bench_sweep.py"),
                                        str(ids_path), "--warm", str(rounds)], env=env,
                                       stdout=subprocess.PIPE, text=True, check=True).stdout)
        py_calls = sum(get(endpoint, "/_sim/calls")["calls"].values()) / (rounds + 1)
        out[str(millis)] = {"switchyard": sy, "boto3": py, "switchyard_calls": sy_calls,
                            "boto3_calls": py_calls, "rounds": rounds}
    set_latency(endpoint, 0)
    return out


def latency(runs, env):
    """Whole processes at 80 ms a call: `switchyard status --site shop` and the boto3 sweep,
    alternating, plus process start."""
    endpoint = env["AWS_ENDPOINT_URL"]
    set_latency(endpoint, LATENCY_MS)
    names = ["switchyard status (emulator)", "boto3 sweep (emulator)"]
    rounds = max(5, ROUNDS // 3)
    say(f"whole processes at {LATENCY_MS} ms a call: {rounds} alternating rounds")
    samples = {n: [] for n in names}
    verdict = None
    for _ in range(rounds):
        for n in names:
            t, out = timed(*runs[n])
            samples[n].append(t)
            if n.startswith("switchyard"):
                site = status_json(out)["sites"][0]
                verdict = {"verdict": site["verdict"], "exit_code": out.returncode,
                           "errors": len(site.get("errors", []))}
    set_latency(endpoint, 0)
    return {"millis": LATENCY_MS, "medians": {n: median(v) for n, v in samples.items()},
            "samples": samples, "switchyard": verdict}


# --- scale -------------------------------------------------------------------------------------

def scale_config(n, path):
    text = '[defaults]\nregion = "eu-west-1"\n'
    for i in range(n):
        text += f'\n[[site]]\nname = "site{i:03}"\nzone = "Z0GENERATED00"\nrecord = "site{i:03}.example.com"\n'
    path.write_text(text)


def throttled_errors(j):
    n = 0
    for s in j["sites"]:
        for e in s.get("errors", []):
            if "throttl" in json.dumps(e).lower():
                n += 1
    return n


def scale():
    rows = []
    for n in SCALE:
        say(f"scale: {n} sites, Route 53 throttling on")
        p, endpoint = start_sim(["--sites", str(n)], base_env({}))
        env = sim_env(endpoint)
        cfg = WORK / f"sites-{n}.toml"
        scale_config(n, cfg)
        state = get(endpoint, "/_sim/state")
        control(endpoint, action="throttling", enabled=True)
        control(endpoint, action="reset_calls")
        t, out = timed(switchyard("status", "--config", str(cfg), "--output", "json"), env)
        j = status_json(out)
        calls = get(endpoint, "/_sim/calls")
        per_service = {}
        for key, count in calls["calls"].items():
            service = key.split(":")[0]
            per_service[service] = per_service.get(service, 0) + count
        server_throttled = sum(c for k, c in calls["errors"].items() if "Throttl" in k)
        verdicts = {}
        for s in j["sites"]:
            verdicts[s["verdict"]] = verdicts.get(s["verdict"], 0) + 1
        rows.append({
            "sites": n, "health_checks": len(state["health_checks"]), "seconds": t,
            "calls": per_service, "total": sum(per_service.values()), "operations": calls["calls"],
            "server_throttled": server_throttled, "user_throttled": throttled_errors(j),
            "max_data_age": max((s.get("data_age_seconds") or 0) for s in j["sites"]),
            "verdicts": verdicts, "exit_code": out.returncode,
        })
        p.terminate()
        p.wait()
        servers.remove(p)
    return rows


ACCOUNTS = os.environ.get("BENCH_ACCOUNTS", "1000x5")


def scale_accounts():
    """`sites`x`accounts`: one emulator per account (`switchyard sim --sites sites/accounts`,
    each its own account with its own Route 53 throttling), a profile per account in an AWS
    config file (its endpoint_url and keys), a config whose sites name their account's profile,
    and one `switchyard status --output json` over every site. The emulators are chained (DNS
    server and name servers): switchyard reads every account's answer by DNS from the first."""
    total, accounts = (int(x) for x in ACCOUNTS.split("x"))
    per = total // accounts
    say(f"scale: {total} sites in {accounts} accounts, Route 53 throttling on in each")
    sims = []
    profiles = ""
    cfg_text = '[defaults]\nregion = "eu-west-1"\n'
    # The last account first: each emulator's DNS server asks the next one for names it does not
    # have, so the first one resolves every account's names, as a resolver would; and its name
    # servers relay the zones it does not hold to the next one's, so the first one's name
    # servers answer every account's zone, each from the emulator that holds it.
    forward = name_servers = None
    for k in range(accounts, 0, -1):
        args = ["--sites", str(per), "--account", str(k)]
        if forward:
            args += ["--dns-forward", forward, "--ns-forward", name_servers]
        p, endpoint = start_sim(args, base_env({}))
        forward = SIM_EXPORTS[endpoint]["SWITCHYARD_DNS_SERVER"]
        name_servers = SIM_EXPORTS[endpoint]["SWITCHYARD_NAME_SERVER_PORT"]
        sims.insert(0, (p, endpoint))
        control(endpoint, action="throttling", enabled=True)
        control(endpoint, action="reset_calls")
        profiles += (f"[profile account{k}]\nregion = eu-west-1\nendpoint_url = {endpoint}\n"
                     "aws_access_key_id = switchyard-sim\naws_secret_access_key = switchyard-sim\n\n")
        for i in range(per):
            cfg_text += (f'\n[[site]]\nname = "a{k}-site{i:03}"\nzone = "Z0GENERATED{k:02}"\n'
                         f'record = "site{i:03}.account{k}.example.com"\nprofile = "account{k}"\n')
    aws_config = WORK / "accounts.ini"
    aws_config.write_text(profiles)
    cfg = WORK / f"sites-{total}x{accounts}.toml"
    cfg.write_text(cfg_text)
    env = base_env({"AWS_CONFIG_FILE": str(aws_config), "SWITCHYARD_DNS_SERVER": forward,
                    "SWITCHYARD_NAME_SERVER_PORT": name_servers})
    t, out = timed(switchyard("status", "--config", str(cfg), "--output", "json"), env)
    j = status_json(out)
    per_account = []
    for p, endpoint in sims:
        calls = get(endpoint, "/_sim/calls")
        by_service = {}
        for op, n in calls["calls"].items():
            service = op.split(":")[0]
            by_service[service] = by_service.get(service, 0) + n
        per_account.append({
            "calls": sum(calls["calls"].values()),
            "by_service": by_service,
            "test_dns_answer": calls["calls"].get("route53:TestDNSAnswer", 0),
            "dns_queries": sum(calls.get("dns", {}).values()),
            "server_throttled": sum(c for k, c in calls["errors"].items() if "Throttl" in k),
        })
        p.terminate()
        p.wait()
        servers.remove(p)
    verdicts = {}
    dns_sources = {}
    for site in j["sites"]:
        verdicts[site["verdict"]] = verdicts.get(site["verdict"], 0) + 1
        source = site.get("dns_answer_source") or "none"
        kind = ("DNS" if source.startswith("Route 53's name servers by DNS")
                else source if source.startswith("TestDNSAnswer") else "none")
        dns_sources[kind] = dns_sources.get(kind, 0) + 1
    by_service = {}
    for a in per_account:
        for service, n in a["by_service"].items():
            by_service[service] = by_service.get(service, 0) + n
    return {"sites": total, "accounts": accounts, "seconds": t, "per_account": per_account,
            "total": sum(a["calls"] for a in per_account), "by_service": by_service,
            "dns_queries": sum(a["dns_queries"] for a in per_account),
            "dns_sources": dns_sources,
            "server_throttled": sum(a["server_throttled"] for a in per_account),
            "user_throttled": throttled_errors(j),
            "max_data_age": max((site.get("data_age_seconds") or 0) for site in j["sites"]),
            "verdicts": verdicts, "exit_code": out.returncode}


def poller():
    say(f"scale: the console's poller on 200 sites, {POLLER_ROUNDS} full rounds or {POLLER_SECONDS} s (cargo bench --bench scale)")
    env = dict(os.environ, SCALE_SITES="200", SCALE_SECONDS=str(POLLER_SECONDS), SCALE_ROUNDS=str(POLLER_ROUNDS),
               SCALE_FOCUS="site000")
    exe = os.environ.get("BENCH_SCALE_EXE")
    args = [exe, "--bench"] if exe else ["cargo", "bench", "--locked", "--bench", "scale"]
    out = subprocess.run(args, cwd=ROOT, env=env,
                         stdout=subprocess.PIPE, text=True, check=True)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    r.setdefault("rounds", POLLER_ROUNDS)
    return r


def bench_json(name, env_extra):
    """Runs `cargo bench --bench NAME` (its executable when scripts/bench built it) and returns
    the JSON object it prints last."""
    exe = os.environ.get(f"BENCH_{name.upper()}_EXE")
    args = [exe, "--bench"] if exe else ["cargo", "bench", "--locked", "--bench", name]
    out = subprocess.run(args, cwd=ROOT, env=dict(os.environ, **env_extra),
                         stdout=subprocess.PIPE, text=True, check=True).stdout
    return json.loads(out[out.index("{"):])


def depth():
    say(f"round-trip depth of one site's status at {LATENCY_MS} ms a call (cargo bench --bench depth)")
    return bench_json("depth", {"DEPTH_BIN": str(BIN), "DEPTH_LATENCY_MS": str(LATENCY_MS),
                                "DEPTH_RUNS": str(max(5, ROUNDS // 2))})


def first_change():
    say(f"confirmation to the first mutating call at {LATENCY_MS} ms a call (cargo bench --bench first_change)")
    return bench_json("first_change", {"FIRST_CHANGE_LATENCY_MS": str(LATENCY_MS),
                                       "FIRST_CHANGE_RUNS": "5"})


def share():
    say("processes sharing one poller: 1 to 5 status --watch (cargo bench --bench share)")
    return bench_json("share", {})


def plot_share(sh, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = sh["rows"]
    n = [r["processes"] for r in rows]
    fig, a = plt.subplots(figsize=(6, 4))
    a.plot(n, [r["alone"]["calls"] for r in rows], marker="o", color="tab:red",
           label="each polls alone (--no-share)")
    a.plot(n, [r["shared"]["calls"] for r in rows], marker="o", color="tab:green",
           label="sharing one poller (the default)")
    a.plot(n, [r["shared"]["route53"] for r in rows], marker=".", linestyle="--",
           color="tab:green", label="of which Route 53, sharing")
    a.set_xlabel("status --watch processes of one user")
    a.set_ylabel(f"API calls over {sh['rounds']} rounds")
    a.set_xticks(n)
    a.set_ylim(bottom=0)
    a.grid(alpha=0.3)
    a.legend(fontsize=8)
    a.set_title(f"{sh['sites']} sites, every site every {sh['poll_interval_seconds']} s, "
                "Route 53 throttling " + ("on" if sh["route53_throttling"] else "off"), fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def plot(rows, path, accounts=None):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sites = [r["sites"] for r in rows]
    services = sorted({s for r in rows for s in r["calls"]})
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    for s in services:
        a.plot(sites, [r["calls"].get(s, 0) for r in rows], marker="o", label=s)
    a.plot(sites, [r["total"] for r in rows], marker="o", color="black", label="total")
    a.set_xlabel("sites")
    a.set_ylabel("API calls per full refresh")
    a.legend()
    a.grid(alpha=0.3)
    b.plot(sites, [r["seconds"] for r in rows], marker="o", color="tab:red", label="one account")
    if accounts:
        label = f"{accounts['sites']} sites in {accounts['accounts']} accounts"
        a.plot([accounts["sites"]], [accounts["total"]], marker="*", markersize=12, color="black",
               linestyle="none", label=f"total, {label}")
        b.plot([accounts["sites"]], [accounts["seconds"]], marker="*", markersize=12,
               color="tab:red", linestyle="none", label=label)
        b.legend(fontsize=8)
    b.set_xlabel("sites")
    b.set_ylabel("seconds per full refresh")
    b.set_title("Route 53 throttling on (10/s per account, 1/s status)", fontsize=9)
    b.grid(alpha=0.3)
    fig.suptitle("switchyard status --output json against the emulator's generated accounts")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


# --- the report --------------------------------------------------------------------------------

def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout.strip()
    except OSError:
        return "?"


def machine():
    cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip() or platform.processor()
    mem = sh("awk '/MemTotal/ {printf \"%.1f GiB\", $2/1048576}' /proc/meminfo")
    return {
        "nproc": sh("nproc"), "cpu": cpu, "memory": mem, "kernel": platform.release(),
        "load": sh("cut -d' ' -f1-3 /proc/loadavg"),
        "rustc": sh("rustc --version"), "switchyard": sh(f"{BIN} --version"),
        "python": platform.python_version(),
        "awscli": sh(f"{VENV}/aws --version"),
        "boto3": sh(f"{VENV}/python -c 'import boto3; print(boto3.__version__)'"),
        "moto": sh(f"{VENV}/python -c 'import moto; print(moto.__version__)'"),
        "matplotlib": sh(f"{VENV}/python -c 'import matplotlib; print(matplotlib.__version__)'"),
        "binary_bytes": BIN.stat().st_size,
    }


def met(ok):
    return "**met**" if ok else "**missed**"


def report(m, p, rows, pol, accounts=None, extra=None):
    extra = extra or {}
    md = p["medians"]
    start = md["switchyard --version (process start)"]
    out = []
    w = out.append
    w("# Benchmarks\n")
    w("Written by `scripts/bench` (issue 7); rerun it to refresh every figure below. All figures "
      "come from one run on one machine; whole processes are timed with alternating runs and "
      "reported as medians and ratios, since the machine is shared.\n")
    w("## Machine and versions\n")
    w(f"- {m['nproc']} cores, {m['cpu']}, {m['memory']} memory, Linux {m['kernel']}; "
      f"load average at the end of the run: {m['load']} (the machine is shared)")
    w(f"- {m['switchyard']} (release build), {m['rustc']}")
    w(f"- Python {m['python']}, {m['awscli']}, boto3 {m['boto3']}, moto {m['moto']}, matplotlib {m['matplotlib']}")
    w(f"- release binary `target/release/switchyard`: **{m['binary_bytes'] / 1048576:.1f} MiB** "
      f"({m['binary_bytes']} bytes, debug info stripped)\n")

    w("## Peer comparison: one site's full status\n")
    w(f"Method: moto ({m['moto']}) on 127.0.0.1 is seeded with one failover site by "
      "`scripts/moto_seed.py` (zone, failover pair, health check, ALB with listener and two "
      "targets, two StatusCheckFailed alarms, CloudFront sorry page). The built-in emulator runs "
      "`assets/scenarios/alb-cloudfront.toml`, the same shape. Each round runs every command "
      f"once, in turn; {ROUNDS} rounds after one untimed warm-up round. Timed are whole processes:\n")
    w("- `switchyard status --output json --site shop` (one site asked for: its full detail, "
      "every checker region by region)")
    w("- the awscli sweep: a bash runbook of 7 `aws` commands, one after the other:\n")
    w("```")
    for l in p["sweep"]:
        w(f"aws {l}")
    w("```\n")
    w("- the boto3 sweep: one Python process making the same 7 calls with boto3 "
      "(`scripts/bench_sweep.py`)")
    w("- process start: `switchyard --version`; and each of the 7 calls timed on its own inside "
      "one boto3 process (clients made before the clock starts), to get the slowest single call\n")
    w("| command | moto | emulator |")
    w("|---|---:|---:|")
    for what in ("switchyard status", "awscli sweep", "boto3 sweep"):
        w(f"| {what} | {ms(md[f'{what} (moto)'])} | {ms(md[f'{what} (emulator)'])} |")
    w(f"| `switchyard --version` (process start) | {ms(start)} | |\n")
    w("Each call's own time inside one boto3 process (median):\n")
    w("| call | moto | emulator |")
    w("|---|---:|---:|")
    for call in p["per_call"]["moto"]:
        w(f"| {call} | {ms(p['per_call']['moto'][call])} | {ms(p['per_call']['emulator'].get(call, 0))} |")
    w("")
    mn = p["notes"]
    moto_errors = mn["switchyard status (moto)"]["errors"]
    w(f"Against moto switchyard's verdict was {mn['switchyard status (moto)']['verdict']} "
      f"(exit {mn['switchyard status (moto)']['exit_code']}), with these errors in its JSON:\n")
    for e in moto_errors or ["(none)"]:
        w(f"- {e[:200]}")
    w("\nmoto does not speak the RPCv2-CBOR protocol of the Rust CloudWatch client, so "
      "switchyard's CloudWatch calls fail against moto (quickly, so they do not lengthen its "
      "run, but it also does less work there than a real account would need). That is why "
      "switchyard is also timed against the built-in emulator, where every call succeeds "
      f"(verdict {mn['switchyard status (emulator)']['verdict']}, "
      f"{len(mn['switchyard status (emulator)']['errors'])} errors).")
    failed = mn["calls timed in one boto3 process (moto)"]["failed"]
    if failed:
        w(" In the sweeps against moto these calls failed (a runbook prints the error and goes "
          "on; the time counts): " + "; ".join(f[:120] for f in failed) + ".")
    w("")
    sc = p["status_calls"]
    w(f"\nOne `switchyard status --site shop` makes {sum(sc.values())} API calls (the emulator's "
      "counter): " + ", ".join(f"{k} {v}" for k, v in sorted(sc.items())) + ".\n")
    w("### Targets\n")
    w("| target | against moto | against the emulator |")
    w("|---|---|---|")
    verdicts = {}
    for label, key, want in (("≥ 40x faster than the awscli sweep", "awscli sweep", 40.0),
                             ("≥ 5x faster than the boto3 sweep", "boto3 sweep", 5.0)):
        cells = []
        for b in ("moto", "emulator"):
            ratio = md[f"{key} ({b})"] / md[f"switchyard status ({b})"]
            ok = ratio >= want
            verdicts[(key, b)] = (ok, ratio)
            cells.append(f"{ratio:.1f}x: {met(ok)}" + ("" if ok else f" ({ratio / want * 100:.0f}% of the target)"))
        w(f"| {label} | {cells[0]} | {cells[1]} |")
    cells = []
    for b in ("moto", "emulator"):
        slowest = max(p["per_call"][b].values())
        bound = start + slowest
        ratio = md[f"switchyard status ({b})"] / bound
        verdicts[("bound", b)] = (ratio <= 1.5, ratio)
        cells.append(f"{ms(md[f'switchyard status ({b})'])} vs {ms(start)} + {ms(slowest)}: "
                     f"{ratio:.2f}x: {met(ratio <= 1.5)}")
    w(f"| wall time ≤ 1.5x (process start + slowest single call) | {cells[0]} | {cells[1]} |\n")
    w("The slowest single call is measured in boto3, which adds its own request building and "
      "parsing to each call, so the bound is somewhat generous compared with a Rust SDK call.\n")

    if p.get("moto_calls"):
        w("### Against moto: the calls each side completed\n")
        w("Counted from moto's request log during each command's untimed warm-up run: an answer "
          "with a 2xx status completed the call's work; any other answer did not (a runbook "
          "prints the error and goes on, and its time still counts).\n")
        w("| command | completed | failed |")
        w("|---|---:|---:|")
        for name, c in p["moto_calls"].items():
            w(f"| {name.replace(' (moto)', '')} | {c['completed']} | {c['failed']} |")
        w("")
    if p.get("warm"):
        w("### Like with like: warm, in one process\n")
        w("Method: the emulator (`alb-cloudfront`), one process per side, clients made before "
          "each read's clock starts and made anew for each read (no connection or learnt data "
          "carried over), one untimed warm-up read. switchyard: `cargo bench --bench warm` "
          "(`Session::start`, then one timed `refresh` of `shop` in detail, as `status --site` "
          "reads it). boto3: `scripts/bench_sweep.py --warm` (the 7 calls above in turn). "
          "Latency is the emulator's `latency` fault on every call, the same for both. Calls per "
          "read are the emulator's counter divided by the reads. Not measured: process start, "
          "interpreter start and imports (see the whole-process figures above), and the work "
          "of turning the answers into a verdict on the Python side (a sweep prints nothing).\n")
        w("| added latency a call | switchyard read (calls) | boto3 sweep (calls) | boto3 / switchyard | per call: switchyard | per call: boto3 |")
        w("|---:|---:|---:|---:|---:|---:|")
        for millis, r in p["warm"].items():
            sy, py = median(r["switchyard"]["seconds"]), median(r["boto3"]["seconds"])
            w(f"| {millis} ms | {ms(sy)} ({r['switchyard_calls']:.0f}) | {ms(py)} ({r['boto3_calls']:.0f}) | "
              f"{py / sy:.1f}x | {ms(sy / max(r['switchyard_calls'], 1))} | {ms(py / max(r['boto3_calls'], 1))} |")
        last = p["warm"].get("0", {}).get("switchyard", {}).get("last") or {}
        w(f"\nswitchyard's last read: verdict {last.get('verdict')}, complete {last.get('complete')}, "
          f"{len(last.get('errors', []))} errors. switchyard reads more than the sweep (the rules, "
          "the health checks' names and metrics, the distribution list, the alarms of the "
          "targets): the per-call columns compare the work per call, the read columns what a "
          "user waits for.\n")
    if p.get("latency"):
        lat = p["latency"]
        lm = lat["medians"]
        rt = lat["millis"] / 1000
        sy = lm["switchyard status (emulator)"]
        bound = 4 * rt + start
        w(f"### Whole processes at {lat['millis']} ms a call\n")
        w(f"Method: the emulator's `latency` fault adds {lat['millis']} ms to every call (a "
          "realistic round trip to AWS from a bastion); `switchyard status --output json --site "
          "shop` and the boto3 sweep as above, alternating, "
          f"{len(lat['samples']['boto3 sweep (emulator)'])} rounds. switchyard's verdict: "
          f"{(lat.get('switchyard') or {}).get('verdict')}.\n")
        w("| figure | measured | target | |")
        w("|---|---|---|---|")
        w(f"| `status --site shop`, whole process | {ms(sy)} = {(sy - start) / rt:.1f} round trips "
          f"+ process start | ≤ 4 x {lat['millis']} ms + process start = {ms(bound)} | {met(sy <= bound)} |")
        bo = lm["boto3 sweep (emulator)"]
        w(f"| boto3 sweep / switchyard at {lat['millis']} ms | {bo / sy:.1f}x ({ms(bo)} vs {ms(sy)}) | reported | |\n")

    dp = extra.get("depth")
    if dp:
        w(f"### Round-trip depth of one site's status ({dp['latency_ms']} ms a call)\n")
        w("Method: `cargo bench --bench depth`: the emulator (`alb-cloudfront`, its probe left "
          f"out) with and without a latency fault of {dp['latency_ms']} ms on every call, "
          f"{dp['runs']} runs each (medians). In process: a fresh session's first detailed read "
          "of `shop` (clients made before the clock starts); whole process: `switchyard status "
          "--site shop --output json`, process start included. *Round trips in a row* is "
          "(time at the latency - time without) / latency; *stages* are counted from the "
          "emulator's call log (a call is in a later stage than every call whose answer had "
          "left before it arrived: an upper bound). Not measured: the DNS answer read from the "
          "zone's name servers (DNS, not an API call, and not slowed by the fault).\n")
        w("| read | time without latency | time at the latency | round trips in a row | stages (calls per stage) | calls |")
        w("|---|---:|---:|---:|---|---:|")
        for key, label in (("in_process", "in process"), ("whole_process", "whole process")):
            r = dp.get(key)
            if r:
                w(f"| {label} | {r['wall_ms_no_latency']:.0f} ms | {r['wall_ms']:.0f} ms | "
                  f"{r['round_trips_in_a_row']:.2f} | {r['stages_in_call_log']} "
                  f"({', '.join(str(len(x)) for x in r['calls_per_stage'])}) | {r['calls']} |")
        wp = dp.get("whole_process")
        if wp:
            w("\nThe whole process's stages: " + "; ".join(
                f"{i + 1}. " + ", ".join(sorted(set(x))) for i, x in enumerate(wp["calls_per_stage"])) + ".")
            ok = wp["stages_in_call_log"] <= 3 and wp["round_trips_in_a_row"] <= 4
            w(f"\nTarget: three dependent stages or fewer, and at most 4 x {dp['latency_ms']} ms "
              f"plus process start: {wp['stages_in_call_log']} stages, "
              f"{wp['round_trips_in_a_row']:.2f} round trips added: {met(ok)}.\n")
    fc = extra.get("first_change")
    if fc:
        lat = fc["latency_ms"]
        w(f"### Confirmation to the first mutating call ({lat} ms a call)\n")
        w("Method: `cargo bench --bench first_change`: the demo's `shop` planned into maintenance "
          "(invert its health check, silence an alarm, invalidate the sorry page) on the "
          f"emulator with a latency fault of {lat} ms on every call, then `switch::execute` on "
          "the confirmed plan; a watcher reads the emulator's call counter (calls are counted "
          "when they arrive, before their latency) every half millisecond. The first mutating "
          "call is the journal's CREATE (what makes the switch resumable); the first change to "
          f"the site is its UpdateHealthCheck. Median of {fc['runs']} runs. *fresh*: confirmed "
          "at once, within the plan's 60 s: the plan's own values with AWS's conditions "
          "(HealthCheckVersion, the exact DELETE+CREATE batch, ETags); *read again*: the same "
          "plan older than 60 s: the site read again in full first. Not measured: the time the "
          "operator takes to confirm.\n")
        w("| way | first mutating call | calls before it | first change to the site | calls before it |")
        w("|---|---:|---:|---:|---:|")
        for key, label in (("fresh", "fresh (confirmed at once)"), ("read_again", "read again (plan older than 60 s)")):
            r = fc.get(key)
            if r:
                w(f"| {label} | {r['first_mutating_call_ms']:.0f} ms = {r['first_mutating_call_ratio']:.2f} x {lat} ms | "
                  f"{r['calls_before_first_mutating_call']} | {r['first_site_change_ms']:.0f} ms = "
                  f"{r['first_site_change_ratio']:.2f} x {lat} ms | {r['calls_before_first_site_change']} |")
        fresh = fc.get("fresh") or {}
        ok = fresh.get("first_mutating_call_ratio", 99) <= fc.get("target_ratio", 2.0)
        w(f"\nTarget: the first mutating call within {fc.get('target_ratio', 2.0):.0f} x {lat} ms of "
          f"the confirmation: {fresh.get('first_mutating_call_ratio', 0):.2f} x: {met(ok)} (the first "
          f"change to the site itself: {fresh.get('first_site_change_ratio', 0):.2f} x).\n")

    w("## Scale\n")
    w("Method: `switchyard sim --sites N` (the generated account: per site a failover pair, "
      "an ALB with one target group of two instances, two StatusCheckFailed alarms, two health "
      "checks and a CloudFront sorry page) with Route 53 throttling on at AWS's rates "
      "(`throttling` control action: 50 burst / 10 per second for the account, 4 / 1 per second "
      "for GetHealthCheckStatus). For each N: `reset_calls`, one `switchyard status --output json` "
      "with a config listing every site (one process: one full refresh, including the one-time "
      "read of health check Name tags), then `GET /_sim/calls`.\n")
    services = sorted({s for r in rows for s in r["calls"]})
    w("| sites | health checks | time | " + " | ".join(services) + " | total calls | throttled (server) | throttled (user) | oldest data | verdicts |")
    w("|---:|---:|---:|" + "---:|" * len(services) + "---:|---:|---:|---:|---|")
    for r in rows:
        w(f"| {r['sites']} | {r['health_checks']} | {ms(r['seconds'])} | "
          + " | ".join(str(r["calls"].get(s, 0)) for s in services)
          + f" | {r['total']} | {r['server_throttled']} | {r['user_throttled']} | {r['max_data_age']} s | "
          + ", ".join(f"{v} {k}" for k, v in sorted(r["verdicts"].items())) + f" (exit {r['exit_code']}) |")
    w("\n*throttled (server)*: Throttling answers the emulator gave (the SDK's retry and "
      "switchyard's budgets absorb them); *throttled (user)*: throttling errors in the JSON the "
      "user sees; *oldest data*: the largest `data_age_seconds` of any site when printed (a site's "
      "verdict is UNKNOWN when its data is older than `stale_after`, 60 s by default).\n")
    w("![API calls and time per full refresh vs sites](benchmarks/scale.png)\n")
    if accounts:
        a = accounts
        w(f"### {a['sites']} sites in {a['accounts']} accounts\n")
        w(f"Method: {a['accounts']} emulators, one per account, each `switchyard sim --sites "
          f"{a['sites'] // a['accounts']}` with Route 53 throttling on (each account has its own "
          "budget at AWS) and a profile in an AWS config file (its `endpoint_url` and keys); each "
          "site names its account's profile; one `switchyard status --output json` over every "
          "site. Each emulator's DNS server asks the next account's for names it does not have "
          "(`--dns-forward`), so one resolver finds every account's names"
          + (", and each one's name servers relay the zones they do not hold to the next one's "
             "(`--ns-forward`), so switchyard reads every account's answer by DNS, as from Route "
             "53's name servers.\n" if a.get("dns_sources") else ".\n"))
        if a.get("dns_sources"):
            w("Where Route 53's answers came from: " + ", ".join(
                f"{n} {src}" for src, n in sorted(a["dns_sources"].items())) + "; calls by service: "
              + ", ".join(f"{svc} {n}" for svc, n in sorted(a.get("by_service", {}).items())) + ".\n")
        w("| sites | accounts | time | calls per account | total calls | throttled (server) | throttled (user) | oldest data | verdicts |")
        w("|---:|---:|---:|---|---:|---:|---:|---:|---|")
        w(f"| {a['sites']} | {a['accounts']} | {ms(a['seconds'])} | "
          + ", ".join(str(x["calls"]) for x in a["per_account"])
          + f" | {a['total']} | {a['server_throttled']} | {a['user_throttled']} | {a['max_data_age']} s | "
          + ", ".join(f"{v} {k}" for k, v in sorted(a["verdicts"].items())) + f" (exit {a['exit_code']}) |\n")
    big = rows[-1]
    w(f"Calls per operation at {big['sites']} sites:\n")
    w("| operation | calls |")
    w("|---|---:|")
    for op, c in sorted(big["operations"].items(), key=lambda kv: -kv[1]):
        w(f"| {op} | {c} |")
    w("")
    w(f"### The console's poller, {pol['sites']} sites, {pol.get('ran_s', pol['seconds']):.0f} s\n")
    w(f"`cargo bench --bench scale` runs `poll::poller::run` (the console's poller, default "
      f"intervals: every site every 15 s, the focused site every 5 s) against the emulator in "
      f"process with {pol['sites']} sites, {pol['health_checks']} health checks and "
      f"{pol['target_groups']} target groups, Route 53 throttling on, `{pol['focus']}` focused. "
      f"The run stops after {pol.get('rounds', 2)} full rounds (or " f"{pol['seconds']} s). The first round reads every "
      "site's whole chain (nothing is known yet) and is bound by AWS's ELBv2 rate; a console at work runs "
      "the rounds after it, which the full-refresh target is measured on. Ages are sampled every 100 ms once the first full round has ended "
      f"(at {pol['first_full_round_end_s']:.1f} s).\n" if pol.get("first_full_round_end_s") else
      "No full round ended within the run.\n")
    fr = pol["full_rounds_s"]
    dr = pol["detail_rounds_s"]
    if len(fr) > 1:
        w(f"- full rounds: {len(fr)}: the first {fr[0]:.1f} s, the {len(fr) - 1} after it median {median(fr[1:]):.1f} s "
          f"(max {max(fr[1:]):.1f} s)")
    else:
        w(f"- full rounds: {len(fr)}, median {median(fr):.1f} s" if fr else "- full rounds: none ended")
    w(f"- detail rounds of the focused site: {len(dr)}" + (f", median {median(dr):.2f} s" if dr else ""))
    w(f"- oldest per-region detail of the focused site: {pol['max_focused_detail_age_s']:.1f} s")
    w(f"- oldest health check status (since fetched): {pol['max_health_check_status_age_s']:.1f} s; "
      f"oldest CloudWatch datapoint behind a status: {pol['max_health_check_datapoint_age_s']:.1f} s "
      "since its stamp" + (f", {pol['max_health_check_datapoint_since_minute_end_s']:.1f} s since "
                           "the end of its minute" if "max_health_check_datapoint_since_minute_end_s" in pol else ""))
    if "max_target_health_age_s" in pol:
        w(f"- oldest targets' health: {pol['max_target_health_age_s']:.1f} s; oldest listeners: "
          f"{pol['max_listeners_age_s']:.1f} s (both read at their own cadence outside the detail: "
          "listeners every 2 minutes, oldest first; the targets' health where CloudWatch's host counts "
          "do not show every target healthy)")
    cw = pol.get("calls", {}).get("calls", {})
    if cw and pol.get("ran_s"):
        per = {}
        for k, v in cw.items():
            per[k.split(":")[0]] = per.get(k.split(":")[0], 0) + v
        w("- calls a second over the run, by service: " + ", ".join(
            f"{k} {v / pol['ran_s']:.1f}" for k, v in sorted(per.items()))
          + " (AWS: Route 53 10 per account, ELBv2 `Describe*` 10 per account and region)")
    w(f"- site updates carrying a throttling error: {pol['site_updates_with_throttled_errors']}")
    if len(fr) < 2:
        w("- the run ended before a second full round did: the ages above are lower bounds")
    w("")

    w("### Targets\n")
    w("| target | figure | |")
    w("|---|---|---|")
    user_thr = sum(r["user_throttled"] for r in rows) + pol["site_updates_with_throttled_errors"]
    w(f"| zero Throttling errors seen by the user | {user_thr} | {met(user_thr == 0)} |")
    hc_age = pol["max_health_check_status_age_s"]
    w(f"| every health check status ≤ 60 s old (poller) | {hc_age:.1f} s | {met(hc_age <= 60)} |")
    if "max_health_check_datapoint_since_minute_end_s" in pol:
        dp_age = pol["max_health_check_datapoint_since_minute_end_s"]
        w(f"| every status's datapoint ≤ 60 s old, since the end of its minute (poller) | {dp_age:.1f} s "
          f"({pol['max_health_check_datapoint_age_s']:.1f} s since its stamp) | {met(dp_age <= 60)} |")
    if len(fr) > 1:
        full = median(fr[1:])
        w(f"| a full refresh of {pol['sites']} sites in ≤ 15 s (poller, median round after the first) | {full:.1f} s "
          f"(the first round {fr[0]:.1f} s) | {met(full <= 15)} |")
    elif fr:
        full = median(fr)
        w(f"| a full refresh of {pol['sites']} sites in ≤ 15 s (poller, median round) | {full:.1f} s | {met(full <= 15)} |")
    fa = pol["max_focused_detail_age_s"]
    w(f"| focused site's per-region detail ≤ 5 s old (poller) | {fa:.1f} s | {met(fa <= 5)} |\n")
    sh = extra.get("share")
    if sh:
        w("## Processes sharing one poller\n")
        w(f"Method: `cargo bench --bench share`: the emulator's generated account with "
          f"{sh['sites']} sites, Route 53 throttling " + ("on" if sh["route53_throttling"] else "off")
          + f", every site polled every {sh['poll_interval_seconds']} s; N `switchyard status --watch "
          "--output json` processes of one user started one after the other, then the API calls "
          f"counted (the emulator's counter) over {sh['rounds']} reports of the first process. Twice "
          "for each N: sharing one poller (the default: the first offers it on a Unix socket in a "
          "0700 folder of the user's own, the others join) and each polling alone (`--no-share`). "
          "STS's GetCallerIdentity (once per process, to key the sharing) is left out. A count of "
          "calls, not a time.\n")
        w("| processes | calls, sharing | of which Route 53 | calls, each alone | of which Route 53 | alone / sharing |")
        w("|---:|---:|---:|---:|---:|---:|")
        for r in sh["rows"]:
            w(f"| {r['processes']} | {r['shared']['calls']} | {r['shared']['route53']} | "
              f"{r['alone']['calls']} | {r['alone']['route53']} | {r['alone_over_shared']:.2f}x |")
        one, five = sh["rows"][0]["shared"]["calls"], sh["rows"][-1]["shared"]["calls"]
        ratio = five / max(one, 1)
        w(f"\nTarget: {sh['rows'][-1]['processes']} consoles cost the API budget of one: "
          f"{five} calls against {one}, {ratio:.2f}x: {met(ratio <= 1.15)} (within 15 %: the "
          "rounds counted are the first process's, and a joiner's start is not in step with "
          "them).\n")
        w("![API calls of N processes, sharing one poller and each alone](benchmarks/share.png)\n")
    notes = ROOT / "benchmarks" / "notes.md"
    if notes.exists():
        w(notes.read_text())
    w("## Console costs\n")
    w("measured by `scripts/bench console` (added with the console)\n")
    return "\n".join(out), verdicts


def main():
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if not BIN.exists():
        raise RuntimeError(f"{BIN} is missing: run scripts/bench, which builds it")
    try:
        p = peer()
        stop_servers()
        rows = scale()
        accounts = scale_accounts()
        pol = poller()
        extra = {"depth": depth(), "first_change": first_change(), "share": share()}
    finally:
        stop_servers()
    (ROOT / "benchmarks").mkdir(exist_ok=True)
    plot(rows, ROOT / "benchmarks" / "scale.png", accounts)
    plot_share(extra["share"], ROOT / "benchmarks" / "share.png")
    m = machine()
    (ROOT / "benchmarks" / "results.json").write_text(json.dumps(
        {"machine": m, "peer": p, "scale": rows, "accounts": accounts, "poller": pol, **extra}, indent=1))
    text, _ = report(m, p, rows, pol, accounts, extra)
    (ROOT / "BENCHMARKS.md").write_text(text)
    say("wrote BENCHMARKS.md, benchmarks/scale.png and benchmarks/results.json")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--poller"]:
        # Measure the console's poller again (after a change to src/poll), keep the rest.
        path = ROOT / "benchmarks" / "results.json"
        r = json.loads(path.read_text())
        r["poller"] = poller()
        path.write_text(json.dumps(r, indent=1))
        (ROOT / "BENCHMARKS.md").write_text(report(r["machine"], r["peer"], r["scale"], r["poller"], r.get("accounts"), r)[0])
        sys.exit(0)
    if sys.argv[1:2] == ["--share"]:
        # Measure the processes sharing one poller again, keep the rest.
        path = ROOT / "benchmarks" / "results.json"
        r = json.loads(path.read_text())
        r["share"] = share()
        path.write_text(json.dumps(r, indent=1))
        plot_share(r["share"], ROOT / "benchmarks" / "share.png")
        (ROOT / "BENCHMARKS.md").write_text(report(r["machine"], r["peer"], r["scale"], r["poller"], r.get("accounts"), r)[0])
        sys.exit(0)
    if sys.argv[1:2] == ["--accounts"]:
        # Only the sites-in-accounts run (BENCH_ACCOUNTS, e.g. 250x5), printed as JSON; writes
        # nothing (try it with BENCH_BIN=target/debug/switchyard).
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        try:
            print(json.dumps(scale_accounts(), indent=1))
        finally:
            stop_servers()
        sys.exit(0)
    if sys.argv[1:2] == ["--report"]:
        # Rewrite BENCHMARKS.md from benchmarks/results.json, without measuring again.
        r = json.loads((ROOT / "benchmarks" / "results.json").read_text())
        plot(r["scale"], ROOT / "benchmarks" / "scale.png", r.get("accounts"))
        if r.get("share"):
            plot_share(r["share"], ROOT / "benchmarks" / "share.png")
        (ROOT / "BENCHMARKS.md").write_text(report(r["machine"], r["peer"], r["scale"], r["poller"], r.get("accounts"), r)[0])
        sys.exit(0)
    sys.exit(main())
