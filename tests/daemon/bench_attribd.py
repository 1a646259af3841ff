#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# attribd's figures, printed as "name: value unit" lines:
#
#   ingest  journaled events/s from the hooks' writer into the store, with
#           attribd running as deployed; against `attrib apply` of the same
#           events as JSON lines, in the same run.
#   socket  lookups/s over the Unix socket, pipelined from one client, on
#           bench_lookup's store of ten million bindings (at scale 1), every
#           answer checked against the account the generator put there; the
#           round trip of one lookup at a time (p50, p99) and its rate; a
#           batch ("lookups", 100 a request) for comparison.
#
# usage: bench_attribd.py ATTRIBD ATTRIB JOURNAL_WRITE BENCH_LOOKUP PART [--scale X]
# (scale also from ATTRIB_BENCH_SCALE; 1 is the full size).
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

ATTRIBD, ATTRIB, JWRITE, BENCH_LOOKUP, PART = sys.argv[1:6]
SCALE = float(os.environ.get('ATTRIB_BENCH_SCALE', '1'))
if '--scale' in sys.argv:
    SCALE = float(sys.argv[sys.argv.index('--scale') + 1])


def figure(name, value, unit):
    print('%s: %s %s' % (name, ('%.3f' % value) if isinstance(value, float) and value < 10
                         else ('%.1f' % value if isinstance(value, float) else value), unit),
          flush=True)


def die(msg):
    print('bench_attribd: ' + msg, file=sys.stderr)
    sys.exit(1)


class Daemon:
    def __init__(self, d, db, jdir):
        self.sock = os.path.join(d, 'attribd.sock')
        self.conf = os.path.join(d, 'attribd.json')
        with open(self.conf, 'w') as f:
            json.dump({'attribd': {
                'database': db, 'journal-dir': jdir,
                'control-socket': {'socket-name': self.sock},
                'roles': [{'role': 'abuse', 'users': [os.getuid()]}],
                'limits': {'max-queued-bytes': 1 << 30, 'max-lookups': 1000}}}, f)
        self.log = open(os.path.join(d, 'attribd.log'), 'w')
        self.proc = subprocess.Popen([ATTRIBD, '-c', self.conf], stderr=self.log)
        deadline = time.time() + 600
        while not os.path.exists(self.sock):
            if self.proc.poll() is not None or time.time() > deadline:
                die('attribd did not start: ' + open(self.log.name).read())
            time.sleep(0.01)

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        self.log.close()


def bench_ingest(d):
    n = int(max(5000, 1000000 * SCALE))
    jdir = os.path.join(d, 'journal')
    os.mkdir(jdir)
    print('# bench_attribd ingest: %d journaled events (DHCPv4 commits, renewals, moves, '
          'releases over 10.0.0.0/16)' % n)
    print('# scale %g (--scale or ATTRIB_BENCH_SCALE); target 200000 events/s' % SCALE)
    t = time.time()
    r = subprocess.run([JWRITE, jdir, 'gen', '--generate', str(n), '--rotate',
                        str(max(1000, n // 10)), '--sync', 'interval'], capture_output=True)
    if r.returncode:
        die('journal-write: ' + r.stderr.decode())
    figure('journal.write_rate', n / (time.time() - t), 'events/s')
    figure('journal.bytes_per_event',
           sum(os.path.getsize(os.path.join(jdir, x)) for x in os.listdir(jdir)) / n, 'bytes')
    db = os.path.join(d, 'ingest.db')
    t = time.time()
    dm = Daemon(d, db, jdir)
    while any(x.endswith('.journal') for x in os.listdir(jdir)):
        time.sleep(0.02)
    secs = time.time() - t
    dm.stop()
    c = sqlite3.connect(db)
    got = c.execute('SELECT count(*) FROM event').fetchone()[0]
    bindings = c.execute('SELECT count(*) FROM binding').fetchone()[0]
    c.close()
    if got != n:
        die('ingest: %d events in the store, %d written' % (got, n))
    figure('ingest.seconds', secs, 's')
    figure('ingest.rate', n / secs, 'events/s')
    figure('ingest.target_ratio', n / secs / 200000, 'x')
    figure('store.bindings', bindings, 'bindings')

    # The same events as JSON lines, through attrib apply into a new store.
    jl = os.path.join(d, 'events.jsonl')
    with open(jl, 'w') as f:
        subprocess.run([JWRITE, jdir, 'gen', '--generate', str(n), '--jsonl'], stdout=f,
                       check=True)
    db2 = os.path.join(d, 'apply.db')
    t = time.time()
    r = subprocess.run([ATTRIB, '--db', db2, 'apply', jl], capture_output=True)
    secs2 = time.time() - t
    if r.returncode:
        die('attrib apply: ' + r.stderr.decode())
    figure('apply.rate', n / secs2, 'events/s')
    figure('ingest.vs_apply', secs2 / secs, 'x')
    c = sqlite3.connect(db2)
    same = c.execute('SELECT count(*) FROM binding').fetchone()[0] == bindings
    c.close()
    if not same:
        die('attrib apply made another number of bindings than attribd')


def read_answers(s, n, into):
    """Read @n answer lines off @s into the list @into (raw bytes)."""
    buf = bytearray()
    lines = 0
    while lines < n:
        d = s.recv(1 << 20)
        if not d:
            break
        lines += d.count(b'\n')
        buf += d
    into.append(bytes(buf))


def pipelined(s, reqs):
    """Write every request of @reqs on @s while a thread reads the answers,
    one line each: return the answers (raw bytes) and the seconds taken."""
    got = []
    th = threading.Thread(target=read_answers, args=(s, len(reqs), got))
    t = time.time()
    th.start()
    s.sendall(b''.join(reqs))
    th.join()
    return got[0], time.time() - t


def bench_socket(d):
    print('# bench_attribd socket: lookups over attribd\'s Unix socket on bench_lookup\'s store')
    print('# scale %g (--scale or ATTRIB_BENCH_SCALE); target 50000 lookups/s' % SCALE)
    nq = int(max(2000, 200000 * min(1.0, SCALE * 10)))
    r = subprocess.run([BENCH_LOOKUP, '--make-store', d, '--scale', str(SCALE), '--queries',
                        str(nq)], capture_output=True, text=True)
    if r.returncode:
        die('bench_lookup --make-store: ' + r.stderr)
    for line in r.stdout.splitlines():
        if line.startswith('build.bindings'):
            print(line.replace('build.', 'store.'))
    qs = []
    with open(os.path.join(d, 'queries.tsv')) as f:
        for line in f:
            addr, t, account = line.rstrip('\n').split('\t')[:3]
            qs.append((addr, t, account or None))
    jdir = os.path.join(d, 'journal')
    os.mkdir(jdir)
    dm = Daemon(d, os.path.join(d, 'store.db'), jdir)
    reqs = [(json.dumps({'command': 'lookup', 'arguments': {'address': a, 'time': t}}) +
             '\n').encode() for a, t, _ in qs]

    # A warm-up pass, so every run reads the same cache.
    s = socket.socket(socket.AF_UNIX)
    s.connect(dm.sock)
    pipelined(s, reqs)

    # Pipelined: one client writes every request while it reads answers.
    got, secs = pipelined(s, reqs)
    s.close()
    answers = got.decode().splitlines()
    if len(answers) != len(qs):
        die('%d answers to %d lookups' % (len(answers), len(qs)))
    wrong = 0
    for (a, t, account), line in zip(qs, answers):
        ans = json.loads(line)
        if ans.get('result') not in (0, 3) or ans['arguments'].get('account') != account:
            wrong += 1
    if wrong:
        die('%d of %d answers name the wrong account' % (wrong, len(qs)))
    figure('lookups', len(qs), 'lookups')
    figure('pipelined.rate', len(qs) / secs, 'lookups/s')
    figure('pipelined.target_ratio', len(qs) / secs / 50000, 'x')

    # One at a time: the round trip a script waits for.
    s = socket.socket(socket.AF_UNIX)
    s.connect(dm.sock)
    k = min(len(reqs), 20000)
    rtt = []
    for q in reqs[:k]:
        t0 = time.perf_counter()
        s.sendall(q)
        buf = b''
        while not buf.endswith(b'\n'):
            buf += s.recv(1 << 16)
        rtt.append(time.perf_counter() - t0)
    s.close()
    rtt.sort()
    figure('single.rtt_p50', rtt[len(rtt) // 2] * 1e6, 'us')
    figure('single.rtt_p99', rtt[len(rtt) * 99 // 100] * 1e6, 'us')
    figure('single.rate', k / sum(rtt), 'lookups/s')
    figure('pipelined.vs_single', (len(qs) / secs) / (k / sum(rtt)), 'x')

    # Batches of 100 under "lookups", one request each, pipelined too.
    s = socket.socket(socket.AF_UNIX)
    s.connect(dm.sock)
    batches = [(json.dumps({'command': 'lookup', 'arguments': {'lookups': [
        {'address': a, 'time': t} for a, t, _ in qs[i:i + 100]]}}) + '\n').encode()
        for i in range(0, len(qs), 100)]
    got, secs_b = pipelined(s, batches)
    s.close()
    if got.count(b'\n') != len(batches):
        die('batch answers missing')
    figure('batch100.rate', len(qs) / secs_b, 'lookups/s')
    figure('pipelined.vs_batch100', secs_b / secs, 'x')
    dm.stop()


if __name__ == '__main__':
    d = tempfile.mkdtemp(prefix='attrib-bench.')
    try:
        {'ingest': bench_ingest, 'socket': bench_socket}[PART](d)
    finally:
        if not os.environ.get('ATTRIB_BENCH_KEEP'):
            shutil.rmtree(d, ignore_errors=True)
