#!/usr/bin/env python3
"""The far end of a real PTY for the latency benchmark: no relay process between the writer and
the device the daemon reads (a socat PTY pair adds a hop and its own scheduling to every line).

Opens a PTY pair, puts it in raw mode, prints the device path, then obeys commands on stdin:
  paced N MS   write N lines, one every MS milliseconds
  burst N      write N lines as fast as the PTY takes them, 100 lines per write
  quit
Every line carries the CLOCK_MONOTONIC time (ns) taken just before its write:
  L<k> <ns> (XEN) ...
The reader compares it with its own CLOCK_MONOTONIC (Node's process.hrtime). After each command
it prints `done <lines>` on stdout.
"""
import os
import sys
import time
import tty

master, slave = os.openpty()
tty.setraw(slave)
print(os.ttyname(slave), flush=True)
k = 0
PAD = "(XEN) a typical console line of about eighty characters......"


def line():
    global k
    k += 1
    return f"L{k} {time.monotonic_ns()} {PAD}\n".encode()


for cmd in sys.stdin:
    words = cmd.split()
    if not words:
        continue
    if words[0] == "quit":
        break
    if words[0] == "paced":
        n, ms = int(words[1]), float(words[2])
        nxt = time.monotonic()
        for _ in range(n):
            os.write(master, line())
            nxt += ms / 1000
            delay = nxt - time.monotonic()
            if delay > 0:
                time.sleep(delay)
    elif words[0] == "burst":
        n = int(words[1])
        for _ in range(0, n, 100):
            buf = b"".join(line() for _ in range(100))
            view = memoryview(buf)
            while view:
                view = view[os.write(master, view):]
    print(f"done {k}", flush=True)
