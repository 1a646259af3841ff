#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# attribd end to end: the real daemon on journals written by the hooks'
# writer (journal-write), asked over its control socket by clients running
# as other users (setpriv).  Every expected value is worked out from the
# events below by the rules of DESIGN.md, never taken from a run.
#
# usage: test_attribd.py ATTRIBD ATTRIB JOURNAL_WRITE PART [COUNT]
#   PART: config, ingest, commands, roles, coverage, damage, hostile,
#         descriptors, exactly-once (COUNT events, 1,000,000 by default)
import calendar
import fcntl
import itertools
import json
import os
import random
import resource
import shutil
import signal
import socket
import sqlite3
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time

ATTRIBD, ATTRIB, JWRITE, PART = sys.argv[1:5]
COUNT = int(sys.argv[5]) if len(sys.argv) > 5 else 1000000

MAC_A = '00:00:5e:00:53:01'
MAC_B = '00:00:5e:00:53:02'
MAC_C = '00:00:5e:00:53:03'

# On 2026-01-10: 192.0.2.10 to A from 08:00, renewed at 08:30 for an hour
# (until 09:30), then to B from 10:00 (until 11:00); .11 to B from 12:00
# to 13:00; .20 to C, whom no account maps, from 09:00 to 10:00.
EVENTS_A = [
    ('192.0.2.10', '2026-01-10T08:00:00Z', MAC_A),
    ('192.0.2.10', '2026-01-10T08:30:00Z', MAC_A),
    ('192.0.2.10', '2026-01-10T10:00:00Z', MAC_B),
    ('192.0.2.11', '2026-01-10T12:00:00Z', MAC_B),
    ('192.0.2.20', '2026-01-10T09:00:00Z', MAC_C),
]
# Written while attribd runs: .30 to A on the next day.
EVENTS_B = [('192.0.2.30', '2026-01-11T08:00:00Z', MAC_A)]

failures = 0


def fail(msg):
    global failures
    failures += 1
    print('FAIL: ' + msg, flush=True)


def check(cond, msg):
    if not cond:
        fail(msg)
    return cond


def commit(addr, t, mac, server='kea-a'):
    return json.dumps({'type': 'lease-commit', 'source': 'dhcp4', 'server': server,
                       'address': addr, 'time': t, 'valid-lifetime': 3600, 'hwaddr': mac})


class Env:
    """A temporary directory with a store, journals, a config and attribd."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix='attribd-test.')
        # Clients run as other users must reach the socket inside.
        os.chmod(self.dir, 0o755)
        self.db = os.path.join(self.dir, 'attrib.db')
        self.jdir = os.path.join(self.dir, 'journal')
        self.sock = os.path.join(self.dir, 'attribd.sock')
        self.conf = os.path.join(self.dir, 'attribd.json')
        self.log = os.path.join(self.dir, 'attribd.log')
        os.mkdir(self.jdir)
        self.proc = None
        self.writers = []
        self.config()

    def config(self, roles=None, limits=None, **extra):
        if roles is None:
            roles = [{'role': 'legal', 'users': [0]}, {'role': 'admin', 'users': [0]}]
        cfg = {'database': self.db, 'journal-dir': self.jdir,
               'control-socket': {'socket-name': self.sock, 'mode': '0666'},
               'roles': roles}
        if limits:
            cfg['limits'] = limits
        cfg.update(extra)
        with open(self.conf, 'w') as f:
            json.dump({'attribd': cfg}, f, indent=1)

    def start(self, wait=True, nofile=None, wrap=()):
        """With nofile, attribd may open that many files (ulimit -n); wrap:
        a command that runs attribd's, given after it."""
        def limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

        logf = open(self.log, 'a')
        self.proc = subprocess.Popen(list(wrap) + [ATTRIBD, '-c', self.conf], stderr=logf,
                                     stdin=subprocess.DEVNULL,
                                     preexec_fn=limit if nofile else None)
        logf.close()
        if not wait:
            return
        deadline = time.time() + 30
        while time.time() < deadline:
            if os.path.exists(self.sock) and stat.S_ISSOCK(os.stat(self.sock).st_mode):
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        self.die('attribd did not start')

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                fail('attribd did not stop on signal %d' % sig)
                self.proc.kill()
                self.proc.wait()
        rc = self.proc.returncode if self.proc else 0
        self.proc = None
        return rc

    def die(self, msg):
        fail(msg)
        self.finish()

    def finish(self):
        for w in self.writers:
            if w.poll() is None:
                w.kill()
                w.wait()
        if self.proc:
            self.stop()
        if failures and os.path.exists(self.log):
            print("attribd's log:")
            with open(self.log) as f:
                for line in f:
                    print('    ' + line.rstrip())
        shutil.rmtree(self.dir, ignore_errors=True)
        if failures:
            print('%d failure(s)' % failures)
            sys.exit(1)
        print('ok')
        sys.exit(0)

    def logtext(self):
        with open(self.log) as f:
            return f.read()

    # Journals.

    def write(self, events, server='kea-a', hold=False, extra=()):
        """Events through the hooks' writer; with hold, the writer stays."""
        lines = ''.join(e + '\n' for e in events)
        args = [JWRITE, self.jdir, server] + list(extra)
        if hold:
            p = subprocess.Popen(args + ['--hold'], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)
            p.stdin.write(lines)
            p.stdin.close()
            check(p.stdout.readline().strip() == 'ready', 'journal-write --hold not ready')
            self.writers.append(p)
            return p
        r = subprocess.run(args, input=lines, text=True, capture_output=True)
        check(r.returncode == 0, 'journal-write: ' + r.stderr)
        return None

    def write_raw(self, records, server, start):
        lines = ''.join((x if isinstance(x, str) else json.dumps(x)) + '\n' for x in records)
        r = subprocess.run([JWRITE, '--raw', self.jdir, server, start], input=lines,
                           text=True, capture_output=True)
        check(r.returncode == 0, 'journal-write --raw: ' + r.stderr)
        return r.stdout.strip()

    def journals(self, d=None):
        d = d or self.jdir
        return sorted(n for n in os.listdir(d) if n.endswith('.journal'))

    def subscribers(self):
        path = os.path.join(self.dir, 'subs.csv')
        with open(path, 'w') as f:
            f.write('kind,value,account,valid_from,valid_to\n')
            f.write('hwaddr,%s,ACC-A,2025-01-01T00:00:00Z,\n' % MAC_A)
            f.write('hwaddr,%s,ACC-B,2025-01-01T00:00:00Z,\n' % MAC_B)
        self.cli(0, 'import', 'subscribers', path)

    def cli(self, want, *args):
        r = subprocess.run([ATTRIB, '--db', self.db] + list(args), capture_output=True,
                           text=True)
        check(r.returncode == want, 'attrib %s: exit %d, expected %d: %s%s' %
              (' '.join(args), r.returncode, want, r.stdout, r.stderr))
        return r.stdout

    # The socket.

    def connect(self):
        for _ in range(1000):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(60)
            try:
                s.connect(self.sock)
                return s
            except BlockingIOError:
                # The listen queue is full: attribd accepts at its pace.
                s.close()
                time.sleep(0.01)
        raise OSError('attribd does not accept connections')

    def ask(self, req, s=None):
        own = s is None
        s = s or self.connect()
        line = req if isinstance(req, (bytes, str)) else json.dumps(req)
        s.sendall((line if isinstance(line, bytes) else line.encode()) + b'\n')
        answer = read_line(s)
        if own:
            s.close()
        return json.loads(answer) if answer else None

    def ask_as(self, uid, gid, req, groups=None):
        """The request from a process with another uid, gid and groups."""
        client = os.path.join(self.dir, 'client.py')
        if not os.path.exists(client):
            with open(client, 'w') as f:
                f.write(CLIENT)
            os.chmod(client, 0o755)
        cmd = ['setpriv', '--reuid', str(uid), '--regid', str(gid)]
        cmd += ['--groups', ','.join(map(str, groups))] if groups else ['--clear-groups']
        r = subprocess.run(cmd + [sys.executable, client, self.sock, json.dumps(req)],
                           capture_output=True, text=True, timeout=60)
        if not check(r.returncode == 0, 'client as uid %d: %s' % (uid, r.stderr)):
            return {}
        return json.loads(r.stdout)

    def wait_for(self, what, pred, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if pred():
                return True
            if self.proc and self.proc.poll() is not None:
                self.die('attribd exited (%d) while waiting for %s' %
                         (self.proc.returncode, what))
            time.sleep(0.05)
        return check(False, 'timed out waiting for ' + what)

    def status(self):
        a = self.ask({'command': 'status'})
        return a['arguments']

    def stats(self):
        return self.ask({'command': 'statistics-get'})['arguments']


CLIENT = '''import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\\n")
buf = b""
while not buf.endswith(b"\\n"):
    d = s.recv(65536)
    if not d:
        break
    buf += d
sys.stdout.write(buf.decode())
'''


def read_line(s):
    """One answer line; None when the connection ends (closed or reset)."""
    buf = b''
    while not buf.endswith(b'\n'):
        try:
            d = s.recv(1 << 16)
        except ConnectionResetError:
            d = b''
        if not d:
            return buf.decode() if buf else None
        buf += d
    return buf.decode()


def lookup(addr, t, tol=None):
    a = {'address': addr, 'time': t}
    if tol is not None:
        a['tolerance'] = tol
    return a


def setup_data(e):
    """The store and journals every part but config starts from."""
    e.subscribers()
    e.write([commit(*x) for x in EVENTS_A])


def caught_up(e, events):
    """Wait until attribd holds @events events and has no journal left."""
    db = sqlite3.connect(e.db, timeout=30)
    ok = e.wait_for('%d events ingested' % events,
                    lambda: db.execute('SELECT count(*) FROM event').fetchone()[0] >= events
                    and not e.journals())
    db.close()
    return ok


# What the rules make of EVENTS_A: (question, status, account).
EXPECTED = [
    (lookup('192.0.2.10', '2026-01-10T08:15:00Z'), 'match', 'ACC-A'),
    (lookup('192.0.2.10', '2026-01-10T10:15:00Z'), 'match', 'ACC-B'),
    # A's lease ran out at 09:30 (renewed at 08:30 for an hour); B's began at 10:00.
    (lookup('192.0.2.10', '2026-01-10T09:45:00Z'), 'none', None),
    (lookup('192.0.2.11', '2026-01-10T12:30:00Z'), 'match', 'ACC-B'),
    (lookup('192.0.2.20', '2026-01-10T09:30:00Z'), 'unmapped', None),
    # An hour either side of 09:59 covers A's binding and B's.
    (lookup('192.0.2.10', '2026-01-10T09:59:00Z', 3600), 'ambiguous', None),
    (lookup('192.0.2.12', '2026-01-10T12:30:00Z'), 'none', None),
]


def check_answer(a, status, account, what):
    check(a.get('status') == status, '%s: status %s, expected %s' %
          (what, a.get('status'), status))
    check(a.get('account') == account, '%s: account %s, expected %s' %
          (what, a.get('account'), account))


# Parts.

def part_config(e):
    def run(args, want, text):
        r = subprocess.run([ATTRIBD] + args, capture_output=True, text=True)
        out = r.stdout + r.stderr
        check(r.returncode == want, 'attribd %s: exit %d, expected %d: %s' %
              (' '.join(args), r.returncode, want, out))
        check(text in out, 'attribd %s: %r does not say %r' % (' '.join(args), out, text))

    run(['-t', e.conf], 0, e.conf + ': valid')
    run(['--help'], 0, 'usage: attribd -c FILE')
    run(['-h'], 0, 'attribd -t FILE')
    run([], 64, 'usage: attribd')
    run(['-c', e.conf, 'extra'], 64, 'usage: attribd')
    version = subprocess.run([ATTRIBD, '-V'], capture_output=True, text=True).stdout
    check(version.startswith('attribd ') and 'store schema' in version, 'attribd -V: ' + version)
    run(['-t', os.path.join(e.dir, 'missing.json')], 66, 'missing.json')

    # The sample in etc/, comments and all, with users and groups of this host.
    sample = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'etc',
                               'attribd.json')).read()
    for name in ('"attrib-support"', '"attrib-abuse"', '"attrib-legal"', '"attrib"'):
        sample = sample.replace(name, '"root"')
    path = os.path.join(e.dir, 'sample.json')
    with open(path, 'w') as f:
        f.write(sample)
    run(['-t', path], 0, path + ': valid')
    with open(path, 'w') as f:
        f.write(sample.replace('"mode": "0660",', '"mode": "0660", /* a comment */ "mod": 1,'))
    run(['-t', path], 65, 'attribd.control-socket.mod: unknown key')

    good = json.load(open(e.conf))['attribd']
    bad = [
        ({'databse': 'x'}, 'attribd.databse: unknown key'),
        ({'stale-after': -1}, 'attribd.stale-after: expected a whole number from 1 to'),
        ({'retention-days': 'ten'}, 'attribd.retention-days: expected a whole number'),
        ({'control-socket': {'socket-name': e.sock, 'mode': '0999'}},
         'attribd.control-socket.mode: expected octal permissions'),
        ({'control-socket': {'socket-name': e.sock, 'socket-type': 'tcp'}},
         'attribd.control-socket.socket-type: only "unix" is supported'),
        ({'control-socket': {}}, 'attribd.control-socket: "socket-name" is required'),
        ({'roles': [{'role': 'boss', 'users': [0]}]},
         'attribd.roles[0]: "role" must be one of support, abuse, legal, admin'),
        ({'roles': [{'role': 'abuse', 'users': ['no-such-user-here']}]},
         'attribd.roles[0].users[0]: no user "no-such-user-here" on this system'),
        ({'limits': {'max-connections': 0}},
         'attribd.limits.max-connections: expected a whole number from 1 to 100000'),
        ({'limits': {'max-lookup': 5}}, 'attribd.limits.max-lookup: unknown key'),
    ]
    for i, (change, text) in enumerate(bad):
        cfg = dict(good)
        cfg.update(change)
        path = os.path.join(e.dir, 'bad%d.json' % i)
        with open(path, 'w') as f:
            json.dump({'attribd': cfg}, f)
        run(['-t', path], 65, text)
    missing = dict(good)
    del missing['database']
    path = os.path.join(e.dir, 'nodb.json')
    with open(path, 'w') as f:
        json.dump({'attribd': missing}, f)
    run(['-t', path], 65, 'attribd: "database" is required')
    with open(path, 'w') as f:
        f.write('{"attribd": {"database": "x",\n "journal-dir": }}\n')
    run(['-t', path], 65, path + ':2:')
    # A bad config at start: no store, no socket made.
    r = subprocess.run([ATTRIBD, '-c', path], capture_output=True, text=True)
    check(r.returncode == 65 and not os.path.exists(e.sock), 'attribd -c with a bad config')
    # A journal directory that is not there: a clear error at start.
    cfg = dict(good)
    cfg['journal-dir'] = os.path.join(e.dir, 'nowhere')
    with open(path, 'w') as f:
        json.dump({'attribd': cfg}, f)
    r = subprocess.run([ATTRIBD, '-c', path], capture_output=True, text=True, timeout=60)
    check(r.returncode == 70 and 'nowhere: No such file or directory' in r.stderr,
          'attribd with no journal directory: %d %s' % (r.returncode, r.stderr))


def part_ingest(e):
    setup_data(e)
    first = e.journals()
    check(len(first) == 1, 'journal-write made %s' % first)
    e.start()
    caught_up(e, len(EVENTS_A))
    for q, status, account in EXPECTED:
        a = e.ask({'command': 'lookup', 'arguments': q})
        check_answer(a.get('arguments', {}), status, account, 'lookup %s' % q)

    # A new journal, its writer still running: noticed without a restart,
    # applied, but kept while the writer holds it.
    q = lookup('192.0.2.30', '2026-01-11T08:10:00Z')
    check_answer(e.ask({'command': 'lookup', 'arguments': q})['arguments'], 'none', None,
                 '.30 before its journal')
    w = e.write([commit(*x) for x in EVENTS_B], server='kea-b', hold=True)
    e.wait_for('.30 applied', lambda: e.ask({'command': 'lookup', 'arguments': q})
               ['arguments'].get('account') == 'ACC-A')
    held = e.journals()
    check(len(held) == 1 and held[0].startswith('kea-b.'), 'held journal: %s' % held)
    st = e.status()['journals']
    size = os.path.getsize(os.path.join(e.jdir, held[0]))
    mine = [j for j in st if j['file'] == held[0]]
    if check(len(mine) == 1, 'status lacks %s: %s' % (held[0], st)):
        e.wait_for('position at the end', lambda: [
            j for j in e.status()['journals'] if j['file'] == held[0]][0]['position'] ==
            os.path.getsize(os.path.join(e.jdir, held[0])))
        j = [j for j in e.status()['journals'] if j['file'] == held[0]][0]
        check(j['lag'] == 0 and not j['done'] and j['server-id'] == 'kea-b',
              'status of the held journal: %s (size %d)' % (j, size))
    # The writer closes (a seal): the journal is then done and removed.
    w.send_signal(signal.SIGTERM)
    check(w.wait(30) == 0, 'journal-write --hold exit')
    e.wait_for('the sealed journal removed', lambda: not e.journals())
    e.stop()

    # With an archive directory, applied journals move there instead.
    arch = os.path.join(e.dir, 'archive')
    os.mkdir(arch)
    e.config(**{'archive-dir': arch})
    e.write([commit('192.0.2.31', '2026-01-11T09:00:00Z', MAC_B)], server='kea-c')
    name = e.journals()
    e.start()
    e.wait_for('journal archived', lambda: e.journals(arch) == name and not e.journals())
    a = e.ask({'command': 'lookup', 'arguments': lookup('192.0.2.31', '2026-01-11T09:10:00Z')})
    check_answer(a['arguments'], 'match', 'ACC-B', '.31 from the archived journal')
    # Restarted, attribd applies nothing twice (the archive is not read).
    e.stop()
    e.start()
    st = e.stats()['ingest']
    check(st['events'] == 0 and st['repeats'] == 0, 'restart re-applied: %s' % st)


def part_commands(e):
    setup_data(e)
    w = e.write([commit(*x) for x in EVENTS_B], server='kea-b', hold=True)
    e.start()
    e.wait_for('all events', lambda: e.status()['store']['events'] == 6)
    n_lookups = 0

    # One lookup, then a list answered in order; each the same object as
    # `attrib lookup --json` prints.
    for q, status, account in EXPECTED:
        a = e.ask({'command': 'lookup', 'arguments': q})
        n_lookups += 1
        check(a['result'] == (3 if status == 'none' else 0) and a['text'] == status,
              'lookup %s: result %s text %s' % (q, a['result'], a['text']))
        check_answer(a['arguments'], status, account, 'lookup %s' % q)
        args = [q['address'], q['time']] + (['--tolerance', str(q['tolerance'])]
                                             if 'tolerance' in q else [])
        code = {'match': 0, 'none': 1, 'ambiguous': 2, 'unmapped': 3}[status]
        cli = json.loads(e.cli(code, '--json', 'lookup', *args))
        check(cli == a['arguments'], 'lookup %s: socket %s, attrib --json %s' %
              (q, a['arguments'], cli))
    batch = [q for q, _, _ in EXPECTED] * 3
    random.Random(7).shuffle(batch)
    a = e.ask({'command': 'lookup', 'arguments': {'lookups': batch}})
    n_lookups += len(batch)
    want = {json.dumps(q, sort_keys=True): (s, acc) for q, s, acc in EXPECTED}
    got = a.get('arguments', {}).get('lookups', [])
    if check(a['result'] == 0 and len(got) == len(batch), 'lookups: %s' % a):
        for q, ans in zip(batch, got):
            s, acc = want[json.dumps(q, sort_keys=True)]
            check_answer(ans, s, acc, 'lookups[] %s' % q)
            check(ans['address'] == q['address'], 'lookups out of order: %s for %s' % (ans, q))
    a = e.ask({'command': 'lookup', 'arguments': {'lookups': [
        lookup('192.0.2.10', '2026-01-10T08:15:00Z'), lookup('192.0.2.10', '2026-01-10T08:15'),
        lookup('192.0.2.10', '2026-01-10T08:15:00Z')]}})
    check(a['result'] == 1 and a['text'].startswith('lookups[1]: time:'),
          'a bad lookup in a list: %s' % a)
    # A time without a zone: a socket client is told how the request gives
    # one (it has no --tz); the command line names --tz as well.
    zoneless = lookup('192.0.2.10', '2026-01-10T08:15:00')
    how = 'add Z or an offset such as +01:00, or give @EPOCH'
    a = e.ask({'command': 'lookup', 'arguments': zoneless})
    check(a['result'] == 1 and a['text'].startswith('lookup: time: time without a zone') and
          a['text'].endswith(how) and '--tz' not in a['text'], 'a zoneless time: %s' % a)
    r = subprocess.run([ATTRIB, '--db', e.db, 'lookup', zoneless['address'], zoneless['time']],
                       capture_output=True, text=True)
    check(r.returncode == 64 and how + ', or name the zone with --tz' in r.stderr,
          'attrib lookup of a zoneless time: exit %d: %s' % (r.returncode, r.stderr))

    # History: A's binding (08:00 until its renewed end 09:30), then B's.
    a = e.ask({'command': 'history', 'arguments': {
        'address': '192.0.2.10', 'from': '2026-01-10T00:00:00Z', 'to': '2026-01-11T00:00:00Z'}})
    cands = a.get('arguments', {}).get('candidates', [])
    check([(c['account'], c['start'], c['end']) for c in cands] == [
        ('ACC-A', '2026-01-10T08:00:00Z', '2026-01-10T09:30:00Z'),
        ('ACC-B', '2026-01-10T10:00:00Z', '2026-01-10T11:00:00Z')], 'history: %s' % a)
    check(a['text'] == '2 bindings', 'history text: %s' % a['text'])
    cli = json.loads(e.cli(0, '--json', 'history', '192.0.2.10', '--from',
                           '2026-01-10T00:00:00Z', '--to', '2026-01-11T00:00:00Z'))
    check(cli == a['arguments'], 'history: socket %s, attrib --json %s' % (a['arguments'], cli))
    a = e.ask({'command': 'history', 'arguments': {
        'address': '192.0.2.10', 'from': '2026-01-11T00:00:00Z', 'to': '2026-01-10T00:00:00Z'}})
    check(a['result'] == 1 and '"to" must be after "from"' in a['text'], 'history to<from')

    # Status: the held journal read to its end, the store's counts (five
    # bindings: .10 twice, .11, .20, .30; six events; two subscribers).
    st = e.status()
    js = st['journals']
    check(len(js) == 1 and js[0]['server-id'] == 'kea-b', 'status journals: %s' % js)
    if js:
        size = os.path.getsize(os.path.join(e.jdir, js[0]['file']))
        check(js[0]['position'] == size and js[0]['size'] == size and js[0]['lag'] == 0,
              'status journal position: %s, size %d' % (js[0], size))
    s = st['store']
    check((s['bindings'], s['events'], s['subscribers']) == (5, 6, 2), 'status store: %s' % s)
    check(s['bytes'] >= os.path.getsize(e.db), 'status store bytes: %s' % s)
    check(st['ingest-caught-up'] is True, 'status: not caught up')
    srcs = {c['server-id']: c for c in st.get('coverage', [])}
    check(set(srcs) == {'kea-a', 'kea-b'}, 'status coverage: %s' % st.get('coverage'))
    # kea-a's writer closed its journal; kea-b's is running and heard.
    if 'kea-a' in srcs:
        check(srcs['kea-a']['closed'] and not srcs['kea-a']['silent'] and
              srcs['kea-a']['lost'] == 0, 'kea-a coverage: %s' % srcs['kea-a'])
    if 'kea-b' in srcs:
        check(not srcs['kea-b']['closed'] and not srcs['kea-b']['silent'],
              'kea-b coverage: %s' % srcs['kea-b'])

    # Statistics: the lookups above, by count.
    sg = e.stats()
    check(sg['lookups'] == n_lookups, 'statistics lookups %s, expected %d' %
          (sg['lookups'], n_lookups))
    check(sg['histories'] == 1, 'statistics histories %s' % sg['histories'])
    check(sg['ingest']['events'] == 6, 'statistics ingest: %s' % sg['ingest'])

    # list-commands as the roles the config gives root (legal and admin).
    a = e.ask({'command': 'list-commands'})
    check(a['arguments'] == sorted([
        'audit-show', 'audit-verify', 'cases', 'cases-record', 'cases-warn', 'config-reload',
        'export', 'history', 'hold-add', 'hold-list', 'hold-release', 'list-commands',
        'lookup', 'purge', 'shutdown', 'statistics-get', 'status', 'version-get']),
        'list-commands: %s' % a['arguments'])
    a = e.ask({'command': 'version-get'})
    version = subprocess.run([ATTRIBD, '-V'], capture_output=True, text=True).stdout.split()[1]
    check(a['result'] == 0 and a['text'] == version, 'version-get: %s, attribd -V %s' %
          (a, version))

    # config-reload: a broken file keeps the running config; a good one
    # takes effect (root loses admin: shutdown then refused).
    good = open(e.conf).read()
    with open(e.conf, 'w') as f:
        f.write('{"attribd": {"database": 1}}')
    a = e.ask({'command': 'config-reload'})
    check(a['result'] == 1 and a['text'].startswith('configuration not reloaded: ') and
          'database' in a['text'], 'config-reload of a bad file: %s' % a)
    with open(e.conf, 'w') as f:
        f.write(good)
    e.config(roles=[{'role': 'legal', 'users': [0]}])
    a = e.ask({'command': 'config-reload'})
    check(a['result'] == 0 and a['text'] == 'configuration reloaded', 'config-reload: %s' % a)
    a = e.ask({'command': 'shutdown'})
    check(a['result'] == 1 and a['arguments']['error'] == 'permission' and
          'shutdown needs the role admin' in a['text'], 'shutdown without admin: %s' % a)
    e.config()
    check(e.ask({'command': 'config-reload'})['result'] == 1, 'reload without admin')
    os.kill(e.proc.pid, signal.SIGHUP)
    e.wait_for('SIGHUP reload', lambda: e.logtext().count('reloaded') >= 2)

    # shutdown: answered, then attribd exits 0 and takes its socket away.
    w.send_signal(signal.SIGTERM)
    w.wait(30)
    a = e.ask({'command': 'shutdown'})
    check(a['result'] == 0 and a['text'] == 'shutting down', 'shutdown: %s' % a)
    try:
        rc = e.proc.wait(30)
    except subprocess.TimeoutExpired:
        rc = None
    check(rc == 0, 'attribd after shutdown: exit %s' % rc)
    check(not os.path.exists(e.sock), 'the socket outlived attribd')
    e.proc = None

    # Every request above is in the audit, with its outcome.
    audit = json.loads(e.cli(0, 'audit', 'show', '--json'))['entries']
    mine = [x for x in audit if x['uid'] == 0 and x['pid'] != None]
    cmds = [x['command'] for x in mine]
    check(cmds.count('lookup') >= len(EXPECTED) + 2, 'audit lookups: %s' % cmds)
    check(cmds.count('config-reload') == 3 and cmds.count('shutdown') == 2,
          'audit reload/shutdown: %s' % cmds)
    check([x['result'] for x in mine if x['command'] == 'shutdown'] == [1, 0],
          'audit shutdown results')


UIDS = {'support': 61001, 'abuse': 61002, 'legal': 61003, 'admin': 61004}
GROUP_ABUSE = 61010
NOBODY = 61006


def part_roles(e):
    setup_data(e)
    roles = [{'role': r, 'users': [u]} for r, u in UIDS.items()]
    roles.append({'role': 'abuse', 'groups': [GROUP_ABUSE]})
    e.config(roles=roles)
    e.start()
    caught_up(e, len(EVENTS_A))
    q = {'command': 'lookup', 'arguments': lookup('192.0.2.10', '2026-01-10T08:15:00Z')}
    export = {'command': 'export', 'arguments': {
        'case': 'R1', 'address': '192.0.2.10', 'from': '2026-01-10T00:00:00Z',
        'to': '2026-01-11T00:00:00Z'}}
    asked = {}

    def ask(who, uid, req, groups=None):
        asked[uid] = asked.get(uid, 0) + 1
        return e.ask_as(uid, uid, req, groups)

    # Support: the account, never an identity, the server or the session.
    a = ask('support', UIDS['support'], q)
    c = a.get('arguments', {}).get('candidates', [{}])[0]
    check(a.get('arguments', {}).get('account') == 'ACC-A' and 'identities' not in c and
          'identity' not in c and 'server' not in c, 'support saw: %s' % a)
    a = ask('support', UIDS['support'], {'command': 'status'})
    check(a.get('result') == 0, 'support status: %s' % a)
    a = ask('support', UIDS['support'], export)
    check(a.get('result') == 1 and 'export needs the role legal' in a.get('text', ''),
          'support export: %s' % a)
    # Abuse, by uid and by a supplementary group: identities too.
    for uid, groups in ((UIDS['abuse'], None), (61005, [GROUP_ABUSE])):
        a = ask('abuse', uid, q, groups)
        c = a.get('arguments', {}).get('candidates', [{}])[0]
        check(c.get('identities', {}).get('hwaddr') == MAC_A, 'abuse uid %d saw: %s' % (uid, a))
        a = ask('abuse', uid, {'command': 'hold-list'}, groups)
        check(a.get('result') == 1 and a['arguments']['error'] == 'permission',
              'abuse hold-list: %s' % a)
    # Legal: everything but the daemon's own commands.
    a = ask('legal', UIDS['legal'], {'command': 'hold-list'})
    check(a.get('result') in (0, 3), 'legal hold-list: %s' % a)
    a = ask('legal', UIDS['legal'], {'command': 'shutdown'})
    check(a.get('result') == 1 and 'shutdown needs the role admin' in a.get('text', ''),
          'legal shutdown: %s' % a)
    # Admin: the daemon, not the customers.
    a = ask('admin', UIDS['admin'], q)
    check(a.get('result') == 1 and 'lookup needs the role support,abuse,legal' in
          a.get('text', ''), 'admin lookup: %s' % a)
    a = ask('admin', UIDS['admin'], {'command': 'list-commands'})
    check(a.get('arguments') == ['audit-show', 'audit-verify', 'config-reload', 'list-commands',
                                 'purge', 'shutdown', 'statistics-get', 'status',
                                 'version-get'], 'admin list-commands: %s' % a)
    a = ask('support', UIDS['support'], {'command': 'list-commands'})
    check(a.get('arguments') == ['history', 'list-commands', 'lookup', 'statistics-get',
                                 'status', 'version-get'], 'support list-commands: %s' % a)
    # No role: refused, whatever the command.
    for req in (q, {'command': 'version-get'}, {'command': 'nonsense'}):
        a = ask('none', NOBODY, req)
        check(a.get('result') == 1 and a.get('text') == 'no role for uid %d' % NOBODY and
              a['arguments']['error'] == 'permission', 'no role: %s' % a)
    e.stop()
    # Every request audited: uid, the role served under, command, result.
    audit = json.loads(e.cli(0, 'audit', 'show', '--json'))['entries']
    for uid, n in asked.items():
        got = [x for x in audit if x['uid'] == uid]
        check(len(got) == n, 'uid %d: %d requests, %d audit entries' % (uid, n, len(got)))
    rows = {(x['uid'], x['role'], x['command'], x['result']) for x in audit}
    for row in [(UIDS['support'], 'support', 'lookup', 0),
                (UIDS['support'], 'support', 'export', 1),
                (UIDS['abuse'], 'abuse', 'lookup', 0), (61005, 'abuse', 'lookup', 0),
                (UIDS['legal'], 'legal', 'hold-list', 0), (UIDS['admin'], 'admin', 'lookup', 1),
                (NOBODY, None, 'lookup', 1), (NOBODY, None, 'nonsense', 1)]:
        check(row in rows or row[2:] == ('hold-list', 0) and row[:3] + (3,) in rows,
              'audit lacks %s' % (row,))
    e.cli(0, 'audit', 'verify')


def part_coverage(e):
    e.subscribers()
    # kea-c, by its own clock from 2026-02-01T00:00:00Z: heartbeats every
    # 30 s, .40 to A at 00:00:10, silent from 00:10 to 00:30, 3 events lost
    # from 00:35 to 00:36, closed at 01:00.
    t0 = 1769904000

    def ts(s):
        return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(t0 + s))

    recs = [{'heartbeat': ts(0), 'interval-ms': 30000, 'events': 0},
            commit('192.0.2.40', ts(10), MAC_A, 'kea-c')]
    for s in list(range(30, 601, 30)) + list(range(1800, 3601, 30)):
        recs.append({'heartbeat': ts(s), 'interval-ms': 30000, 'events': 1})
        if s == 2160:
            recs.append({'loss': 3, 'first': ts(2100), 'last': ts(2160)})
    recs.append({'seal': ts(3600), 'events': 1})
    e.write_raw(recs, 'kea-c', ts(0))
    e.start()
    caught_up(e, 1)

    def cov(addr, s):
        return e.ask({'command': 'lookup', 'arguments': lookup(addr, ts(s))})['arguments']

    a = cov('192.0.2.40', 300)
    check(a['status'] == 'match' and a['coverage'] == 'complete' and 'coverage-note' not in a,
          'heard and nothing lost: %s' % a)
    # Silent from the last heartbeat's reach (00:10:00 + 2 x 30 s) to 00:30:
    # a lookup at 00:20 says so, up to the time asked; one at 00:30 spans it.
    for addr, status in (('192.0.2.40', 'match'), ('192.0.2.41', 'none')):
        a = cov(addr, 1200)
        check(a['status'] == status and a['coverage'] == 'gap' and
              a.get('coverage-note') == 'kea-c not heard from %s to %s' % (ts(660), ts(1200)),
              'silence: %s' % a)
    a = e.ask({'command': 'lookup', 'arguments': lookup('192.0.2.41', ts(1500), 600)})
    check(a['arguments'].get('coverage-note') == 'kea-c not heard from %s to %s' %
          (ts(660), ts(1800)), 'silence within a tolerance: %s' % a['arguments'])
    # Heard just before and after the silence: complete.
    for s in (620, 1830):
        a = cov('192.0.2.40', s)
        check(a['coverage'] == 'complete', 'at +%d s: %s' % (s, a))
    a = cov('192.0.2.41', 2200)
    check(a['status'] == 'none' and a['coverage'] == 'gap' and
          a.get('coverage-note') == 'kea-c lost 3 events from %s to %s' % (ts(2100), ts(2160)),
          'loss: %s' % a)
    # After the close and past stale-after (2 h) from the loss: complete.
    a = cov('192.0.2.41', 3 * 3600)
    check(a['coverage'] == 'complete', 'after the close: %s' % a)
    # Before kea-c existed nothing is known.
    a = cov('192.0.2.41', -86400)
    check(a['coverage'] == 'unknown', 'before any heartbeat: %s' % a)
    src = [c for c in e.status().get('coverage', []) if c['server-id'] == 'kea-c']
    check(len(src) == 1 and src[0]['lost'] == 3 and src[0]['closed'] and
          src[0]['last-loss'] == ts(2160) and src[0]['last-heard'] == ts(3600) and
          src[0]['spans'] == 2 and src[0]['first-heard'] == ts(0),
          'status coverage: %s' % src)


def part_damage(e):
    e.subscribers()
    start = '2026-03-01T00:00:00Z'
    # A torn tail: the writer died inside its third event.
    torn = e.write_raw([commit('192.0.2.50', '2026-03-01T00:00:01Z', MAC_A, 't'),
                        commit('192.0.2.51', '2026-03-01T00:00:02Z', MAC_A, 't'),
                        commit('192.0.2.52', '2026-03-01T00:00:03Z', MAC_A, 't')], 't', start)
    os.truncate(torn, os.path.getsize(torn) - 7)
    # Garbage after two good events, and a good event after the garbage;
    # then the writer (pid 4343) rotates: its second journal, made at
    # 00:05:00, holds the reclaim of .69's lease, stamped with when it
    # expired (00:00:30: events carry their own time, not the writer's), a
    # heartbeat at 00:05:00 and its clean close, the writer having written
    # five events in all.
    mar1 = calendar.timegm((2026, 3, 1, 0, 0, 0))
    g = os.path.join(e.jdir, journal_name('g', 4343, 1, '20260301T000000Z'))
    good = journal_header('g', 4343, 1, mar1 * 1000000) + raw_body(
        e, 'g', start, [commit('192.0.2.60', '2026-03-01T00:00:01Z', MAC_B, 'g'),
                        commit('192.0.2.61', '2026-03-01T00:00:02Z', MAC_B, 'g'),
                        commit('192.0.2.63', '2026-03-01T00:03:20Z', MAC_B, 'g')])
    good_size = len(good)
    put_journal(e, os.path.basename(g), good + bytes(
        random.Random(3).randrange(1, 256) for _ in range(333)) + raw_body(
            e, 'g', start, [commit('192.0.2.62', '2026-03-01T00:00:03Z', MAC_B, 'g')]))
    put_journal(e, journal_name('g', 4343, 2, '20260301T000000Z'),
                journal_header('g', 4343, 2, mar1 * 1000000, (mar1 + 300) * 1000000) +
                raw_body(e, 'g', start, [
                    json.dumps({'type': 'lease-expire', 'source': 'dhcp4', 'server': 'g',
                                'address': '192.0.2.69', 'time': ts_of(mar1 + 30),
                                'hwaddr': MAC_B}),
                    {'heartbeat': ts_of(mar1 + 300), 'interval-ms': 30000, 'events': 5},
                    {'seal': ts_of(mar1 + 300), 'events': 5}]))
    # Writer h (pid 4444, started 01:00:00): its first journal holds .80's
    # commit to B at +1 s; its second, its header damaged, .80's release at
    # +45 s and commit to A at +50 s; its third, made at +90 s, heartbeats
    # and a clean close.
    h0, hs = mar1 + 3600, '20260301T010000Z'

    def h_header(seq, made):
        return journal_header('h', 4444, seq, h0 * 1000000, (h0 + made) * 1000000)

    put_journal(e, journal_name('h', 4444, 1, hs), h_header(1, 0) + raw_body(e, 'h', start, [
        {'heartbeat': ts_of(h0), 'interval-ms': 30000, 'events': 0},
        commit('192.0.2.80', ts_of(h0 + 1), MAC_B, 'h'),
        {'heartbeat': ts_of(h0 + 30), 'interval-ms': 30000, 'events': 1},
        {'seal': ts_of(h0 + 40), 'events': 1}]))
    h2 = bytearray(h_header(2, 40))
    h2[20] ^= 0x10
    put_journal(e, journal_name('h', 4444, 2, hs), bytes(h2) + raw_body(e, 'h', start, [
        json.dumps({'type': 'lease-release', 'source': 'dhcp4', 'server': 'h',
                    'address': '192.0.2.80', 'time': ts_of(h0 + 45), 'hwaddr': MAC_B}),
        commit('192.0.2.80', ts_of(h0 + 50), MAC_A, 'h'),
        {'seal': ts_of(h0 + 89), 'events': 3}]))
    put_journal(e, journal_name('h', 4444, 3, hs), h_header(3, 90) + raw_body(e, 'h', start, [
        {'heartbeat': ts_of(h0 + 90), 'interval-ms': 30000, 'events': 3},
        {'seal': ts_of(h0 + 120), 'events': 3}]))
    # A journal that was applied, then cut short behind attribd's back.
    e.start()
    w = e.write([commit('192.0.2.70', '2026-03-01T00:00:01Z', MAC_A, 'c'),
                 commit('192.0.2.71', '2026-03-01T00:00:02Z', MAC_A, 'c')], server='c',
                hold=True)
    cut = os.path.join(e.jdir, [n for n in e.journals() if n.startswith('c.')][0])
    e.wait_for('c applied', lambda: [j for j in e.status()['journals'] if
                                     j['server-id'] == 'c' and j['lag'] == 0 and
                                     j['position'] == os.path.getsize(cut)])
    e.stop()
    os.truncate(cut, 100)
    e.start()

    def status_of(addr):
        return e.ask({'command': 'lookup', 'arguments': lookup(addr, '2026-03-01T00:10:00Z')}
                     )['arguments']['status']

    e.wait_for('torn journal done', lambda: not [n for n in e.journals() if n.startswith('t.')])
    e.wait_for('garbage set aside', lambda: [j for j in e.status()['journals']
                                            if j['server-id'] == 'g' and 'set-aside' in j])
    e.wait_for('cut journal set aside', lambda: [j for j in e.status()['journals']
                                                if j['server-id'] == 'c' and 'set-aside' in j])
    for addr, want in (('192.0.2.50', 'match'), ('192.0.2.51', 'match'), ('192.0.2.52', 'none'),
                       ('192.0.2.60', 'match'), ('192.0.2.61', 'match'), ('192.0.2.62', 'none'),
                       ('192.0.2.70', 'match'), ('192.0.2.71', 'match')):
        check(status_of(addr) == want, '%s: %s, expected %s' % (addr, status_of(addr), want))
    # What g's first journal holds past the garbage is not known: from when
    # it was made (00:00:00) to when its second journal was (00:05:00), by
    # the writer's clock, not the times its events carry (.63's 00:03:20,
    # the reclaim's 00:00:30), coverage is a gap, which says why.  Like a
    # loss, it counts up to stale-after (2 h) later: a lost renewal would
    # have kept an address held.  Past that the note is another's: h's
    # (below), which counts until 03:01:30.
    e.wait_for("g's second journal applied", lambda: [
        c for c in e.status()['coverage'] if c['server-id'] == 'g' and c['closed']])

    def coverage_of(addr, s):
        a = e.ask({'command': 'lookup', 'arguments': lookup(addr, ts_of(mar1 + s))}
                  )['arguments']
        return a['status'], a['coverage'], a.get('coverage-note')

    aside = ('gap', 'g not all read from 2026-03-01T00:00:00Z to 2026-03-01T00:05:00Z: '
             'a journal of it is set aside (damaged)')
    for addr, s, want in (('192.0.2.62', 3, ('none',) + aside),
                          ('192.0.2.61', 200, ('match',) + aside),
                          ('192.0.2.61', 301, ('match',) + aside),
                          ('192.0.2.62', 7499, ('none',) + aside),
                          ('192.0.2.62', 7501, ('none', 'gap', 'h not all read from '
                                                '2026-03-01T01:00:00Z to 2026-03-01T01:01:30Z: '
                                                'a journal of it is set aside (damaged)'))):
        check(coverage_of(addr, s) == want, '%s at +%d s: %s, expected %s' %
              (addr, s, coverage_of(addr, s), want))
    # h's second journal has no header to read, but its name says whose it
    # is: from when the one before was made (01:00:00) to the third
    # (01:01:30) coverage is a gap; .80 still names B, the last evidence
    # read, but not as complete (before: complete, while A held it).  g's
    # gap counts then too, for stale-after past its end: the note names
    # h's, which spans the time asked.
    e.wait_for("h's third journal applied", lambda: [
        c for c in e.status()['coverage'] if c['server-id'] == 'h' and c['closed'] and
        c['last-heard'] == ts_of(h0 + 120)])
    got = coverage_of('192.0.2.80', h0 - mar1 + 70)
    check(got == ('match', 'gap', 'h not all read from 2026-03-01T01:00:00Z to '
                  '2026-03-01T01:01:30Z: a journal of it is set aside (damaged)'),
          '.80 at 01:01:10: %s' % (got,))
    a = json.loads(e.cli(1, 'lookup', '192.0.2.62', ts_of(mar1 + 3), '--json') or '{}')
    check(a.get('coverage-note') == aside[1], 'attrib --db on the set-aside journal: %s' % a)
    js = {j['server-id']: j for j in e.status()['journals'] if 'set-aside' in j}
    if 'g' in js:
        check(js['g']['position'] == good_size and
              js['g']['set-aside'].startswith('offset %d: ' % good_size),
              'garbage reported: %s (good part %d bytes)' % (js['g'], good_size))
    if 'c' in js:
        check('shorter than the' in js['c']['set-aside'], 'cut reported: %s' % js['c'])
    log = e.logtext()
    check('ends in part of a record' in log and 'set aside' in log, 'the log does not report it')
    check(len(e.journals()) == 3, 'damaged journals must stay for an operator: %s' % e.journals())
    # The torn event counts as lost: the answers around it say gap.
    db = sqlite3.connect(e.db)
    check(db.execute("SELECT sum(lost) FROM loss WHERE server_id = 't'").fetchone()[0] == 1,
          'the torn event is not counted as lost')
    # g's close says it wrote five events: the one past the garbage is lost.
    check(db.execute("SELECT first, last, lost FROM loss WHERE server_id = 'g'").fetchall() ==
          [((mar1 + 300) * 1000000,) * 2 + (1,)], "g's lost event: %s" %
          db.execute("SELECT * FROM loss WHERE server_id = 'g'").fetchall())
    db.close()
    w.send_signal(signal.SIGTERM)
    w.wait(30)


def part_hostile(e):
    setup_data(e)
    e.config(limits={'max-connections': 1010, 'idle-timeout': 3, 'max-queued-bytes': 65536})
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    e.start()
    caught_up(e, len(EVENTS_A))
    q, qstatus, qacc = EXPECTED[0]
    good = json.dumps({'command': 'lookup', 'arguments': q})
    answered = [0]

    def good_lookup(what, s=None):
        a = e.ask(good, s)
        ok = a is not None and a.get('result') == 0 and a['arguments'].get('account') == qacc
        check(ok, 'a lookup while %s: %s' % (what, a))
        answered[0] += ok

    # Malformed JSON, a non-object, an unknown command, an unknown argument:
    # each a clear error, the connection still served.
    s = e.connect()
    for line, result, text in [
            ('{"command": "lookup", ', 1, 'malformed JSON at column'),
            ('[1, 2]', 1, 'a request is an object with a "command" string'),
            ('{"command": "frobnicate"}', 2, "'frobnicate' command not supported"),
            ('{"command": "lookup", "arguments": {"adress": "192.0.2.10"}}', 1,
             'lookup: unknown argument "adress"'),
            ('{"command": "lookup", "arguments": {"address": "192.0.2.300", '
             '"time": "@0"}}', 1, 'lookup: address:'),
            ('{"command": "lookup", "command": "lookup"}', 1, 'malformed JSON'),
            ('{"command": "status", "arguments": {"x": 1}}', 1,
             'status: unknown argument "x"'),
            ('{"command": "config-reload", "arguments": {"file": "/etc/passwd"}}', 1,
             'config-reload: unknown argument "file"'),
            ('{"command": "status", "arguments": {}}', 0, 'attribd'),
            (b'\xff\xfe{}', 1, 'malformed JSON')]:
        a = e.ask(line, s)
        check(a and a['result'] == result and a['text'].startswith(text),
              '%r: %s, expected %d %s' % (line, a, result, text))
        good_lookup('after a bad request, same connection', s)
    s.close()

    # A 100 MiB line: refused with its reason and cut off, others served.
    big = e.connect()
    sent = [0]

    def send_big():
        chunk = b'x' * (1 << 20)
        try:
            for _ in range(100):
                big.sendall(chunk)
                sent[0] += len(chunk)
        except OSError:
            pass

    t = threading.Thread(target=send_big)
    t.start()
    good_lookup('a 100 MiB line comes in')
    a = read_line(big)
    check(a and json.loads(a)['text'].startswith('request longer than the limit '
                                                 '(max-request-bytes)'), '100 MiB line: %s' % a)
    check(read_line(big) is None, 'the connection of the 100 MiB line stays open')
    t.join()
    check(sent[0] < 100 << 20, 'attribd read all of a 100 MiB line')
    big.close()
    good_lookup('after the 100 MiB line')

    # A client that never reads its answers: cut off once 64 KiB wait for it.
    slow = e.connect()
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stop = threading.Event()

    def flood():
        try:
            while not stop.is_set():
                slow.sendall((good + '\n').encode() * 100)
        except OSError:
            pass

    t = threading.Thread(target=flood)
    t.start()
    e.wait_for('the non-reader cut off', lambda: e.stats()['connections']['not-reading'] == 1)
    for _ in range(20):
        good_lookup('a client does not read')
    stop.set()
    t.join()
    slow.close()

    # 1,000 idle connections: lookups answered meanwhile; beyond
    # max-connections a clear refusal; the idle ones cut off after 3 s.
    idle = [e.connect() for _ in range(1000)]
    e.wait_for('1000 open', lambda: e.stats()['connections']['open'] >= 1001)
    one = e.connect()
    for _ in range(20):
        good_lookup('1,000 connections are idle', one)
    extra = [e.connect() for _ in range(20)]
    refused = 0
    # Those within the limit are idle too, and told so in their turn.
    for x in extra:
        line = read_line(x)
        text = json.loads(line)['text'] if line else None
        check(text in ('too many connections (max-connections): try again later',
                       'idle too long (idle-timeout): connection closed'),
              'over the limit: %s' % line)
        refused += text is not None and text.startswith('too many')
        x.close()
    check(refused >= 10, '%d of 20 connections over max-connections refused' % refused)
    one.close()
    deadline = time.time() + 30
    cut = 0
    told = 0
    for x in idle:
        x.settimeout(max(0.1, deadline - time.time()))
        try:
            line = read_line(x)
            told += line is not None and json.loads(line)['text'] == \
                'idle too long (idle-timeout): connection closed'
            cut += line is None or read_line(x) is None
        except OSError:
            pass
        x.close()
    check(told == 1000, '%d of 1000 idle connections told why they were closed' % told)
    check(cut == 1000, '%d of 1000 idle connections cut off' % cut)
    good_lookup('the idle ones are gone')
    st = e.stats()['connections']
    check(st['idle'] >= 1000 and st['refused'] >= refused and st['too-long'] == 1,
          'statistics connections: %s' % st)
    # Still alive and ingesting after all this.
    e.write([commit('192.0.2.80', '2026-01-12T08:00:00Z', MAC_B)], server='late')
    e.wait_for('a journal after the hostile clients', lambda: e.ask(
        {'command': 'lookup', 'arguments': lookup('192.0.2.80', '2026-01-12T08:05:00Z')})
        ['arguments'].get('account') == 'ACC-B')
    print('lookups answered among hostile clients: %d' % answered[0])
    check(e.stop() == 0, 'attribd exit status after the hostile clients')


def crc32c(data):
    """CRC-32C (Castagnoli), bit by bit, as a journal header ends in."""
    crc = 0xffffffff
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = crc >> 1 ^ (0x82f63b78 if crc & 1 else 0)
    return crc ^ 0xffffffff


JAN1_US = 1767225600 * 1000000  # 2026-01-01T00:00:00Z


def journal_header(server, pid, seq=1, started=JAN1_US, created=None):
    """A version 1 journal header laid out as attrib/journal.h describes it;
    the file made when its writer started, unless @created says when."""
    sid = server.encode()
    h = b'\x89ATRJNL\n' + struct.pack('<HHIIqqB', 1, 41 + len(sid), pid, seq, started,
                                      started if created is None else created,
                                      len(sid)) + sid
    return h + struct.pack('<I', crc32c(h))


def journal_name(server, pid, seq=1, start='20260101T000000Z'):
    return '%s.%s.%d.%06d.journal' % (server, start, pid, seq)


def ts_of(t):
    """Epoch seconds as attrib writes a time."""
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(t))


def raw_body(e, server, start, records):
    """The records of a journal as journal-write --raw encodes them, without
    its header, to go behind one made here."""
    d = tempfile.mkdtemp(dir=e.dir)
    r = subprocess.run([JWRITE, '--raw', d, server, start], text=True, capture_output=True,
                       input=''.join((x if isinstance(x, str) else json.dumps(x)) + '\n'
                                     for x in records))
    check(r.returncode == 0, 'journal-write --raw: ' + r.stderr)
    with open(r.stdout.strip(), 'rb') as f:
        data = f.read()
    shutil.rmtree(d)
    return data[len(journal_header(server, 1)):]


def put_journal(e, name, data, lock=False):
    """A journal under its name at once, as a writer links it; with lock,
    held as its live writer would (the descriptor is returned)."""
    tmp = os.path.join(e.jdir, '.put-' + name)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    if lock:
        fcntl.flock(fd, fcntl.LOCK_EX)
    os.write(fd, data)
    os.rename(tmp, os.path.join(e.jdir, name))
    if lock:
        return fd
    os.close(fd)
    return None


# 'steady', heard every 30 s from 2025-12-31T21:50:00Z to 23:40:00Z and
# closed then: before 2026-01-01, when the journals set aside below were
# heard (and fell silent), the only source heard but for those under test.
STEADY_START = calendar.timegm((2025, 12, 31, 21, 50, 0))


def part_descriptors(e):
    """attribd allowed 256 open files: 1,200 journals it sets aside hold
    none of them, and journals beyond what the limit allows wait for a
    later scan, neither lost nor applied twice, while the socket serves;
    lookups report the gap while they wait.  Then descriptors_fairness()."""
    check(crc32c(b'123456789') == 0xe3069283, 'crc32c check value')
    setup_data(e)
    e.write_raw([{'heartbeat': ts_of(t), 'interval-ms': 30000, 'events': 0}
                 for t in range(STEADY_START, STEADY_START + 6601, 30)] +
                [{'seal': ts_of(STEADY_START + 6600), 'events': 0}], 'steady',
                ts_of(STEADY_START))
    # 1,000 writers' journals, set aside for a record of an unknown kind
    # (0xff) with more bytes behind it: 600 have it first, where attribd
    # takes up the file; 400 after a heartbeat, where it reads on.
    for pid in range(1, 601):
        with open(os.path.join(e.jdir, journal_name('junk', pid)), 'wb') as f:
            f.write(journal_header('junk', pid) + b'\xff' * 64)
    tmpl = os.path.join(e.dir, 'template')
    os.mkdir(tmpl)
    r = subprocess.run([JWRITE, '--raw', tmpl, 'junk', '2026-01-01T00:00:00Z'], text=True,
                       capture_output=True, input=json.dumps(
                           {'heartbeat': '2026-01-01T00:00:01Z', 'interval-ms': 30000,
                            'events': 0}) + '\n')
    check(r.returncode == 0, 'journal-write --raw: ' + r.stderr)
    heartbeat = open(r.stdout.strip(), 'rb').read()[len(journal_header('junk', 1)):]
    later = len(journal_header('junk', 1)) + len(heartbeat)
    for pid in range(601, 1001):
        with open(os.path.join(e.jdir, journal_name('junk', pid)), 'wb') as f:
            f.write(journal_header('junk', pid) + heartbeat + b'\xff' * 64)
    # 200 files of noise named like journals: no header at all.
    rng = random.Random(11)
    for i in range(200):
        with open(os.path.join(e.jdir, 'noise-%03d.journal' % i), 'wb') as f:
            f.write(b'\x00' + bytes(rng.randrange(256) for _ in range(99)))
    e.start(nofile=256)

    def account(q):
        try:
            a = e.ask({'command': 'lookup', 'arguments': q})
        except OSError:
            return None
        return a and a.get('arguments', {}).get('account')

    q0, _, acc0 = EXPECTED[0]
    if not e.wait_for('the good journal applied beside 1,200 set aside',
                      lambda: account(q0) == acc0, timeout=90):
        return
    for q, status, acc in EXPECTED:
        a = e.ask({'command': 'lookup', 'arguments': q})
        check_answer(a.get('arguments', {}), status, acc, 'lookup %s' % q)
    e.wait_for('all 1,200 set aside', lambda: len(
        [j for j in e.status()['journals'] if 'set-aside' in j]) == 1200)
    why = {}
    for j in e.status()['journals']:
        pid = int(j['file'].split('.')[2]) if j['file'].startswith('junk.') else 0
        kind = 'first' if 0 < pid <= 600 else 'later' if pid else j['file'][:5]
        why.setdefault(kind, set()).add(j.get('set-aside'))
    check(set(why) == {'first', 'later', 'noise'} and None not in why['first'] and
          why['later'] == {'offset %d: unknown record kind' % later} and
          why['noise'] == {'its header is damaged'}, 'set aside: %s' % why)
    # None of them holds a descriptor of attribd's.
    fds = '/proc/%d/fd' % e.proc.pid
    held = []
    for n in os.listdir(fds):
        try:
            held.append(os.readlink(os.path.join(fds, n)))
        except FileNotFoundError:
            pass  # closed since: a scan's directory, a writer's lock asked
    on_journals = [t for t in held if t.startswith(e.jdir + '/')]
    check(not on_journals, '%d descriptors on journals, first %s' %
          (len(on_journals), on_journals[:3]))

    # 250 unfinished journals, each locked as its live writer would: more
    # than 256 descriptors allow beside attribd's own, so some wait.  The
    # journals of kea-b and of quiet, written after, wait too: each writer
    # has its first journal opened before any has a second, those that have
    # waited longest first, and here all have one.  (Taking up 1,000
    # journals may have made some wait already, until set aside.)
    # quiet (started 22:30:00, heartbeat then, .64 to A at 22:30:05, closed
    # at 22:30:10) was never heard before.
    e.wait_for('steady applied', lambda: [
        c for c in e.status()['coverage'] if c['server-id'] == 'steady' and c['closed']])
    base = len(e.logtext())
    writers = []
    for pid in range(1, 251):
        tmp = os.path.join(e.jdir, '.held-%d' % pid)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, journal_header('held', pid))
        os.rename(tmp, os.path.join(e.jdir, journal_name('held', pid)))
        writers.append(fd)
    e.write([commit(*x) for x in EVENTS_B], server='kea-b')
    q30 = lookup('192.0.2.30', '2026-01-11T08:10:00Z')
    quiet = STEADY_START + 2400
    put_journal(e, journal_name('quiet', 77, 1, '20251231T223000Z'),
                journal_header('quiet', 77, 1, quiet * 1000000) + raw_body(
                    e, 'quiet', ts_of(quiet),
                    [{'heartbeat': ts_of(quiet), 'interval-ms': 30000, 'events': 0},
                     commit('192.0.2.64', ts_of(quiet + 5), MAC_A, 'quiet'),
                     {'seal': ts_of(quiet + 10), 'events': 1}]))
    q64 = lookup('192.0.2.64', ts_of(quiet + 8))

    def ingest_lines(text):
        return [x for x in e.logtext()[base:].splitlines() if '[ingest]' in x and text in x]

    def limit_lines():
        return ingest_lines('LimitNOFILE')

    e.wait_for('the open-file limit reported', lambda: limit_lines())
    # Scans go on every second; ten clients at once are answered meanwhile.
    for _ in range(3):
        socks = [e.connect() for _ in range(10)]
        answers = [e.ask({'command': 'lookup', 'arguments': q0}, s) for s in socks]
        for s in socks:
            s.close()
        check([a and a['arguments'].get('account') for a in answers] == [acc0] * 10,
              'ten clients at the open-file limit: %s' % answers)
        time.sleep(1)
    check(account(q30) is None, '.30 applied although its journal had to wait')
    # quiet's journal holds the only evidence of 22:30:08 but steady's: not
    # read, it cannot be complete (before the fix: complete, quiet never
    # having been heard).  Nothing of quiet applied: unread from its start.
    e.wait_for("quiet's journal waiting", lambda: [
        w for w in e.status().get('journals-waiting', []) if w.get('server-id') == 'quiet'])
    a = e.ask({'command': 'lookup', 'arguments': q64})['arguments']
    check((a.get('status'), a.get('coverage'), a.get('coverage-note')) ==
          ('none', 'gap', 'quiet not read from %s: its journals wait for a descriptor' %
           ts_of(quiet)), ".64 while quiet's journal waits: %s" % a)
    # The store says so to attrib --db too; before quiet began, steady's
    # evidence is whole.
    a = json.loads(e.cli(1, 'lookup', '192.0.2.64', ts_of(quiet + 8), '--json') or '{}')
    check(a.get('coverage-note') == 'quiet not read from %s: its journals wait for a '
          'descriptor' % ts_of(quiet), 'attrib --db while quiet waits: %s' % a)
    a = e.ask({'command': 'lookup', 'arguments': lookup('192.0.2.64', ts_of(quiet - 600))})
    check(a['arguments'].get('coverage') == 'complete', 'before quiet began: %s' % a)
    check(len(limit_lines()) == 1, 'the limit reported more than once: %s' % limit_lines())
    check(not ingest_lines('open again'), 'journals said open again while some wait')
    # The writers finish: their journals are done and let go, and the ones
    # that waited are opened and applied, kea-b's once.
    for fd in writers:
        os.close(fd)
    e.wait_for('.30 applied after the wait', lambda: account(q30) == 'ACC-A')
    e.wait_for('.64 complete once applied', lambda: e.ask(
        {'command': 'lookup', 'arguments': q64})['arguments'].get('coverage') == 'complete')
    a = e.ask({'command': 'lookup', 'arguments': q64})['arguments']
    check((a.get('status'), a.get('account'), a.get('coverage'), a.get('coverage-note')) ==
          ('match', 'ACC-A', 'complete', None), '.64 once applied: %s' % a)
    e.wait_for('the held journals done', lambda: not [
        n for n in e.journals() if not n.startswith(('junk.', 'noise-'))])
    st = e.stats()['ingest']
    check((st['events'], st['repeats']) == (len(EVENTS_A) + len(EVENTS_B) + 1, 0),
          'events applied, and applied again, since start: %s' % st)
    e.wait_for('journals said open again', lambda: ingest_lines('open again'))
    check(len(limit_lines()) == 1 and 'vanished' not in e.logtext(),
          'the log after the wait: %s' % limit_lines())
    descriptors_fairness(e)
    check(e.stop() == 0, 'attribd exit status at the open-file limit')


def descriptors_fairness(e):
    """attribd still at 256 open files (192 for journals).  Writer E of
    server 'early' (pid 4242, started 2025-12-31T22:00:00Z) has 260
    journals, more than the descriptors allow, so some wait.  All are held
    (locked) as a writer holds its current one, so that none can be
    finished until the test lets go: how long a backlog lasts does not then
    depend on how fast attribd reads.  The first has nothing but its
    header.  The others begin with a heartbeat (interval 30 s): the 2nd at
    +40 s, then commits .61 at +45 s; the 3rd at +60 s, .62 at +65 s; the
    4th to the 259th at +70 s; the 260th at +5200 s, .63 at +5205 s, and a
    clean close at +5215 s.  Of the other sources, only 'steady' was heard
    then."""
    e_pid, n = 4242, 260
    # The test holds E's journals open: one descriptor each.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < 2 * n:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(4 * n, hard), hard))
    start = calendar.timegm((2025, 12, 31, 22, 0, 0))
    stamp = '20251231T220000Z'
    base = len(e.logtext())

    def limit_lines():
        return [x for x in e.logtext()[base:].splitlines()
                if '[ingest]' in x and 'LimitNOFILE' in x]

    def ask(addr, t):
        return e.ask({'command': 'lookup', 'arguments': lookup(addr, ts_of(t))})['arguments']

    def early_times():
        db = sqlite3.connect(e.db, timeout=30)
        rows = [r[0] for r in db.execute(
            "SELECT time FROM event WHERE server = 'early' ORDER BY id")]
        db.close()
        return rows

    def beat(t, events):
        return {'heartbeat': ts_of(start + t), 'interval-ms': 30000, 'events': events}

    commits = {2: ('192.0.2.61', start + 45), 3: ('192.0.2.62', start + 65),
               n: ('192.0.2.63', start + 5205)}
    bodies = {2: [beat(40, 0)], 3: [beat(60, 1)], 4: [beat(70, 2)],
              n: [beat(5200, 2)]}
    for k, (addr, t) in commits.items():
        bodies[k].append(commit(addr, ts_of(t), MAC_A, 'early'))
    bodies[n].append({'seal': ts_of(start + 5215), 'events': 3})
    bodies = {k: raw_body(e, 'early', ts_of(start), recs) for k, recs in bodies.items()}
    held = [put_journal(e, journal_name('early', e_pid, 1, stamp),
                        journal_header('early', e_pid, 1, start * 1000000), lock=True)]
    for k in range(2, n + 1):
        held.append(put_journal(e, journal_name('early', e_pid, k, stamp),
                                journal_header('early', e_pid, k, start * 1000000) +
                                bodies.get(k, bodies[4]), lock=True))
    e.wait_for('the open-file limit reported again', lambda: limit_lines())

    # .63 at 23:26:50 is in E's 260th journal alone, which waits: its
    # evidence is not read, so coverage cannot be complete.  E has applied
    # nothing: unread from its start.
    t63 = start + 5210
    gap = 'early not read from %s: its journals wait for a descriptor' % ts_of(start)
    a = ask('192.0.2.63', t63)
    check(a.get('status') == 'none' and a.get('coverage') == 'gap' and
          a.get('coverage-note') == gap, '.63 while its journal waits: %s' % a)
    waiting = e.status().get('journals-waiting') or []
    check(waiting and all(w['file'].startswith('early.%s.%d.' % (stamp, e_pid)) and
                          w['server-id'] == 'early' and w['writer-started'] == ts_of(start)
                          for w in waiting), 'journals waiting: %s' % waiting[:3])

    # A writer of the same server started later, live: its journal is read
    # although E's fill every descriptor they may have (before the fix it
    # waited for them to finish).
    e.write([commit('192.0.2.70', '2026-01-12T08:00:00Z', MAC_A, 'early')], server='early',
            hold=True)
    q70 = lookup('192.0.2.70', '2026-01-12T08:10:00Z')
    e.wait_for('the later writer applied while E waits', lambda: e.ask(
        {'command': 'lookup', 'arguments': q70})['arguments'].get('account') == 'ACC-A')
    # None of E's journals after its first is applied while that one is
    # unfinished, opened or not (before the fix the open ones were).
    check(ask('192.0.2.61', start + 50).get('status') == 'none',
          ".61 applied before E's first journal was done")
    check(early_times() == [1768204800 * 1000000], "events of 'early' applied: %s" %
          early_times())
    waiting = e.status().get('journals-waiting') or []
    check(waiting and not [w for w in waiting if not w['file'].startswith('early.%s.%d.' %
                                                                         (stamp, e_pid))],
          'journals waiting beside the later writer: %s' % waiting[:3])
    a = ask('192.0.2.63', t63)
    check(a.get('coverage') == 'gap' and a.get('coverage-note') == gap,
          '.63 while its journal still waits: %s' % a)
    check(e.status().get('ingest-caught-up') is False, 'caught up while journals wait')

    # E lets go of its journals: they are applied, in order, and .63's
    # time is covered in full.
    for fd in held:
        os.close(fd)
    e.wait_for("E's last journal applied", lambda: ask('192.0.2.63', t63).get('account') ==
               'ACC-A', timeout=120)
    e.wait_for('complete once applied', lambda: ask('192.0.2.63', t63).get('coverage') ==
               'complete' and not e.status().get('journals-waiting'))
    a = ask('192.0.2.63', t63)
    check((a.get('status'), a.get('coverage'), a.get('coverage-note')) ==
          ('match', 'complete', None), '.63 once applied: %s' % a)
    check(early_times() == [1768204800 * 1000000] + [commits[k][1] * 1000000
                                                     for k in (2, 3, n)],
          "events of 'early' in the order applied: %s" % early_times())
    # E's heartbeats, read after the later writer's, still say when
    # 'early' was heard: from E's first, at +40 s.
    src = [c for c in e.status()['coverage'] if c['server-id'] == 'early']
    check(src and src[0]['first-heard'] == ts_of(start + 40) and src[0]['lost'] == 0,
          "coverage of 'early': %s" % src)
    check(len(limit_lines()) == 1, 'the limit reported more than once: %s' % limit_lines())


TABLES = ('binding', 'event', 'evidence', 'session', 'prefix_len', 'heard', 'loss', 'journal')


def compare_stores(a, b):
    """Everything ingest writes, row for row and ids included, read in step
    from both stores (a million events do not fit twice in memory).
    @return {table: rows} of @a, or None after naming the first difference."""
    ca, cb = sqlite3.connect(a), sqlite3.connect(b)
    counts = {}
    same = True
    for table in TABLES:
        cols = [r[1] for r in ca.execute('PRAGMA table_info(%s)' % table)]
        sql = 'SELECT * FROM %s ORDER BY %s' % (table, ', '.join(cols))
        n = 0
        for ra, rb in itertools.zip_longest(ca.execute(sql), cb.execute(sql)):
            if ra != rb:
                fail('%s differs between the killed run and the single run at row %d: %s '
                     'and %s' % (table, n, ra, rb))
                same = False
                break
            n += 1
        counts[table] = n
    ca.close()
    cb.close()
    return counts if same else None


def part_exactly_once(e):
    seed = int(os.environ.get('ATTRIB_TEST_SEED', random.randrange(1 << 30)))
    rng = random.Random(seed)
    print('events %d, seed %d (ATTRIB_TEST_SEED repeats a run)' % (COUNT, seed), flush=True)
    src = os.path.join(e.dir, 'source')
    os.mkdir(src)
    r = subprocess.run([JWRITE, src, 'gen', '--generate', str(COUNT), '--rotate',
                        str(max(1, COUNT // 8)), '--sync', 'none'], capture_output=True, text=True)
    check(r.returncode == 0, 'journal-write --generate: ' + r.stderr)

    # The same journals, twice: one attribd run from start to end, and one
    # killed with SIGKILL at 50 random moments, restarted each time.
    # The single run takes bigger batches (a transaction, not the result,
    # differs), so that it leaves the two cores to the killed run sooner.
    one = Env()
    for x, batch in ((e, 5000), (one, 50000)):
        for n in os.listdir(src):
            shutil.copy(os.path.join(src, n), x.jdir)
        x.config(limits={'batch-events': batch})
    began = time.time()
    one.start()
    # Fifty moments spread over the whole ingest: each run is killed once
    # the store holds more events than the next of 50 random marks, after a
    # further random pause (within a batch, at a commit, between files).
    # The last marks stay three batches short of the end, so that the run
    # they end has not finished everything by the time it is killed.
    marks = sorted(rng.randrange(1, max(2, COUNT - 15000)) for _ in range(50))
    kills = 0
    progress = []
    db_events = 0
    for mark in marks:
        e.start(wait=False)
        c = sqlite3.connect('file:%s?mode=ro' % e.db, uri=True, timeout=30) \
            if os.path.exists(e.db) else None
        deadline = time.time() + 300
        while e.proc.poll() is None and time.time() < deadline:
            if c is None and os.path.exists(e.db):
                c = sqlite3.connect('file:%s?mode=ro' % e.db, uri=True, timeout=30)
            try:
                n = c.execute('SELECT coalesce(max(id), 0) FROM event').fetchone()[0] if c else 0
            except sqlite3.OperationalError:
                n = 0  # the schema is still being made
            if n >= mark:
                break
            time.sleep(0.002)
        time.sleep(rng.uniform(0.0, 0.05))
        if c:
            c.close()
        if e.proc.poll() is not None:
            fail('attribd exited by itself: %d' % e.proc.returncode)
            break
        e.proc.kill()
        e.proc.wait()
        e.proc = None
        kills += 1
        c = sqlite3.connect(e.db, timeout=30)
        db_events = c.execute('SELECT count(*) FROM event').fetchone()[0]
        c.close()
        progress.append(db_events)
        if not e.journals():
            break
    print('killed %d times; events in the store after each kill: %s' %
          (kills, ' '.join(map(str, progress))), flush=True)
    check(kills == 50, 'all journals applied after %d kills: make the runs shorter' % kills)
    check(db_events < COUNT, 'the kills did not fall while attribd ingested')
    e.start()
    caught_up(e, COUNT)
    caught_up(one, COUNT)
    print('both stores complete in %.1f s' % (time.time() - began), flush=True)
    e.stop()
    one.stop()
    counts = compare_stores(e.db, one.db)
    if counts:
        print('identical: %s' % ', '.join('%s %d' % x for x in counts.items()))
        check(counts['event'] == COUNT, 'events: %d, expected %d' % (counts['event'], COUNT))
        check(counts['loss'] == 0, 'losses recorded: %d' % counts['loss'])
    c = sqlite3.connect(e.db)
    check(c.execute('SELECT count(*) FROM journal WHERE done = 0').fetchone()[0] == 0,
          'a journal not done')
    c.close()
    log = e.logtext()
    check('never reached attribd' not in log, 'a false loss reported')
    shutil.rmtree(one.dir, ignore_errors=True)


def part_full_disk(e):
    """The store on a file system that fills up (a 2 MiB tmpfs in attribd's
    own mount namespace) while 30,000 events wait in six journals: ingest
    fails, and status says so, not caught up; lookups are answered
    meanwhile.  Given room, ingest goes on and every event is applied
    once."""
    small = os.path.join(e.dir, 'small')
    os.mkdir(small)
    e.db = os.path.join(small, 'attrib.db')
    e.config(limits={'batch-events': 2000})
    src = os.path.join(e.dir, 'src')
    os.mkdir(src)
    r = subprocess.run([JWRITE, src, 'gen', '--generate', '30000', '--rotate', '5000',
                        '--sync', 'none'], capture_output=True, text=True)
    check(r.returncode == 0, 'journal-write --generate: ' + r.stderr)
    for n in os.listdir(src):
        shutil.copy(os.path.join(src, n), e.jdir)
    e.start(wrap=['unshare', '-m', 'sh', '-c',
                  'mount -t tmpfs -o size=2m attrib-test "$0" && exec "$@"', small])
    if not e.wait_for('ingest failing', lambda: 'ingest-failing' in e.status(), timeout=60):
        return
    st = e.status()
    check(st['ingest-failing']['error'] == 'the disk is full' and
          st['ingest-caught-up'] is False and sum(j['lag'] for j in st['journals']) > 0,
          'status on a full disk: %s' % {k: st[k] for k in ('ingest-failing',
                                                              'ingest-caught-up')})
    # 192.0.2.1 is outside what the events lease (10.0.0.0/16): none.
    a = e.ask({'command': 'lookup', 'arguments': lookup('192.0.2.1', '2026-01-10T00:00:00Z')})
    check(a and a.get('result') == 3 and a['arguments']['status'] == 'none',
          'a lookup on a full disk: %s' % a)
    r = subprocess.run(['nsenter', '-t', str(e.proc.pid), '-m', 'mount', '-o',
                        'remount,size=64m', small], capture_output=True, text=True)
    check(r.returncode == 0, 'remount: ' + r.stderr)
    e.wait_for('caught up once there is room', lambda: e.status().get('ingest-caught-up'),
               timeout=120)
    st = e.status()
    check('ingest-failing' not in st and st['store']['events'] == 30000,
          'after the disk had room: %s events, %s' % (st['store']['events'],
                                                     st.get('ingest-failing')))
    check(e.stats()['ingest']['repeats'] == 0, 'events applied twice')
    check(e.stop() == 0, 'attribd exit status after a full disk')


PARTS = {'config': part_config, 'ingest': part_ingest, 'commands': part_commands,
         'roles': part_roles, 'coverage': part_coverage, 'damage': part_damage,
         'hostile': part_hostile, 'descriptors': part_descriptors,
         'exactly-once': part_exactly_once, 'full-disk': part_full_disk}

if __name__ == '__main__':
    if PART in ('roles',) and os.geteuid() != 0:
        print('SKIP: the roles part runs clients as other users: needs root')
        sys.exit(77)
    if PART == 'full-disk' and (os.geteuid() != 0 or subprocess.run(
            ['unshare', '-m', 'true'], capture_output=True).returncode != 0):
        print('SKIP: the full-disk part mounts a tmpfs in a mount namespace: needs root')
        sys.exit(77)
    if PART == 'roles' and not shutil.which('setpriv'):
        print('SKIP: setpriv (util-linux) is needed')
        sys.exit(77)
    env = Env()
    try:
        PARTS[PART](env)
    except Exception as ex:  # a crash of the test is a failure, with its trace
        import traceback
        traceback.print_exc()
        fail('%s: %s' % (type(ex).__name__, ex))
    env.finish()
