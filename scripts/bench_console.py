#!/usr/bin/env python3
"""The console's costs, seen from outside (scripts/bench console runs this).

- first frame: from exec to the first drawn overview, in a pseudo-terminal (median of 10);
- idle CPU: the console on 200 sites (a `switchyard sim --sites 200` process, with the
  environment it prints: Route 53's answers by DNS from its name servers), nobody typing, CPU
  time of the console process over 60 s, from one poll interval after its first full round
  (which reads every listener and target group, as no later round does); the emulator's own
  CPU is not counted;
- RSS of that console at the end of the minute (VmRSS; split into what is mapped from the
  binary's and libraries' files and the rest), and its peak (VmHWM, the first round included);
- the release binary's size, stripped, against the 20 MB target of issue 18 (also alone:
  `scripts/bench size`, which builds the release binary and rewrites only that row);
- from `cargo bench --bench console`: drawing the 200-site overview per frame, and from the
  confirmation to the first mutating AWS call.

Writes benchmarks/console.json and the "Console costs" section of BENCHMARKS.md.
"""

import json
import os
import pty
import re
import select
import shlex
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / "target" / "release" / "switchyard"
IDLE_SECONDS = int(os.environ.get("IDLE_SECONDS", "60"))
SITES = 200
SIZE_TARGET_BYTES = 20_000_000  # issue 18: at most 20 MB (10^6 bytes), stripped


def say(msg):
    print(f"==> {msg}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and not k.lower().endswith("_proxy")}
    env.update({"TERM": "xterm-256color", "COLUMNS": "200", "LINES": "60"})
    env.update(extra)
    return env


class Console:
    """The binary in a pseudo-terminal of 200x60, its output drained by a thread."""

    def __init__(self, args, env):
        self.buf = b""
        self.lock = threading.Lock()
        self.t0 = time.monotonic()
        pid, fd = pty.fork()
        if pid == 0:
            os.execve(str(BIN), [str(BIN)] + args, env)
        self.pid, self.fd = pid, fd
        import fcntl, termios, struct
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 60, 200, 0, 0))
        self.first = {}
        self.stop = False
        self.thread = threading.Thread(target=self.drain, daemon=True)
        self.thread.start()

    def drain(self):
        while not self.stop:
            r, _, _ = select.select([self.fd], [], [], 0.2)
            if not r:
                continue
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                return
            if not data:
                return
            # ratatui asks the terminal where the cursor is: answer as a terminal does.
            if b"\x1b[6n" in data:
                os.write(self.fd, b"\x1b[1;1R")
            with self.lock:
                self.buf += data
                text = self.buf[-200000:].decode("utf-8", "replace")
                # Spaces are skipped by cursor moves: a word of the overview's title.
                for key, pat in (("frame", "sorted"),):
                    if key not in self.first and pat in text:
                        self.first[key] = time.monotonic() - self.t0

    def wait_first(self, key, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                if key in self.first:
                    return self.first[key]
            time.sleep(0.005)
        raise RuntimeError(f"no {key} within {timeout} s")

    def cpu_ticks(self):
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime

    def status(self, key):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])  # kB
        return 0

    def quit(self):
        try:
            os.write(self.fd, b"q")
        except OSError:
            pass
        for _ in range(100):
            pid, _ = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(0.05)
        else:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        self.stop = True


def first_frame():
    times = []
    for i in range(10):
        home = tempfile.mkdtemp()
        c = Console(["--log-file", f"{home}/log", "demo"], clean_env({"HOME": home, "XDG_STATE_HOME": home}))
        times.append(c.wait_first("frame", 30) * 1000)
        c.quit()
    return {"median_ms": statistics.median(times), "max_ms": max(times), "runs": len(times)}


def sim_banner(out):
    """What `switchyard sim` prints first, read from its stdout `out`: the endpoint it listens
    at, and the `export` lines it prints for a user (keys, its DNS server, its name servers'
    port, the probe's proxy and CA). Also used by scripts/bench.py."""
    line = out.readline()
    m = re.search(r"at (http://127\.0\.0\.1:\d+)", line)
    if not m:
        raise RuntimeError(f"the emulator did not say where it listens: {line!r}")
    exports = {}
    for line in out:
        if line.startswith("Control API"):
            break
        e = re.match(r"\s*export (\w+)=(.*)$", line)
        if e:
            exports[e.group(1)] = shlex.split(e.group(2))[0] if e.group(2) else ""
    return m.group(1), exports


def start_sim():
    """`switchyard sim --sites 200 --port 0`: its port and its exports (Route 53's answers come
    by DNS from its name servers, as on a bastion that reaches Route 53's)."""
    sim = subprocess.Popen([str(BIN), "sim", "--sites", str(SITES), "--port", "0"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        endpoint, exports = sim_banner(sim.stdout)
    except RuntimeError:
        sim.terminate()
        raise
    # What it prints later is read and dropped, so that it never blocks on a full pipe.
    threading.Thread(target=lambda: [None for _ in sim.stdout], daemon=True).start()
    return sim, int(endpoint.rsplit(":", 1)[1]), exports


def idle():
    sim, port, exports = start_sim()
    try:
        home = tempfile.mkdtemp()
        cfg = Path(home) / "config.toml"
        lines = [f'[defaults]\nregion = "eu-west-1"\ndns_server = "127.0.0.1:{port}"\n']
        for i in range(SITES):
            lines.append(f'\n[[site]]\nname = "site{i:03}"\nzone = "Z0GENERATED00"\nrecord = "site{i:03}.example.com"\n')
        cfg.write_text("".join(lines))
        env = clean_env({
            "HOME": home, "XDG_STATE_HOME": home,
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
            "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_REGION": "eu-west-1", "AWS_EC2_METADATA_DISABLED": "true",
            "SWITCHYARD_NAME_SERVER_PORT": exports["SWITCHYARD_NAME_SERVER_PORT"],
        })
        c = Console(["--config", str(cfg), "--log-file", f"{home}/log"], env)
        c.wait_first("frame", 30)
        # Idle is after the first full round: that round reads every site's listeners and
        # target groups (400 ELBv2 calls, about a minute at AWS's 10 calls a second), which no
        # later round does. It is over when every site's listeners have been read once (the
        # emulator's counter); one poll interval more and the rounds are the idle console's.
        started = time.monotonic()
        endpoint = f"http://127.0.0.1:{port}"
        while True:
            with urllib.request.urlopen(f"{endpoint}/_sim/calls") as r:
                listed = json.load(r)["calls"].get("elbv2:DescribeListeners", 0)
            if listed >= SITES:
                break
            if time.monotonic() - started > 300:
                raise RuntimeError(f"the console's first round did not read every site's listeners in 300 s ({listed} of {SITES})")
            time.sleep(2)
        first_round_s = time.monotonic() - started
        say(f"idle: the console's first round read every site in {first_round_s:.0f} s; one poll interval more (15 s), then {IDLE_SECONDS} s measured")
        time.sleep(15)
        hz = os.sysconf("SC_CLK_TCK")
        t0, c0 = time.monotonic(), c.cpu_ticks()
        time.sleep(IDLE_SECONDS)
        t1, c1 = time.monotonic(), c.cpu_ticks()
        peak, rss = c.status("VmHWM"), c.status("VmRSS")
        anon, file_ = c.status("RssAnon"), c.status("RssFile")
        c.quit()
        cpu = (c1 - c0) / hz / (t1 - t0) * 100
        return {"seconds": IDLE_SECONDS, "sites": SITES, "cpu_percent_of_one_core": cpu,
                "first_round_s": first_round_s,
                "idle_rss_mb": rss / 1024, "rss_anon_mb": anon / 1024, "rss_file_mb": file_ / 1024,
                "peak_rss_mb": peak / 1024}
    finally:
        sim.terminate()
        sim.wait()


def idle_alone():
    """Idle CPU and RSS measured again alone (scripts/bench idle builds the release binary), with
    the date and the commit."""
    r = idle()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    r["measured"] = {"date": time.strftime("%Y-%m-%d", time.gmtime()), "commit": commit}
    return r


def in_process():
    """The bench's JSON, and when and on which commit it was measured. BENCH_CONSOLE_EXE runs an
    already built bench executable instead (BENCH_CONSOLE_COMMIT: the commit it was built from)."""
    exe = os.environ.get("BENCH_CONSOLE_EXE")
    if exe:
        say(f"{exe} --bench")
        cmd = [exe, "--bench"]
    else:
        say("cargo bench --bench console (release)")
        cmd = ["cargo", "bench", "--locked", "--bench", "console"]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    line = [l for l in out.splitlines() if l.startswith("{")][-1]
    commit = os.environ.get("BENCH_CONSOLE_COMMIT") or subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    r = json.loads(line)
    r["measured"] = {"date": time.strftime("%Y-%m-%d", time.gmtime()), "commit": commit}
    return r


def elf_sections(path):
    """The names of an ELF64 little-endian file's sections (read from its section table)."""
    data = path.read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise RuntimeError(f"{path} is not a 64-bit little-endian ELF file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    def header(i):
        return struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
    names_at = header(shstrndx)[4]
    out = []
    for i in range(shnum):
        name = header(i)[0]
        end = data.index(b"\0", names_at + name)
        out.append(data[names_at + name:end].decode())
    return out


def release_profile():
    """`[profile.release]` of Cargo.toml, with its per-package overrides grouped by setting."""
    prof = {"opt-level": 3} | tomllib.loads((ROOT / "Cargo.toml").read_text())["profile"]["release"]
    groups = {}
    for name, settings in sorted(prof.pop("package", {}).items()):
        groups.setdefault(json.dumps(settings, sort_keys=True), []).append(name)
    return {"settings": prof, "packages": [{"settings": json.loads(k), "names": v} for k, v in groups.items()]}


def binary_size():
    """The release binary as `cargo build --release --locked` left it (default features)."""
    sections = elf_sections(BIN)
    return {
        "bytes": BIN.stat().st_size,
        "symbol_table": ".symtab" in sections,
        "debug_info": any(s.startswith(".debug_") for s in sections),
        "profile": release_profile(),
        "measured": time.strftime("%Y-%m-%d", time.gmtime()),
    }


def size_row(r):
    size = r.get("size")
    if size is None:  # measured before issue 18: the file size only
        return ("Release binary size", f"{r['binary_bytes'] / 1e6:.1f} MB", "stated", "-")
    stripped = not size["symbol_table"] and not size["debug_info"]
    return ("Release binary size, stripped (default features)",
            f"{size['bytes'] / 1e6:.1f} MB ({size['bytes']} bytes)"
            + ("" if stripped else ", **not stripped**"),
            "≤ 20 MB", "met" if stripped and size["bytes"] <= SIZE_TARGET_BYTES else "**missed**")


def size_method(size):
    def fmt(settings):
        return ", ".join(f"{k} = {json.dumps(v)}" for k, v in settings.items())
    prof = size["profile"]
    text = (f"The release binary's size ({size['measured']}) is the file size of `target/release/switchyard` "
            "as `cargo build --release --locked` writes it, with the default features; MB is 10^6 bytes. "
            "Its ELF section table is read to check that it holds no symbol table (`.symtab`) and no "
            f"debug info. Release profile: {fmt(prof['settings'])}")
    for group in prof["packages"]:
        text += f"; {fmt(group['settings'])} for {', '.join(group['names'])}"
    bench = tomllib.loads((ROOT / "Cargo.toml").read_text())["profile"].get("bench", {})
    text += (". `\"*\"` stands for every dependency; a crate named on its own keeps its own setting. "
             "The first frame and idle CPU are measured on the release binary itself.")
    if bench:
        text += (" The in-process figures (drawing, confirmation) come from `cargo bench`, whose profile "
                 f"inherits the release one with {fmt({k: v for k, v in bench.items() if k != 'inherits'})} "
                 "(a shorter build; the same opt-levels).")
    return text


def section(r):
    render = r["bench"]["render"]["render"]
    conf = r["bench"]["confirm"]["confirm_to_first_mutation_ms"]
    big = render["overview_200x60_ms"]
    small = render["overview_80x24_ms"]
    ok = lambda b: "met" if b else "**missed**"
    ff = r["first_frame"]
    idle_ = r["idle"]
    rows = [
        ("First frame on screen (exec to the drawn overview, demo, pty)", f"{ff['median_ms']:.0f} ms median (max {ff['max_ms']:.0f})", "≤ 100 ms", ok(ff["median_ms"] <= 100)),
        (f"Idle CPU, 200 sites, {idle_['seconds']} s, nobody typing"
         + (", after the first full round" if "first_round_s" in idle_ else "")
         + (f" (measured alone at {idle_['measured']['commit']})" if "measured" in idle_ else ""), f"{idle_['cpu_percent_of_one_core']:.2f} % of one core", "≤ 0.5 %", ok(idle_["cpu_percent_of_one_core"] <= 0.5)),
        *([("RSS of the idle console, 200 sites, at the end of that minute"
            + (f" (measured alone at {idle_['measured']['commit']})" if "measured" in idle_ else ""),
            f"{idle_['idle_rss_mb']:.1f} MB ({idle_['rss_file_mb']:.1f} MB of it the binary and libraries mapped from their files, {idle_['rss_anon_mb']:.1f} MB the heap and stacks)",
            "≤ 40 MB (issue 18; 60 MB before)", ok(idle_["idle_rss_mb"] <= 40))] if "idle_rss_mb" in idle_ else []),
        ("Peak RSS, 200 sites" + (", the first round included" if "idle_rss_mb" in idle_ else "")
         + (f" (measured alone at {idle_['measured']['commit']})" if "measured" in idle_ else ""), f"{idle_['peak_rss_mb']:.1f} MB",
         "-" if "idle_rss_mb" in idle_ else "≤ 40 MB (issue 18; 60 MB before)",
         "-" if "idle_rss_mb" in idle_ else ok(idle_["peak_rss_mb"] <= 40)),
        ("Drawing the 200-site overview, 200x60", f"{big['median']:.3f} ms median (p95 {big['p95']:.3f})", "≤ 2 ms", ok(big["median"] <= 2)),
        ("Drawing the 200-site overview, 80x24", f"{small['median']:.3f} ms median (p95 {small['p95']:.3f})", "≤ 2 ms", ok(small["median"] <= 2)),
        *([("The once-a-second tick between two rounds, 200 sites (only what time changed judged again)"
            if "round_ms" in render else "The once-a-second tick, 200 sites (every site judged again)",
            f"{render['tick_ms']['median']:.3f} ms median (p95 {render['tick_ms']['p95']:.3f})", "- (in idle CPU)", "-")]
          if "tick_ms" in render else []),
        *([("A round's arrival, 200 sites (every site judged again, once a round)",
            f"{render['round_ms']['median']:.3f} ms median (p95 {render['round_ms']['p95']:.3f})", "- (in idle CPU)", "-")]
          if "round_ms" in render else []),
        ("Confirmation to the first mutating call", f"{conf['median']:.1f} ms median (p95 {conf['p95']:.1f})", "< 200 ms", ok(conf["median"] < 200)),
        size_row(r),
    ]
    out = ["## Console costs", "",
           "Measured by `scripts/bench console` (`scripts/bench_console.py` and `cargo bench --bench console`), "
           "on the same machine as above. The first frame is timed from exec to the first drawn overview in a "
           "pseudo-terminal (median of 10 `switchyard demo` starts). Idle CPU is the console process's own CPU "
           "time over the window, read from `/proc`, while its poller keeps 200 sites fresh from a separate "
           "`switchyard sim --sites 200` process (whose CPU is not counted; Route 53's answers by DNS from its "
           "name servers, as the emulator tells a user to set up). Drawing is timed in-process over 300 "
           "frames of real observations read by the poller. Confirmation to first mutating call is "
           "`engine::execute` on a confirmed plan until the emulator counts the first change."
           + (" " + size_method(r["size"]) if "size" in r else "")
           + (f" The in-process figures were measured on {r['bench']['measured']['date']} at commit "
              f"{r['bench']['measured']['commit']}; where that is not the date of the other figures, "
              "those come from an earlier run (`scripts/bench console` measures them all again)."
              if "measured" in r["bench"] else ""), "",
           "| figure | measured | target | |", "|---|---|---|---|"]
    out += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(out) + "\n"


def write_section(text):
    path = ROOT / "BENCHMARKS.md"
    doc = path.read_text() if path.exists() else "# Benchmarks\n"
    m = re.search(r"^## Console costs\n.*?(?=^## |\Z)", doc, flags=re.S | re.M)
    doc = doc[: m.start()] + text + "\n" + doc[m.end():] if m else doc.rstrip() + "\n\n" + text
    path.write_text(doc)


def main():
    if sys.argv[1:] == ["--report"]:
        # Rewrite the section from the last measurements (after scripts/bench --report).
        r = json.loads((ROOT / "benchmarks" / "console.json").read_text())
        write_section(section(r))
        return
    # One figure measured again alone; the rest stays as measured: the in-process figures
    # (drawing, the tick, confirmation), or the binary's size (scripts/bench size builds it).
    alone = {"--draw": ("bench", in_process), "--size": ("size", binary_size), "--idle": ("idle", idle_alone)}
    if sys.argv[1:2] and sys.argv[1] in alone and len(sys.argv) == 2:
        key, measure = alone[sys.argv[1]]
        path = ROOT / "benchmarks" / "console.json"
        r = json.loads(path.read_text())
        r[key] = measure()
        path.write_text(json.dumps(r, indent=1))
        write_section(section(r))
        print(section(r))
        return
    if not BIN.exists():
        say("cargo build --release")
        subprocess.run(["cargo", "build", "--release", "--locked"], cwd=ROOT, check=True)
    r = {"binary_bytes": BIN.stat().st_size, "size": binary_size()}
    say("first frame (10 starts of switchyard demo in a pty)")
    r["first_frame"] = first_frame()
    say(f"idle CPU and RSS: the console on {SITES} sites for {IDLE_SECONDS} s")
    r["idle"] = idle()
    r["bench"] = in_process()
    (ROOT / "benchmarks").mkdir(exist_ok=True)
    (ROOT / "benchmarks" / "console.json").write_text(json.dumps(r, indent=1))
    write_section(section(r))
    print(section(r))


if __name__ == "__main__":
    main()
