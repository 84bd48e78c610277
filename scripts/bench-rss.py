#!/usr/bin/python3
"""bench-rss.py: run a command and report its peak memory.

    scripts/bench-rss.py RESULT.json -- COMMAND [ARG...]

Runs COMMAND (stdin, stdout and stderr inherited) and writes to RESULT.json:
  rc          its exit status (128+N when killed by signal N)
  wall_s      its wall-clock time
  maxrss_kb   ru_maxrss from wait4(), the figure /usr/bin/time -f %M prints: the larger of the process's
              own peak RSS and that of the largest descendant it waited for (here the alembic driver)
  hwm_kb      VmHWM of the process itself, read from /proc/PID/status every 20 ms until it exits: the
              peak RSS of the program after its last exec (scripts/lockwatch execs java, so: the JVM's)
Exits with COMMAND's status.  Ctrl-C reaches COMMAND from the terminal (same process group) and
SIGTERM is passed on to it; either way COMMAND is waited for, so it can clean up.
Standard library only.
"""
import json
import os
import signal
import sys
import time


def hwm_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None  # gone, or a zombie (no memory left to report)


def main(argv):
    if len(argv) < 4 or argv[2] != "--":
        sys.stderr.write("usage: bench-rss.py RESULT.json -- COMMAND [ARG...]\n")
        return 2
    result, cmd = argv[1], argv[3:]
    started = time.time()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    # keep waiting on Ctrl-C (the command gets it too) and pass SIGTERM on, so the command cleans up
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda n, _f: os.kill(pid, n))
    peak = 0
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        h = hwm_kb(pid)
        if h is not None:
            peak = max(peak, h)
        time.sleep(0.02)
    rc = os.waitstatus_to_exitcode(status)
    rc = 128 - rc if rc < 0 else rc
    with open(result, "w") as f:
        json.dump({"rc": rc, "wall_s": round(time.time() - started, 3),
                   "maxrss_kb": usage.ru_maxrss, "hwm_kb": peak}, f)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
