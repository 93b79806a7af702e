"""Shared pieces of the integration tests: TAP output, temp dirs, the test feed server,
the real geotrackd binary and the real sqlite3 shell."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.dirname(os.path.dirname(HERE))


class Tap:
    def __init__(self):
        self.count = 0
        self.failed = 0

    def ok(self, cond, what, detail=None):
        self.count += 1
        if cond:
            print('ok %d - %s' % (self.count, what))
        else:
            self.failed += 1
            print('not ok %d - %s' % (self.count, what))
            if detail is not None:
                for line in str(detail).splitlines() or ['']:
                    print('#   ' + line)
        sys.stdout.flush()
        return cond

    def eq(self, got, want, what):
        return self.ok(got == want, what, 'got:  %r\nwant: %r' % (got, want))

    def done(self):
        print('1..%d' % self.count)
        return 1 if self.failed else 0


class FeedServer:
    """tests/feedserver.py on a free port of 127.0.0.1."""

    def __init__(self, root, log_path=None, quiet=False):
        """quiet: drop the server's stderr (tracebacks of clients killed mid-request)."""
        cmd = [sys.executable, os.path.join(SOURCE_ROOT, 'tests', 'feedserver.py'),
               '--root', root, '--port', '0']
        if log_path:
            cmd += ['--log', log_path]
        self.log_path = log_path
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True,
                                     stderr=subprocess.DEVNULL if quiet else None)
        line = self.proc.stdout.readline()
        if not line.startswith('PORT '):
            raise RuntimeError('feed server did not start: %r' % line)
        self.port = int(line.split()[1])

    def url(self, path):
        return 'http://127.0.0.1:%d/%s' % (self.port, path.lstrip('/'))

    def requests(self):
        import json
        if not self.log_path or not os.path.exists(self.log_path):
            return []
        with open(self.log_path) as f:
            return [json.loads(line) for line in f if line.strip()]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def temp_dir(name):
    return tempfile.mkdtemp(prefix='geotrack-%s-' % name)


def write(path, text):
    with open(path, 'w') as f:
        f.write(text)
    return path


# Every test feed lives on 127.0.0.1, standing in for many sites: per-host politeness
# (two transfers at once, a second between requests) would queue them all behind one
# host. Tests of politeness itself pass their own [fetch] section.
MANY_SITES_FETCH = '[fetch]\nper_host = 16\nhost_spacing = 0\n'


def write_config(directory, feed_urls, extra=''):
    if '[fetch]' not in extra:
        extra = MANY_SITES_FETCH + extra
    write(os.path.join(directory, 'feeds.list'), ''.join(u + '\n' for u in feed_urls))
    return write(os.path.join(directory, 'geotrackd.conf'),
                 '[daemon]\ndatabase = geotrack.db\nfeeds = feeds.list\n'
                 # Every test feed is on 127.0.0.1: the politeness spacing between requests
                 # to one host (test_schedule tests it) would only make tests wait.
                 '[fetch]\nhost_spacing = 0\n'
                 '[coder]\ndictionaries = %s\n%s' %
                 (os.path.join(SOURCE_ROOT, 'config', 'dictionaries'), extra))


def geotrackd(binary, args, timeout=120, **kwargs):
    return subprocess.run([binary] + args, capture_output=True, text=True, timeout=timeout,
                          **kwargs)


def sql(db, query):
    """Runs a query with the sqlite3 shell, as a user would; returns rows of strings."""
    out = subprocess.run(['sqlite3', '-batch', '-separator', '\t', db, query],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    return [line.split('\t') for line in out.splitlines()]


def sql_value(db, query):
    rows = sql(db, query)
    return rows[0][0] if rows else None


def cleanup(directory):
    shutil.rmtree(directory, ignore_errors=True)
