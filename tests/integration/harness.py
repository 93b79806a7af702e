"""Shared pieces of the integration tests: TAP output, temp dirs, the test feed server,
the real geotrackd binary and the real sqlite3 shell."""
import os
import signal
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.dirname(os.path.dirname(HERE))

# The daemon, through libcurl, sends requests through the proxy these name; the tests'
# servers are all on 127.0.0.1, so a developer's proxy settings must not reach them.
# A test of proxies passes its own.
for _name in ('http_proxy', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY',
              'no_proxy', 'NO_PROXY'):
    os.environ.pop(_name, None)


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

    def __init__(self, root, log_path=None, quiet=False, tls=None):
        """quiet: drop the server's stderr (tracebacks of clients killed mid-request);
        tls: (certificate, key) PEM paths to serve HTTPS with."""
        cmd = [sys.executable, os.path.join(SOURCE_ROOT, 'tests', 'feedserver.py'),
               '--root', root, '--port', '0']
        if log_path:
            cmd += ['--log', log_path]
        if tls:
            cmd += ['--tls', tls[0], tls[1]]
        self.scheme = 'https' if tls else 'http'
        self.log_path = log_path
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True,
                                     stderr=subprocess.DEVNULL if quiet else None)
        line = self.proc.stdout.readline()
        if not line.startswith('PORT '):
            raise RuntimeError('feed server did not start: %r' % line)
        self.port = int(line.split()[1])

    def url(self, path):
        return '%s://127.0.0.1:%d/%s' % (self.scheme, self.port, path.lstrip('/'))

    def requests(self):
        import json
        if not self.log_path or not os.path.exists(self.log_path):
            return []
        with open(self.log_path) as f:
            return [json.loads(line) for line in f if line.strip()]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


class CaseRunner:
    """Many small cases against one test server: a copy of the sample feeds to serve (a
    case may add files), a fresh directory, config and database per case, and the
    requests the server saw during each run."""

    def __init__(self, binary, tap, name, fetch_prefix):
        self.binary = binary
        self.t = tap
        self.fetch_prefix = fetch_prefix
        self.work = temp_dir(name)
        self.root = os.path.join(self.work, 'root')
        shutil.copytree(os.path.join(SOURCE_ROOT, 'config', 'samples'), self.root)
        self.server = FeedServer(self.root, os.path.join(self.work, 'requests.log'))
        self.count = 0

    def close(self):
        self.server.stop()
        cleanup(self.work)

    def url(self, path, host='127.0.0.1'):
        return 'http://%s:%d/%s' % (host, self.server.port, path.lstrip('/'))

    def fresh(self, urls, fetch=''):
        """A new directory, config and database for one case; returns (conf, db)."""
        self.count += 1
        directory = os.path.join(self.work, 'case%d' % self.count)
        os.mkdir(directory)
        conf = write_config(directory, urls, self.fetch_prefix + fetch)
        return conf, os.path.join(directory, 'geotrack.db')

    def once(self, conf):
        """Runs one cycle; returns (process, the requests the server saw during it)."""
        before = len(self.server.requests())
        run = geotrackd(self.binary, ['--once', '-c', conf])
        return run, self.server.requests()[before:]

    def daemon(self, conf, seconds):
        """Runs the daemon for `seconds`, stops it with SIGTERM; returns (stderr, requests)."""
        before = len(self.server.requests())
        proc = subprocess.Popen([self.binary, '-c', conf], stderr=subprocess.PIPE, text=True)
        time.sleep(seconds)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        return err, self.server.requests()[before:]


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


def wait_until(cond, timeout=20):
    """Whether cond() came true within timeout seconds (asked every 50 ms); a query of a
    database the daemon has not created yet counts as not yet."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if cond():
                return True
        except subprocess.CalledProcessError:
            pass
        time.sleep(0.05)
    return False


def sql_value(db, query):
    rows = sql(db, query)
    return rows[0][0] if rows else None


def cleanup(directory):
    shutil.rmtree(directory, ignore_errors=True)
