#!/usr/bin/env python3
"""Stopping geotrackd while transfers are in flight: what systemd's stop and a user's
Ctrl-C get.

- SIGTERM with a slow feed in flight: the transfer finishes within stop_timeout, its
  articles are stored, the daemon exits 0.
- SIGTERM with a feed that drips a byte a second: after stop_timeout the transfer is
  aborted, nothing half-stored, the daemon exits 0 with the database whole.
- A second SIGTERM while the first is still waiting: the daemon exits at once.
"""
import os
import signal
import subprocess
import sys
import time

from harness import (SOURCE_ROOT, FeedServer, Tap, cleanup, sql_value, temp_dir, wait_until,
                     write_config)

SAMPLES = os.path.join(SOURCE_ROOT, 'config', 'samples')
FETCH = '[fetch]\ninterval = 2s\nper_host = 16\nhost_spacing = 0\ntimeout = 1h\n' \
        'low_speed_time = 1h\n'


def start(binary, work, server, urls, stop_timeout):
    conf = write_config(work, urls, FETCH + '[daemon]\nstop_timeout = %s\n' % stop_timeout)
    log = open(os.path.join(work, 'daemon.log'), 'w+')
    proc = subprocess.Popen([binary, '-c', conf], stderr=log)
    return proc, log


def requested(server, fragment):
    return any(fragment in r['path'] for r in server.requests())


def main(binary):
    t = Tap()
    work = temp_dir('stop')
    server = FeedServer(SAMPLES, os.path.join(work, 'requests.log'))
    db = os.path.join(work, 'geotrack.db')
    procs = []
    try:
        # 1. A slow transfer finishes within the bound and is stored.
        slow = server.url('slow/world-rss.xml?ms=2500')
        proc, log = start(binary, work, server, [slow], '10s')
        procs.append(proc)
        t.ok(wait_until(lambda: requested(server, '/slow/')), 'the slow feed is being fetched')
        began = time.time()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
        took = time.time() - began
        t.eq(code, 0, 'SIGTERM with a transfer in flight exits 0')
        t.ok(took < 10, 'within stop_timeout (took %.1f s)' % took)
        t.eq(sql_value(db, 'SELECT count(*) FROM articles'), '5',
             'the transfer that was in flight finished and was stored')
        log.close()
        os.unlink(db)

        # 2. A dripping transfer is aborted at the bound; nothing half-stored.
        drip = server.url('drip?rate=1&size=100000')
        good = server.url('feeds/diplomacy-atom.xml')
        proc, log = start(binary, work, server, [good, drip], '1s')
        procs.append(proc)
        t.ok(wait_until(lambda: requested(server, '/drip') and
                        sql_value(db, 'SELECT count(*) FROM articles') == '4'),
             'the good feed is stored while the other drips')
        began = time.time()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
        took = time.time() - began
        t.eq(code, 0, 'SIGTERM exits 0 when a transfer has to be aborted')
        t.ok(1 <= took < 5, 'after stop_timeout (1 s), not before and not much after '
                            '(took %.1f s)' % took)
        t.eq(sql_value(db, 'PRAGMA integrity_check'), 'ok', 'the database is whole')
        t.eq(sql_value(db, 'SELECT count(*) FROM articles'), '4',
             'only the finished feed is in it')
        log.seek(0)
        text = log.read()
        t.ok('stopping' in text and 'handles still open' not in text,
             'the log says it stopped, and every handle closed', text[-1500:])
        log.close()
        os.unlink(db)

        # 3. A second signal does not wait.
        proc, log = start(binary, work, server, [drip], '60s')
        procs.append(proc)
        t.ok(wait_until(lambda: sum('/drip' in r['path'] for r in server.requests()) >= 2),
             'a dripping feed is being fetched again')
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        t.ok(proc.poll() is None, 'after one SIGTERM the daemon waits for the transfer')
        began = time.time()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        t.ok(proc.poll() is not None and time.time() - began < 2,
             'a second SIGTERM exits at once')
        log.seek(0)
        t.ok('second signal' in log.read(), 'and says so in the log')
        log.close()
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        server.stop()
        cleanup(work)
    return t.done()


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
