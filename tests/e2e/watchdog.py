#!/usr/bin/env python3
"""Runs a command and ends it only when it stopped making progress.

Usage: watchdog.py NAME CMD [ARGS...]

A hang guard for the editor e2e runs instead of a guessed `timeout N`: the command keeps running
as long as the processes it started (the editor, the language server, a browser) use CPU time.
When the whole tree used none for E2E_WATCHDOG_IDLE seconds (default 150: longer than the
tests' own progress-based waits, E2E_NO_PROGRESS = 90 s, so their clearer messages come first),
or it ran for E2E_HARD_CAP seconds in all (default 1800), its process group is killed and the
exit status is 124, as timeout(1) does. Otherwise the exit status is the command's.
"""
import os
import signal
import subprocess
import sys
import time

IDLE = float(os.environ.get("E2E_WATCHDOG_IDLE", "150"))
HARD_CAP = float(os.environ.get("E2E_HARD_CAP", "1800"))
TICK = os.sysconf("SC_CLK_TCK")


def stats():
    """{pid: (ppid, cpu ticks incl. reaped children)} for every process on the machine."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                s = f.read()
        except OSError:
            continue
        fields = s[s.rindex(")") + 1:].split()
        # after the name: state, ppid, ..., utime(11) stime(12) cutime(13) cstime(14)
        out[int(d)] = (int(fields[1]), sum(int(x) for x in fields[11:15]))
    return out


def tree_cpu(root):
    """CPU ticks used by `root` and every descendant still alive (reaped ones count in cutime)."""
    st = stats()
    children = {}
    for pid, (ppid, _) in st.items():
        children.setdefault(ppid, []).append(pid)
    total, todo, seen = 0, [root], set()
    while todo:
        p = todo.pop()
        if p in seen or p not in st:
            continue
        seen.add(p)
        total += st[p][1]
        todo.extend(children.get(p, []))
    return total, seen


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    name, cmd = sys.argv[1], sys.argv[2:]
    child = subprocess.Popen(cmd, start_new_session=True)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda s, _f: os.killpg(child.pid, s))
    began = since = time.monotonic()
    last = None
    while child.poll() is None:
        cpu, pids = tree_cpu(child.pid)
        now = time.monotonic()
        if cpu != last:
            last, since = cpu, now
        why = None
        if now - since > IDLE:
            why = f"no CPU progress of its processes for {IDLE:.0f} s"
        elif now - began > HARD_CAP:
            why = f"still running after {HARD_CAP:.0f} s"
        if why:
            print(f"watchdog: ending {name}: {why}", file=sys.stderr, flush=True)
            for p in pids:  # the group, and anything that left it (browsers, setsid)
                try:
                    os.kill(p, signal.SIGKILL)
                except OSError:
                    pass
            try:
                os.killpg(child.pid, signal.SIGKILL)
            except OSError:
                pass
            child.wait()
            sys.exit(124)
        time.sleep(0.5)
    rc = child.returncode
    sys.exit(128 - rc if rc < 0 else rc)


if __name__ == "__main__":
    main()
