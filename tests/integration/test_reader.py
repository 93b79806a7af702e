#!/usr/bin/env python3
"""A reader holding a long transaction in the sqlite3 shell does not stall the daemon.

What a user sees: an analyst opens `sqlite3 geotrack.db`, types BEGIN and a query, and
leaves the transaction open. Meanwhile geotrackd keeps storing feeds (once, and as a
running daemon picking up a feed added by a reload) without waiting or reporting a
locked database. The analyst's transaction keeps seeing the database as it was when it
began, never half an ingest; after COMMIT the new articles are there.
"""
import os
import signal
import subprocess
import sys
import time

import corpus
from harness import FeedServer, Tap, cleanup, geotrackd, sql_value, temp_dir, write, write_config


class Shell:
    """An interactive sqlite3 shell on a pipe, as a user at the prompt."""

    def __init__(self, db):
        self.proc = subprocess.Popen(['sqlite3', '-batch', db], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, bufsize=1)

    def ask(self, statement):
        """Runs one statement that prints one line; returns that line."""
        self.proc.stdin.write(statement + '\n')
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def run(self, statement):
        """Runs a statement that prints nothing; returns what it printed anyway."""
        self.proc.stdin.write(statement + ";\nSELECT 'done';\n")
        self.proc.stdin.flush()
        said = []
        line = self.proc.stdout.readline().strip()
        while line != 'done':
            said.append(line)
            line = self.proc.stdout.readline().strip()
        return said

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def main(binary):
    t = Tap()
    work = temp_dir('reader')
    feeds_dir = os.path.join(work, 'feeds')
    os.mkdir(feeds_dir)
    names, items = corpus.write_feeds(feeds_dir)
    server = FeedServer(feeds_dir)
    shell = None
    daemon = None
    try:
        first = [server.url('feeds/' + n) for n in names[:3]]
        conf = write_config(work, first)
        db = os.path.join(work, 'geotrack.db')
        t.eq(geotrackd(binary, ['--once', '-c', conf]).returncode, 0, 'a first run stores three feeds')
        stored = int(sql_value(db, 'SELECT count(*) FROM articles'))

        shell = Shell(db)
        t.eq(shell.run('BEGIN'), [], 'BEGIN')
        t.eq(shell.ask('SELECT count(*) FROM articles;'), str(stored),
             'an analyst begins a transaction and reads %d articles' % stored)

        conf = write_config(work, first + [server.url('feeds/' + names[3])])
        run = geotrackd(binary, ['--once', '-c', conf])
        t.eq(run.returncode, 0, 'geotrackd --once stores a fourth feed meanwhile')
        t.ok('locked' not in run.stderr and 'busy' not in run.stderr,
             'without a locked-database error', run.stderr)
        now_stored = int(sql_value(db, 'SELECT count(*) FROM articles'))
        t.ok(now_stored > stored, 'a new reader sees the new articles (%d)' % now_stored)
        t.eq(shell.ask('SELECT count(*) FROM articles;'), str(stored),
             'the open transaction still sees the database as it began')

        # The daemon itself: running, reloaded with one more feed, which it polls at once.
        daemon = subprocess.Popen([binary, '-c', conf], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
        time.sleep(1)
        write(os.path.join(work, 'feeds.list'),
              ''.join(u + '\n' for u in first + [server.url('feeds/' + n) for n in names[3:]]))
        daemon.send_signal(signal.SIGHUP)
        want = len(items)
        deadline = time.monotonic() + 60
        got = 0
        while time.monotonic() < deadline:
            got = int(sql_value(db, 'SELECT count(*) FROM articles'))
            if got == want:
                break
            time.sleep(0.5)
        t.eq(got, want, 'the running daemon stores the feed a reload added')
        t.eq(shell.ask('SELECT count(*) FROM articles;'), str(stored),
             'while the analyst still sees the first snapshot')
        daemon.send_signal(signal.SIGTERM)
        _, err = daemon.communicate(timeout=30)
        t.eq(daemon.returncode, 0, 'the daemon stops cleanly on SIGTERM')
        t.ok(not any(w in err for w in ('locked', 'busy', 'error', 'warning')),
             'it logged no database trouble', err)
        daemon = None

        t.eq(shell.run('COMMIT'), [], 'COMMIT')
        t.eq(shell.ask('SELECT count(*) FROM articles;'), str(want),
             'after COMMIT the analyst sees every article')
        t.eq(shell.ask('PRAGMA integrity_check;'), 'ok', 'integrity_check is ok')
    finally:
        if daemon:
            daemon.kill()
            daemon.wait()
        if shell:
            shell.close()
        server.stop()
        cleanup(work)
    return t.done()


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
