#!/usr/bin/env python3
"""geotrackd as systemd runs it: Type=notify over a NOTIFY_SOCKET this test listens on.

What systemd (and so the user) sees: READY=1 only once the feeds are scheduled; a SIGHUP
that adds a feed is announced as RELOADING=1 then READY=1 and the new feed is polled; a
SIGHUP with a broken config names file and line in the log and the daemon keeps running
on the old one; the watchdog is pinged; SIGTERM sends STOPPING=1 and exits 0. The
process runs the loop and as many coding threads as [coder] threads asks for (a reload
cannot change that, and says so).
"""
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

from harness import (SOURCE_ROOT, FeedServer, Tap, cleanup, sql_value, temp_dir, wait_until,
                     write, write_config)

SAMPLES = os.path.join(SOURCE_ROOT, 'config', 'samples')


class Notifications:
    """The notify socket, read all the time as systemd reads it: the daemon's socket is
    non-blocking, so a message sent while the queue is full (ten datagrams on Linux) is
    dropped, and a test that stopped reading for a few seconds of watchdog pings would
    lose the READY=1 it waits for next."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.messages = []
        self.cond = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        while True:
            try:
                data = self.sock.recv(4096)
            except OSError:
                return
            with self.cond:
                self.messages.append(data.decode())
                self.cond.notify_all()

    def wait_for(self, key, timeout=20):
        """Returns the first unseen message containing the line `key`, or None."""
        return self._wait(lambda line: line == key, timeout)

    def wait_for_match(self, pattern, timeout=20):
        """Returns the first unseen message with a line matching `pattern`, or None."""
        return self._wait(lambda line: re.fullmatch(pattern, line), timeout)

    def _wait(self, line_matches, timeout):
        deadline = time.time() + timeout
        with self.cond:
            while True:
                for i, m in enumerate(self.messages):
                    if any(line_matches(line) for line in m.split('\n')):
                        del self.messages[:i + 1]
                        return m
                left = deadline - time.time()
                if left <= 0:
                    return None
                self.cond.wait(left)


def threads_without_pool(binary, work):
    """How many threads the daemon runs before its pool starts: 1, the loop, plus any a
    sanitizer's runtime adds. Measured on a daemon with no feeds, which never queues a
    job, once it is ready."""
    idle = os.path.join(work, 'idle')
    os.mkdir(idle)
    conf = write_config(idle, [])
    sock = os.path.join(idle, 'notify.sock')
    notes = Notifications(sock)
    proc = subprocess.Popen([binary, '-c', conf], stderr=subprocess.DEVNULL,
                            env=dict(os.environ, NOTIFY_SOCKET=sock))
    try:
        if notes.wait_for('READY=1') is None:
            return None
        return len(os.listdir('/proc/%d/task' % proc.pid))
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main(binary):
    t = Tap()
    work = temp_dir('service')
    base = threads_without_pool(binary, work)
    server = FeedServer(SAMPLES, os.path.join(work, 'requests.log'))
    notify_path = os.path.join(work, 'notify.sock')
    notes = Notifications(notify_path)
    log = open(os.path.join(work, 'daemon.log'), 'w+')
    conf = write_config(work, [server.url('feeds/world-rss.xml')],
                        extra='[coder]\nthreads = 3\n')
    # stderr is a file here; naming it in JOURNAL_STREAM is how systemd tells a service
    # that its stderr goes to the journal.
    st = os.fstat(log.fileno())
    env = dict(os.environ, NOTIFY_SOCKET=notify_path, WATCHDOG_USEC='400000',
               JOURNAL_STREAM='%d:%d' % (st.st_dev, st.st_ino))
    env.pop('WATCHDOG_PID', None)
    proc = subprocess.Popen([binary, '-c', conf], stderr=log, env=env)
    try:
        ready = notes.wait_for('READY=1')
        t.ok(ready is not None, 'READY=1 arrives after start-up')
        t.ok(wait_until(lambda: sql_value(os.path.join(work, 'geotrack.db'),
                                          'SELECT count(*) FROM articles') == '5'),
             'the scheduled feed is polled and stored')
        status = notes.wait_for_match(r'STATUS=1 feeds \(0 failing, 0 stale\), last fetch '
                                      r'\d\d:\d\d:\d\d UTC, [1-9]\d* events stored since start',
                                      timeout=5)
        t.ok(status is not None, 'after the fetch, the status systemd shows counts the feeds, '
             'failing and stale ones, the last fetch and the events stored', notes.messages)
        log.seek(0)
        lines = log.read().splitlines()
        started = [l for l in lines if 'started:' in l]
        t.ok(len(started) == 1 and started[0].startswith('<5>started:'),
             'under journald the start-up line carries priority <5> (notice), no timestamp',
             '\n'.join(lines))
        t.ok(all(re.match(r'<[0-7]>', l) for l in lines),
             'and so does every other line', '\n'.join(lines))
        t.ok(len(started) == 1 and started[0].endswith(', 3 coding threads'),
             'the start-up line says how many threads code', started)
        tasks = len(os.listdir('/proc/%d/task' % proc.pid))
        t.ok(base is not None and tasks == base + 3,
             'the process runs its %s thread(s) and the 3 coding threads asked for' % base,
             (base, tasks))
        status = notes.wait_for('WATCHDOG=1', timeout=5)
        t.ok(status is not None, 'the watchdog is pinged at half of WATCHDOG_USEC')

        # A reload that adds a feed.
        write(os.path.join(work, 'feeds.list'),
              server.url('feeds/world-rss.xml') + '\n' +
              server.url('feeds/diplomacy-atom.xml') + ' interval=30m title="Added"\n')
        proc.send_signal(signal.SIGHUP)
        reloading = notes.wait_for('RELOADING=1')
        t.ok(reloading is not None and 'MONOTONIC_USEC=' in reloading,
             'SIGHUP sends RELOADING=1 with MONOTONIC_USEC', reloading)
        t.ok(notes.wait_for('READY=1') is not None, 'then READY=1 once reloaded')
        t.ok(wait_until(lambda: any('diplomacy-atom.xml' in r['path']
                                    for r in server.requests())),
             'the feed the reload added is polled')
        t.ok(wait_until(lambda: sql_value(os.path.join(work, 'geotrack.db'),
                                          "SELECT title FROM feeds WHERE url LIKE "
                                          "'%diplomacy-atom.xml'") == 'Added'),
             'with the title the feed list gives it')

        # A reload that removes a feed and shortens the other's interval (30m in the
        # list before; now the config's default, 1 s).
        write(os.path.join(work, 'feeds.list'), server.url('feeds/diplomacy-atom.xml') + '\n')
        write(conf, open(conf).read() + '[fetch]\ninterval = 1s\n[coder]\nthreads = 1\n')
        proc.send_signal(signal.SIGHUP)
        t.ok(notes.wait_for('READY=1') is not None, 'a reload that removes a feed ends in READY=1')
        log.seek(0)
        t.ok('threads changed; it takes effect at the next restart' in log.read(),
             'a reload that changes [coder] threads says it waits for a restart')
        t.eq(len(os.listdir('/proc/%d/task' % proc.pid)), tasks,
             'and the pool keeps its 3 threads')
        time.sleep(0.5)
        before = len(server.requests())
        time.sleep(3.5)
        later = [r['path'] for r in server.requests()[before:]]
        t.ok(not any('world-rss.xml' in p for p in later),
             'the feed removed from the list is no longer polled', later)
        log.seek(0)
        t.ok(sum('diplomacy-atom.xml' in p for p in later) >= 2,
             'the changed interval applies at once (polled every second, not every 30 min)',
             '%s\n%s' % (later, log.read()[-3000:]))

        # A reload with a broken config is rejected and the daemon goes on.
        write(conf, open(conf).read() + '[fetch]\nconcurency = 3\n')
        proc.send_signal(signal.SIGHUP)
        t.ok(notes.wait_for('READY=1') is not None, 'a rejected reload still ends in READY=1')
        time.sleep(0.3)
        log.seek(0)
        text = log.read()
        t.ok("geotrackd.conf:" in text and "unknown key 'concurency'" in text,
             'the log names file and line of the bad key', text)
        t.ok('reload rejected' in text, 'and says the old configuration keeps running', text)
        t.ok(proc.poll() is None, 'the daemon is still running')

        proc.send_signal(signal.SIGTERM)
        t.ok(notes.wait_for('STOPPING=1') is not None, 'SIGTERM sends STOPPING=1')
        try:
            code = proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            code = None
        t.eq(code, 0, 'and the daemon exits 0')
        log.seek(0)
        text = log.read()
        t.ok('handles still open' not in text, 'every libuv handle was closed (loop closes)',
             text)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        server.stop()
        log.close()
        cleanup(work)
    return t.done()


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
