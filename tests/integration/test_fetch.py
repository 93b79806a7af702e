#!/usr/bin/env python3
"""How geotrackd treats the servers it polls, one case per behaviour of issue 7.

Each case runs the real `geotrackd --once` against tests/feedserver.py on 127.0.0.1 and
checks what a user would see: the request headers the server received (from its request
log), the feeds and fetch_log tables through the sqlite3 shell, and the log lines on
stderr. Limits are set small in each case's config so nothing waits for real minutes.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

from harness import CaseRunner, FeedServer, Tap, geotrackd, sql, sql_value, wait_until

TTL_FEED = '''<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>TTL test</title><link>http://example.org/</link>
<description>d</description><ttl>30</ttl>
<item><title>One item</title><guid>ttl-1</guid><description>Text.</description></item>
</channel></rss>
'''
# Every case starts from here; each may add keys. Spacing off unless a case tests it.
BASE_FETCH = '[fetch]\nhost_spacing = 0\ninterval = 60s\n'


class Cases(CaseRunner):
    def __init__(self, binary, tap):
        super().__init__(binary, tap, 'fetch', BASE_FETCH)
        with open(os.path.join(self.root, 'ttl.xml'), 'w') as out:
            out.write(TTL_FEED)

    def feed(self, db, column, url):
        return sql_value(db, "SELECT %s FROM feeds WHERE url = '%s'" % (column, url))

    def delay(self, db, url):
        """Seconds between a feed's last fetch and its planned next poll."""
        value = sql_value(db, "SELECT CAST(strftime('%%s', next_poll_at) - "
                              "strftime('%%s', last_fetch_at) AS INTEGER) FROM feeds "
                              "WHERE url = '%s'" % url)
        return int(value) if value not in (None, '') else None

    def due_in(self, db, url):
        """Seconds from now until a feed's planned next poll."""
        value = sql_value(db, "SELECT CAST(strftime('%%s', next_poll_at) - strftime('%%s', 'now') "
                              "AS INTEGER) FROM feeds WHERE url = '%s'" % url)
        return int(value) if value not in (None, '') else None

    def log_results(self, db, url):
        return [r[0] for r in sql(db, "SELECT result FROM fetch_log JOIN feeds f ON "
                                      "f.id = feed_id WHERE f.url = '%s' ORDER BY fetch_log.id"
                                      % url)]

    # --- the cases ---

    def conditional_get(self):
        t = self.t
        url = self.url('feeds/world-rss.xml')
        conf, db = self.fresh([url])
        run, seen = self.once(conf)
        t.eq(run.returncode, 0, 'conditional GET: the first poll succeeds')
        etag = self.feed(db, 'etag', url)
        modified = self.feed(db, 'last_modified', url)
        t.ok(etag and modified, 'the ETag and Last-Modified of the 200 are stored', (etag, modified))
        ua = seen[0]['headers'].get('user-agent', '')
        t.ok(ua.startswith('geotrack/') and 'https://' in ua,
             'the User-Agent names geotrack and its URL', ua)
        t.ok('gzip' in seen[0]['headers'].get('accept-encoding', ''),
             'every encoding curl decodes is offered, gzip among them', seen[0]['headers'])
        accept = seen[0]['headers'].get('accept', '')
        t.ok(accept.startswith('application/rss+xml, application/atom+xml') and
             '*/*;q=' in accept, 'Accept names the feed formats first, then anything', accept)
        articles = sql_value(db, 'SELECT count(*) FROM articles')
        run, seen = self.once(conf)
        t.eq(run.returncode, 0, 'the second poll succeeds')
        headers = seen[0]['headers'] if seen else {}
        t.eq((headers.get('if-none-match'), headers.get('if-modified-since')), (etag, modified),
             'the second request sends If-None-Match and If-Modified-Since from the store')
        t.eq(self.feed(db, 'last_status', url), '304', 'the feeds table shows the 304')
        t.eq(self.log_results(db, url), ['parsed', 'not-modified'],
             'fetch_log records a parse, then "not-modified"')
        t.eq(sql_value(db, 'SELECT count(*) FROM articles'), articles, 'a 304 adds nothing')

    def same_body(self):
        t = self.t
        url = self.url('nocache/world-rss.xml')
        conf, db = self.fresh([url])
        self.once(conf)
        t.eq(sql_value(db, 'SELECT count(*) FROM articles'), '5', '200 same body: first poll stores 5')
        # If the second poll parsed the feed again, these rows would come back.
        sql(db, 'DELETE FROM articles')
        run, _ = self.once(conf)
        t.eq(run.returncode, 0, 'a 200 with the same body counts as fetched')
        t.eq(sql_value(db, 'SELECT count(*) FROM articles'), '0',
             'a 200 with the same body is not parsed again (its hash matches)')
        t.eq(self.log_results(db, url), ['parsed', 'unchanged'],
             'fetch_log says "unchanged" for the second 200')
        t.eq(self.feed(db, 'last_status', url), '200', 'the feeds table shows the 200')
        path = os.path.join(self.root, 'world-rss.xml')
        original = open(path, 'rb').read()
        try:
            with open(path, 'wb') as f:
                f.write(original.replace(b'</channel>', b'<item><title>Changed</title>'
                                         b'<guid>changed-1</guid></item></channel>'))
            self.once(conf)
        finally:
            with open(path, 'wb') as f:
                f.write(original)
        # The five deleted rows stay deleted: the feed's row remembers the items it stored
        # last time (schema 5) and skips them; only the new item is looked up and added.
        t.eq(sql(db, 'SELECT title FROM articles'), [['Changed']],
             'a changed body is parsed again: its new item is stored')

    def gzip_and_bomb(self):
        t = self.t
        url = self.url('gzip/world-rss.xml')
        conf, db = self.fresh([url])
        run, seen = self.once(conf)
        t.eq(sql_value(db, 'SELECT count(*) FROM articles'), '5', 'a gzip-encoded feed is stored')
        row = sql(db, 'SELECT bytes, wire_bytes FROM fetch_log')[0]
        t.ok(int(row[1]) < int(row[0]), 'fetch_log shows fewer bytes on the wire than decoded', row)

        bomb = self.url('bomb?mb=64')
        conf, db = self.fresh([bomb], 'max_body = 1M\n')
        run, _ = self.once(conf)
        t.eq(run.returncode, 1, 'a gzip bomb (64 MiB of zeros) fails the fetch')
        t.ok('max_body' in run.stderr, 'the log says the body passed max_body', run.stderr)
        row = sql(db, 'SELECT result, bytes, error FROM fetch_log')[0]
        t.ok(row[0] == 'failed' and int(row[1]) <= 1024 * 1024,
             'decoding stopped at the 1 MiB cap', row)

    def redirects(self):
        t = self.t
        final = self.url('feeds/world-rss.xml')
        chain = self.url('redirect/301/redirect/308/feeds/world-rss.xml')
        conf, db = self.fresh([chain])
        run, seen = self.once(conf)
        t.eq(run.returncode, 0, 'a 301 then 308 chain is followed')
        t.eq(self.feed(db, 'fetch_url', chain), final,
             'permanent redirects on every hop move the stored feed URL')
        t.ok('moved permanently' in run.stderr and final in run.stderr,
             'and the log says where it moved', run.stderr)
        run, seen = self.once(conf)
        t.eq([r['path'] for r in seen], ['/feeds/world-rss.xml'],
             'the next poll goes straight to the new URL')
        t.eq(sql_value(db, 'SELECT url FROM feeds'), chain,
             'the feed keeps its identity: the URL of the feed list')

        mixed = self.url('redirect/301/redirect/302/feeds/diplomacy-atom.xml')
        conf, db = self.fresh([mixed])
        run, seen = self.once(conf)
        t.eq(run.returncode, 0, 'a chain with a 302 in it is followed')
        t.eq(self.feed(db, 'fetch_url', mixed), '', 'a temporary hop leaves the URL alone')
        t.ok('moved' not in run.stderr, 'and nothing is logged about a move', run.stderr)

        loop = self.url('loop')
        conf, db = self.fresh([loop], 'max_redirects = 5\n')
        run, seen = self.once(conf)
        t.eq(run.returncode, 1, 'a redirect loop fails')
        t.eq(len(seen), 6, 'after the request and 5 redirects (max_redirects = 5)')
        t.ok('more than 5 redirects' in self.feed(db, 'last_error', loop),
             'the feeds table says why', self.feed(db, 'last_error', loop))

        for target in ('file:///etc/passwd', 'ftp://127.0.0.1/feed.xml'):
            bad = self.url('location?code=301&to=' + target)
            conf, db = self.fresh([bad])
            run, seen = self.once(conf)
            error = self.feed(db, 'last_error', bad) or ''
            t.ok(run.returncode == 1 and 'only http and https' in error and len(seen) == 1,
                 'a redirect to %s is refused' % target.split(':')[0], (error, run.stderr))

        local = 'file://' + os.path.join(self.root, 'world-rss.xml')
        conf, db = self.fresh([local])
        run, _ = self.once(conf)
        t.eq((run.returncode, sql_value(db, 'SELECT count(*) FROM articles')), (0, '5'),
             'a file:// URL written in the feed list is read')

    def rate_limits(self):
        t = self.t
        limited = self.url('status/429?retry_after=120')
        same_host = self.url('feeds/world-rss.xml')
        other_host = self.url('feeds/diplomacy-atom.xml', host='localhost')
        conf, db = self.fresh([limited, same_host, other_host], 'per_host = 1\n')
        run, seen = self.once(conf)
        t.eq(run.returncode, 1, '429: the cycle reports feeds not fetched')
        delay = self.delay(db, limited)
        t.ok(delay is not None and 120 <= delay <= 133,
             'a 429 with Retry-After: 120 delays that feed by 120 s (plus jitter)', delay)
        t.ok(not any(r['path'] == '/feeds/world-rss.xml' for r in seen),
             'another feed on that host is not requested while it waits', seen)
        t.ok('asked to wait' in run.stderr and same_host in run.stderr,
             'the log says that feed waits for its host', run.stderr)
        delay = self.due_in(db, same_host)
        t.ok(delay is not None and 115 <= delay <= 133,
             'and it is planned for when the host allows', delay)
        t.eq(self.feed(db, 'last_status', other_host), '200',
             'a feed on another host is fetched as usual')
        t.eq(dict(sql(db, 'SELECT url, state FROM feed_status')),
             {limited: 'failing', same_host: 'new', other_host: 'ok'},
             'feed_status: the 429 failing, the feed waiting for its host not fetched yet '
             '(new), the other ok')

        run, seen = self.once(conf)
        t.ok(not any(r['path'].startswith('/status/429') for r in seen),
             'the next --once leaves the rate-limited feed alone until its Retry-After', seen)
        t.ok('not polled' in run.stderr and limited in run.stderr,
             'and says so, naming the feed', run.stderr)

        dated = self.url('status/503?retry_after_in=90')
        conf, db = self.fresh([dated])
        self.once(conf)
        delay = self.delay(db, dated)
        t.ok(delay is not None and 87 <= delay <= 100,
             'a 503 with Retry-After as an HTTP-date 90 s ahead delays the feed 90 s', delay)

        huge = self.url('status/429?retry_after=999999999999')
        conf, db = self.fresh([huge], 'max_retry_after = 1h\n')
        self.once(conf)
        delay = self.delay(db, huge)
        t.ok(delay is not None and 3600 <= delay <= 3961,
             'an absurd Retry-After is capped at max_retry_after (1h)', delay)

    def gone(self):
        t = self.t
        url = self.url('status/410')
        conf, db = self.fresh([url])
        run, _ = self.once(conf)
        t.eq(self.feed(db, 'health', url), 'gone', '410 marks the feed gone in the feeds table')
        t.eq(sql(db, 'SELECT state, last_status FROM feed_status'), [['gone', '410']],
             'and the feed_status view says gone, with the 410')
        t.ok('410 Gone' in run.stderr, 'and the log says so', run.stderr)
        run, seen = self.once(conf)
        t.eq(len(seen), 0, 'a gone feed is not requested again')
        t.ok(run.returncode == 1 and 'gone' in run.stderr,
             'and --once says it was not polled', run.stderr)

        # The site brings the feed back; the user resets its health and reloads.
        url = self.url('feeds/revived.xml?missing=410')
        conf, db = self.fresh([url], 'interval = 1s\n')
        proc = subprocess.Popen([self.binary, '-c', conf], stderr=subprocess.PIPE, text=True)
        try:
            gone = wait_until(lambda: self.feed(db, 'health', url) == 'gone')
            shutil.copy(os.path.join(self.root, 'world-rss.xml'),
                        os.path.join(self.root, 'revived.xml'))
            time.sleep(1.5)
            before = sql_value(db, 'SELECT count(*) FROM articles')
            sql(db, "UPDATE feeds SET health = 'active'")
            proc.send_signal(signal.SIGHUP)
            stored = wait_until(lambda: sql_value(db, 'SELECT count(*) FROM articles') == '5')
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=30)
        t.ok(gone and before == '0' and stored,
             'a gone feed stays unpolled while gone; once its health is set back to active '
             'in the database and the daemon reloaded, it is polled and stored',
             (gone, before, stored))
        t.ok('no longer gone' in err and url in err, 'and the log says so', err)

    def slow_servers(self):
        t = self.t
        drip = self.url('drip?rate=2&size=1000')
        conf, db = self.fresh([drip], 'low_speed_limit = 100\nlow_speed_time = 2s\n')
        run, _ = self.once(conf)
        row = sql(db, 'SELECT duration_ms, error FROM fetch_log')[0]
        t.ok(run.returncode == 1 and 'too slow' in row[1].lower(),
             'a server dribbling 2 bytes/s is cut off as too slow', row)
        t.ok(1500 <= int(row[0]) <= 10000, 'after the 2 s low-speed window, not after the '
             '500 s the body would take', row[0])

        steady = self.url('drip?rate=400&size=100000')
        conf, db = self.fresh([steady], 'timeout = 2s\nlow_speed_limit = 100\n')
        run, _ = self.once(conf)
        row = sql(db, 'SELECT duration_ms, error FROM fetch_log')[0]
        t.ok('timed out' in row[1].lower() and 1500 <= int(row[0]) <= 10000,
             'a transfer longer than timeout (2 s) is cut off', row)

        # A listener whose accept queue is full never completes a handshake.
        listener = socket.socket()
        listener.bind(('127.0.0.1', 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = []
        for _ in range(3):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(('127.0.0.1', port))
            fillers.append(s)
        try:
            hung = 'http://127.0.0.1:%d/feed.xml' % port
            conf, db = self.fresh([hung], 'connect_timeout = 1s\ntimeout = 30s\n')
            run, _ = self.once(conf)
            row = sql(db, 'SELECT duration_ms, error FROM fetch_log')[0]
            t.ok(int(row[0]) < 5000 and ('timed out' in row[1].lower() or
                                         'timeout' in row[1].lower()),
                 'a connection that never completes ends at connect_timeout (1 s)', row)
        finally:
            for s in fillers:
                s.close()
            listener.close()

    def caps(self):
        t = self.t
        big = self.url('big?size=2000000')
        chunked = self.url('big?size=2000000&chunked=1')
        headers = self.url('headers/world-rss.xml?count=200')
        conf, db = self.fresh([big, chunked, headers], 'max_body = 1M\nmax_header = 8k\n')
        run, _ = self.once(conf)
        t.ok('Content-Length larger than max_body' in (self.feed(db, 'last_error', big) or ''),
             'a body announced over max_body is refused before it is read',
             self.feed(db, 'last_error', big))
        t.ok('body larger than max_body' in (self.feed(db, 'last_error', chunked) or ''),
             'a chunked body is stopped when it passes max_body',
             self.feed(db, 'last_error', chunked))
        t.ok('headers larger than max_header' in (self.feed(db, 'last_error', headers) or ''),
             '200 filler headers (20 KB) pass max_header (8k) and fail the fetch',
             self.feed(db, 'last_error', headers))

    def broken_responses(self):
        t = self.t
        reset = self.url('reset')
        challenge = self.url('challenge')
        conf, db = self.fresh([reset, challenge])
        run, _ = self.once(conf)
        t.eq(run.returncode, 1, 'a reset connection and a challenge page both fail')
        t.ok(self.feed(db, 'last_status', reset) == '0' and self.feed(db, 'last_error', reset),
             'a reset connection is recorded with no status and a reason',
             (self.feed(db, 'last_status', reset), self.feed(db, 'last_error', reset)))
        error = self.feed(db, 'last_error', challenge) or ''
        t.ok('bot-challenge page (Cloudflare)' in error and '403' in error,
             'a Cloudflare challenge is reported as such, with its status', error)
        lines = [l for l in run.stderr.splitlines() if challenge in l]
        t.ok(len(lines) == 1 and 'blocks automated clients' in lines[0],
             'one log line says the site blocks automated clients', run.stderr)

    def make_certificates(self):
        """A test certificate authority and two server certificates it signed: one for
        127.0.0.1, one for another name. Returns their paths by name."""
        d = os.path.join(self.work, 'tls')
        os.mkdir(d)
        paths = {n: os.path.join(d, n) for n in ('ca.pem', 'ca.key', 'ip.pem', 'ip.key',
                                                   'name.pem', 'name.key')}
        ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
        subprocess.run(['openssl', 'req', '-x509'] + ec +
                       ['-keyout', paths['ca.key'], '-out', paths['ca.pem'], '-days', '2',
                        '-subj', '/CN=geotrack test CA'], check=True, capture_output=True)
        for leaf, alt in (('ip', 'IP:127.0.0.1'), ('name', 'DNS:feeds.example.org')):
            csr = os.path.join(d, leaf + '.csr')
            ext = os.path.join(d, leaf + '.ext')
            with open(ext, 'w') as f:
                f.write('subjectAltName=%s\n' % alt)
            subprocess.run(['openssl', 'req', '-new'] + ec +
                           ['-keyout', paths[leaf + '.key'], '-out', csr,
                            '-subj', '/CN=geotrack test server'], check=True, capture_output=True)
            subprocess.run(['openssl', 'x509', '-req', '-in', csr, '-CA', paths['ca.pem'],
                            '-CAkey', paths['ca.key'], '-CAcreateserial', '-days', '2',
                            '-extfile', ext, '-out', paths[leaf + '.pem']],
                           check=True, capture_output=True)
        return paths

    def https(self):
        t = self.t
        tls = self.make_certificates()
        log = os.path.join(self.work, 'tls-requests.log')
        good = FeedServer(self.root, log, quiet=True, tls=(tls['ip.pem'], tls['ip.key']))
        wrong_name = FeedServer(self.root, log, quiet=True,
                                tls=(tls['name.pem'], tls['name.key']))
        try:
            url = good.url('feeds/world-rss.xml')
            conf, db = self.fresh([url])
            run = geotrackd(self.binary, ['--once', '-c', conf])
            error = self.feed(db, 'last_error', url) or ''
            t.ok(run.returncode == 1 and 'certificate' in error.lower(),
                 'https: a server whose certificate authority is not trusted fails, and '
                 'last_error says it was the certificate', (run.returncode, error))
            t.eq(good.requests(), [], 'and no request was sent over that connection')
            t.eq(sql_value(db, 'SELECT count(*) FROM articles'), '0', 'nothing is stored')
            t.ok(url in run.stderr and 'certificate' in run.stderr.lower(),
                 'the log names the feed and the certificate problem', run.stderr)

            conf, db = self.fresh([url], 'ca_file = %s\n' % tls['ca.pem'])
            run = geotrackd(self.binary, ['--once', '-c', conf])
            t.eq(run.returncode, 0, 'with ca_file naming that authority the poll succeeds',)
            t.eq(sql_value(db, 'SELECT count(*) FROM articles'), '5',
                 'and the feed is stored as over http')
            seen = good.requests()
            t.ok(len(seen) == 1 and seen[0]['path'] == '/feeds/world-rss.xml' and
                 seen[0]['headers'].get('user-agent', '').startswith('geotrack/'),
                 'the server saw one request, with our User-Agent', seen)

            other = wrong_name.url('feeds/world-rss.xml')
            conf, db = self.fresh([other], 'ca_file = %s\n' % tls['ca.pem'])
            run = geotrackd(self.binary, ['--once', '-c', conf])
            error = self.feed(db, 'last_error', other) or ''
            t.ok(run.returncode == 1 and '127.0.0.1' in error,
                 'a trusted certificate for another name fails, and the error names the '
                 'host asked for', (run.returncode, error))
            t.eq(len(good.requests()), 1, 'and reaches no server either')

            # Authorities replaced in the same file, then a reload: libcurl keeps the
            # authorities it read for a day unless told otherwise.
            trust = os.path.join(self.work, 'tls', 'trust.pem')
            shutil.copy(tls['name.pem'], trust)  # a PEM without the server's authority
            conf, db = self.fresh([url], 'ca_file = %s\ninterval = 1s\nmax_backoff = 1s\n'
                                  % trust)
            proc = subprocess.Popen([self.binary, '-c', conf], stderr=subprocess.DEVNULL)
            time.sleep(0.5)  # the daemon creates the database
            try:
                failed = wait_until(lambda: 'certificate' in
                                    (self.feed(db, 'last_error', url) or '').lower())
                time.sleep(1.5)  # a poll or two with those authorities loaded
                shutil.copy(tls['ca.pem'], trust)
                proc.send_signal(signal.SIGHUP)
                stored = wait_until(
                    lambda: sql_value(db, 'SELECT count(*) FROM articles') == '5')
            finally:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=30)
            t.ok(failed and stored, 'a daemon whose ca_file gets the server\'s authority '
                 'written into it trusts the server after a reload (SIGHUP)', (failed, stored))
        finally:
            good.stop()
            wrong_name.stop()

        conf, _ = self.fresh([self.url('feeds/world-rss.xml')],
                             'ca_file = no-such-ca.pem\n')
        run = geotrackd(self.binary, ['--check-config', '-c', conf])
        t.ok(run.returncode != 0 and 'ca_file: cannot read' in run.stderr and
             'no-such-ca.pem' in run.stderr,
             'a ca_file that cannot be read is a config error naming the file', run.stderr)

    def cookies(self):
        t = self.t
        gated = self.url('cookie-gate/world-rss.xml')
        plain = self.url('nocache/diplomacy-atom.xml')
        # One transfer at a time, so the second feed's request reuses the first's handle
        # (finished handles are kept for the next transfer): a cookie left in it would go
        # along.
        conf, db = self.fresh([gated, plain], 'concurrency = 1\ninterval = 1s\n')
        run, seen = self.once(conf)
        t.eq(run.returncode, 0, 'cookies: a feed behind a redirect that sets a cookie is fetched')
        gate = [r for r in seen if r['path'].startswith('/cookie-gate/')]
        t.ok(len(gate) == 2 and 'cookie' not in gate[0]['headers'] and
             gate[1]['headers'].get('cookie') == 'gate=passed',
             'the redirect is followed with the cookie it set, once', gate)
        t.eq(sql_value(db, "SELECT count(*) FROM articles a JOIN feeds f ON f.id = a.feed_id "
                           "WHERE f.url = '%s'" % gated), '5', 'and its items are stored')
        others = [r for r in seen if not r['path'].startswith('/cookie-gate/')]
        t.ok(len(others) == 1 and seen.index(others[0]) == 2 and
             'cookie' not in others[0]['headers'],
             'the next feed on that host, fetched after it, is not sent the cookie', seen)
        # The daemon polls both every second on the same handles: each poll of the gated
        # feed starts without the cookie and is let through after the redirect.
        _, seen = self.daemon(conf, 3.5)
        gate = [r for r in seen if r['path'].startswith('/cookie-gate/')]
        firsts = gate[0::2]
        t.ok(len(gate) >= 4 and all('cookie' not in r['headers'] for r in firsts) and
             all(r['headers'].get('cookie') == 'gate=passed' for r in gate[1::2]),
             'and in the daemon every poll starts without it: no cookie outlives its '
             'transfer', gate)

    def user_agents(self):
        t = self.t
        own = self.url('nocache/world-rss.xml')
        default = self.url('nocache/diplomacy-atom.xml')
        agent = 'Mozilla/5.0 (X11; Linux x86_64) geotrack-test'
        conf, db = self.fresh([own + ' user_agent="%s"' % agent, default])
        run, seen = self.once(conf)
        agents = {r['path']: r['headers'].get('user-agent') for r in seen}
        t.ok(run.returncode == 0 and agents.get('/nocache/world-rss.xml') == agent,
             'user_agent: a feed list line\'s user_agent is the one its server sees', agents)
        t.ok((agents.get('/nocache/diplomacy-atom.xml') or '').startswith('geotrack/'),
             'and the other feeds keep the config\'s', agents)

    def credentials(self):
        t = self.t
        url = 'http://reader:s3cret@127.0.0.1:%d/feeds/world-rss.xml' % self.server.port
        missing = 'http://reader:s3cret@127.0.0.1:%d/feeds/no-such.xml' % self.server.port
        conf, db = self.fresh([url, missing], 'fetch_log_rows = 5\n')
        run, seen = self.once(conf)
        auth = [r['headers'].get('authorization') for r in seen]
        t.eq(auth, ['Basic cmVhZGVyOnMzY3JldA=='] * 2,
             'credentials: user and password in a feed URL are sent as Basic auth')
        t.eq(sql_value(db, 'SELECT count(*) FROM articles'), '5', 'and the feed is stored')
        t.ok('reader:***@127.0.0.1' in run.stderr and 's3cret' not in run.stderr,
             'the log shows the user but never the password, for a success or a 404',
             run.stderr)
        # A redirect to another host name (localhost, the same server) gets no credentials.
        elsewhere = self.url('nocache/diplomacy-atom.xml', host='localhost')
        hop = ('http://reader:s3cret@127.0.0.1:%d/location?code=302&to=%s'
               % (self.server.port, elsewhere))
        conf, db = self.fresh([hop])
        run, seen = self.once(conf)
        t.ok(run.returncode == 0 and len(seen) == 2 and
             seen[0]['headers'].get('authorization') and
             'authorization' not in seen[1]['headers'] and
             seen[1]['host'].startswith('localhost'),
             'a redirect to another host is followed without the credentials', seen)

    def proxy(self):
        t = self.t
        # A name that never resolves: only a proxy can fetch it. The test server serves
        # a request in absolute form (GET http://host/path) as a forward proxy would.
        url = 'http://feeds.example.invalid/feeds/world-rss.xml'
        conf, db = self.fresh([url])
        env = dict(os.environ, http_proxy='http://127.0.0.1:%d' % self.server.port)
        before = len(self.server.requests())
        run = geotrackd(self.binary, ['--once', '-c', conf], env=env)
        seen = self.server.requests()[before:]
        t.eq(run.returncode, 0, 'proxy: with http_proxy set, a feed is fetched through it')
        t.ok(len(seen) == 1 and seen[0]['path'] == url and
             seen[0]['host'] == 'feeds.example.invalid',
             'the proxy got the request for the feed\'s own URL and host', seen)
        t.eq(sql_value(db, 'SELECT count(*) FROM articles'), '5', 'and the feed is stored')
        t.eq(self.feed(db, 'url', url), url, 'under its own URL, not the proxy\'s')

    def site_instead_of_feed(self):
        t = self.t
        site = self.url('site')
        page = self.url('site?feed=0')
        conf, db = self.fresh([site, page])
        run, _ = self.once(conf)
        feed = self.url('feeds/world-rss.xml?lang=en&v=2')
        error = self.feed(db, 'last_error', site) or ''
        t.ok(run.returncode == 1 and 'HTML page' in error and
             'the page names its feed: %s (list that URL instead)' % feed in error,
             'a site\'s page listed for its feed: the error names the feed its <link> gives, '
             'resolved', error)
        t.ok(feed in run.stderr, 'and so does the log', run.stderr)
        error = self.feed(db, 'last_error', page) or ''
        t.ok('HTML page' in error and 'names its feed' not in error,
             'a page that names no feed says only that it is HTML', error)

        # One URL, two forms: the site sends its HTML page unless asked for the feed.
        rss = self.url('negotiate/world-rss.xml')
        atom = self.url('negotiate/diplomacy-atom.xml')
        conf, db = self.fresh([rss, atom])
        run, _ = self.once(conf)
        t.ok(run.returncode == 0 and
             sql_value(db, 'SELECT count(*) FROM feeds WHERE last_error IS NULL') == '2',
             'a site that picks the form by the Accept header gives us the feed, RSS and '
             'Atom', run.stderr)

    def freshness(self):
        t = self.t
        # diplomacy-atom.xml has no <ttl> of its own.
        max_age = self.url('cache/diplomacy-atom.xml?max_age=600')
        expires = self.url('cache/diplomacy-atom.xml?expires_in=900')
        capped = self.url('cache/diplomacy-atom.xml?max_age=100000')
        ttl = self.url('feeds/ttl.xml')
        short = self.url('cache/diplomacy-atom.xml?max_age=10')
        conf, db = self.fresh([max_age, expires, capped, ttl, short], 'max_ttl = 1h\n')
        run, _ = self.once(conf)
        t.eq(run.returncode, 0, 'freshness hints: every feed is fetched')
        cases = ((max_age, 600, 'Cache-Control: max-age=600 stretches a 60 s interval to 600 s'),
                 (expires, 900, 'Expires 900 s after Date stretches it to 900 s'),
                 (capped, 3600, 'max-age=100000 is capped at max_ttl (1h)'),
                 (ttl, 1800, '<ttl>30</ttl> stretches it to 30 min'),
                 (short, 60, 'max-age=10 does not shorten the 60 s interval'))
        for url, want, what in cases:
            delay = self.delay(db, url)
            t.ok(delay is not None and want - 2 <= delay <= want * 1.1 + 2, what, delay)

    def bogus_304(self):
        """Servers whose 304s cannot be trusted: one that answers 304 to a request that
        asked nothing conditional, and one whose validators never change with the feed."""
        t = self.t
        url = self.url('status/304')
        conf, db = self.fresh([url])
        run, seen = self.once(conf)
        t.ok(run.returncode == 1 and
             '304 (Not Modified) to a request without If-None-Match or If-Modified-Since'
             in run.stderr, 'bogus 304: a 304 to an unconditional request is a failure, and '
             'the log says why', run.stderr)
        t.eq(self.feed(db, 'last_error', url),
             "HTTP status 304 (Not Modified) to a request without If-None-Match or "
             "If-Modified-Since: the server's caching is broken",
             'the feeds table shows the same error')
        t.eq(self.log_results(db, url), ['failed'], 'fetch_log records it as failed')

        path = os.path.join(self.root, 'stuck.xml')
        original = open(os.path.join(self.root, 'world-rss.xml')).read()
        with open(path, 'w') as out:
            out.write(original)
        url = self.url('stuck/stuck.xml')
        conf, db = self.fresh([url], 'refresh_after = 5s\n')
        run, seen = self.once(conf)
        t.eq(sql_value(db, 'SELECT count(*) FROM articles'), '5',
             'a feed whose validators never change: the first poll stores its 5 items')
        with open(path, 'w') as out:
            out.write(original.replace('</channel>', '<item><title>Hidden by a 304</title>'
                                       '<guid>stuck-1</guid></item></channel>'))
        run, seen = self.once(conf)
        t.eq((seen[0]['headers'].get('if-none-match'), self.feed(db, 'last_status', url)),
             ('"stuck"', '304'), 'polled again at once, it is asked with its ETag and '
             'answers 304 though the feed changed')
        t.eq(sql_value(db, 'SELECT count(*) FROM articles'), '5', 'so the new item is not seen')
        time.sleep(5.5)
        run, seen = self.once(conf)
        headers = seen[0]['headers'] if seen else {}
        t.eq((headers.get('if-none-match'), headers.get('if-modified-since')), (None, None),
             'refresh_after (5s) past the last full response, it is asked without validators')
        t.eq(sql(db, "SELECT title FROM articles WHERE title LIKE 'Hidden%'"),
             [['Hidden by a 304']], 'and the item the 304s hid is stored')
        run, seen = self.once(conf)
        t.eq(seen[0]['headers'].get('if-none-match') if seen else None, '"stuck"',
             'the poll after that is conditional again')

    def new_ids(self):
        """Duplicates: a feed whose items come back under new ids (a site that moved to
        new GUIDs, a feed that stamps them per request) must not store them again."""
        t = self.t
        path = os.path.join(self.root, 'renames.xml')
        original = open(os.path.join(self.root, 'world-rss.xml')).read()

        def serve(guid_prefix, extra_items=()):
            body = original.replace('sample-world-', guid_prefix)
            items = ''.join('<item><title>%s</title><link>%s</link><guid>%s</guid>'
                            '<description>%s</description></item>' % item
                            for item in extra_items)
            with open(path, 'w') as out:
                out.write(body.replace('</channel>', items + '</channel>'))

        def titles():
            return [r[0] for r in sql(db, 'SELECT title FROM articles ORDER BY id')]

        url = self.url('nocache/renames.xml')
        conf, db = self.fresh([url])
        serve('sample-world-')
        self.once(conf)
        first = titles()
        t.eq(len(first), 5, 'new ids: the first poll stores the 5 items')
        mentions = sql_value(db, 'SELECT count(*) FROM mentions')

        fresh1 = ('Ukraine and Poland sign border accord', 'https://news.example/world/accord',
                  'moved-new-1', 'The two governments signed an accord.')
        serve('moved-', [fresh1])
        run, _ = self.once(conf)
        t.eq(titles(), first + [fresh1[0]], 'every id changed and one item is new: only the '
             'new item is stored')
        t.ok('5 items came back under new ids (same link, title, text and date): not stored '
             'again' in run.stderr, 'and the log says the feed changed its ids', run.stderr)
        t.ok(int(sql_value(db, 'SELECT count(*) FROM mentions')) >= int(mentions) and
             sql_value(db, "SELECT count(*) FROM articles a JOIN mentions m ON "
                           "m.article_id = a.id WHERE a.item_key LIKE 'moved-0%'") == '0',
             'no events are coded again from the renamed items')

        fresh2 = ('Japan and Korea resume talks', 'https://news.example/world/talks',
                  'moved-new-2', 'Talks resumed in Seoul.')
        serve('moved-', [fresh1, fresh2])
        self.once(conf)
        t.eq(len(titles()), 7, 'one more item: 7 stored (the others\' bytes did not change, '
             'so they were not even parsed)')
        serve('again-', [(f[0], f[1], 'again' + f[2], f[3]) for f in (fresh1, fresh2)])
        self.once(conf)
        t.eq(len(titles()), 7, 'ids changed again, for items the last poll did not parse '
             'too: still 7, each known by its link, title, text and date from the poll before')

        home = 'https://news.example/world'
        kept = [(f[0], f[1], 'again' + f[2], f[3]) for f in (fresh1, fresh2)]
        serve('again-', kept +
              [('Daily briefing', home, 'brief-1', 'Read the briefing.'),
               ('Russia deploys troops to Venezuela',
                'https://news.example/world/2019/03/russia-troops-venezuela', 'update-1',
                'More troops landed in Caracas.')])
        self.once(conf)
        serve('again-', kept + [('Daily briefing', home, 'brief-2', 'Read the briefing.')])
        self.once(conf)
        t.eq(titles()[7:], ['Daily briefing', 'Russia deploys troops to Venezuela',
                            'Daily briefing'],
             'new articles all: an item with a known link and title but new text, and a '
             'daily item under the home page whose text repeats')

        # No guids, and links whose tracking parameter changes every day: each item's key
        # (its link) is new each day; the article, its link without the parameter, is not.
        stamped = os.path.join(self.root, 'stamped.xml')

        def serve_stamped(day):
            with open(stamped, 'w') as out:
                out.write('<?xml version="1.0"?><rss version="2.0"><channel><title>s</title>'
                          '<link>https://news.example/</link><description>d</description>%s'
                          '</channel></rss>\n' % ''.join(
                              '<item><title>%s</title><link>https://news.example/%d?id=%d&amp;'
                              'utm_campaign=rss-%s</link><description>%s</description></item>'
                              % (title, n, n, day, title) for n, title in enumerate(
                                  ['Russia deploys troops to Venezuela',
                                   'China and Japan resume talks'])))

        url = self.url('nocache/stamped.xml')
        conf, db = self.fresh([url])
        serve_stamped('2026-11-28')
        self.once(conf)
        serve_stamped('2026-11-29')
        run, _ = self.once(conf)
        t.ok(sql(db, 'SELECT url FROM articles ORDER BY id') ==
             [['https://news.example/0?id=0'], ['https://news.example/1?id=1']] and
             '2 items came back under new ids' in run.stderr,
             'links whose tracking parameter changes each day: the 2 articles are stored once, '
             'without the parameter', run.stderr)

    def cross_listed(self):
        """Duplicates across feeds: an outlet lists one article in several of its feeds
        (world, top stories). It is one document: stored and coded once, its events
        counted once, whichever feed brings it first."""
        t = self.t

        def write_feed(name, items):
            with open(os.path.join(self.root, name), 'w') as out:
                out.write('<?xml version="1.0"?><rss version="2.0"><channel><title>%s</title>'
                          '<link>https://outlet.example/</link><description>d</description>%s'
                          '</channel></rss>\n' % (name, ''.join(
                              '<item><title>%s</title>%s<guid>%s</guid><description>%s'
                              '</description></item>' % (title, '<link>%s</link>' % link
                                                         if link else '', guid, text)
                              for title, link, guid, text in items)))

        # Each feed tags its links for the site's analytics (as Deutsche Welle's and
        # France 24's feeds do): the article is the URL without those parameters.
        shared = 'https://outlet.example/2026/russia-troops-venezuela'
        talks = 'https://outlet.example/2026/talks?id=7'
        live = 'https://outlet.example/live/world'
        write_feed('outlet-world.xml', [
            ('Russia deploys troops', shared + '?utm_source=rss&amp;maca=en-rss-world',
             'world-1', 'Russia deploys troops to Venezuela.'),
            ('Talks resume', talks + '&amp;utm_medium=rss', 'world-2',
             'China and Japan resume talks on trade.'),
            ('Live: the day in world news', live, 'world-live-1', 'Markets opened lower.'),
            ('Live: the day in world news', live, 'world-live-2', 'Rain is expected.'),
            ('Briefing', None, 'world-brief', 'The morning briefing.')])
        write_feed('outlet-top.xml', [
            ('Troops land in Caracas', shared + '?xtor=RSS-2&amp;utm_campaign=top', 'top-1',
             'Russia deploys troops to Venezuela. More follows.'),
            ('Paris condemns Tehran', 'https://outlet.example/2026/condemn', 'top-2',
             'France condemned Iran over the missile test.'),
            ('Briefing', None, 'top-brief', 'The evening briefing.')])
        world, top = self.url('nocache/outlet-world.xml'), self.url('nocache/outlet-top.xml')
        conf, db = self.fresh([world, top])
        run, _ = self.once(conf)
        t.ok(run.returncode == 0, 'cross-listed: both feeds fetched', run.stderr)
        t.eq(sql_value(db, "SELECT count(*) FROM articles WHERE url = '%s'" % shared), '1',
             'the article both feeds list, each with its own tracking parameters, is stored '
             'once, under its URL without them')
        t.eq(sql(db, "SELECT url FROM articles WHERE url LIKE '%%/talks%%'"), [[talks]],
             'a parameter that picks the page stays; the tracking one goes')
        t.eq(sql(db, "SELECT num_mentions, num_articles, num_sources FROM events "
                     "WHERE actor1_code = 'RUS' AND event_code = '154' AND actor2_code = 'VEN'"),
             [['1', '1', '1']], 'and its event is reported by one article, not two')
        t.eq(sql_value(db, "SELECT (SELECT count(*) FROM mentions WHERE url LIKE '%utm%' OR "
                           "url LIKE '%xtor%') + (SELECT count(*) FROM events WHERE "
                           "source_url LIKE '%utm%' OR source_url LIKE '%xtor%')"), '0',
             'nor do the mentions\' and events\' URLs carry the tracking parameters')
        t.eq(sql_value(db, 'SELECT count(*) FROM articles'), '7',
             'every other item is stored: both live-blog updates under one link in one '
             'feed, and each feed\'s briefing under the home page')
        t.ok('1 more new items link to articles stored from another feed: not stored again'
             in run.stderr, 'the log of the feed that came second says so', run.stderr)
        carried = sql(db, "SELECT f.url, g.url FROM articles a JOIN feeds f ON f.id = a.feed_id "
                          "JOIN article_listings l ON l.article_id = a.id JOIN feeds g ON "
                          "g.id = l.feed_id")
        t.ok(len(carried) == 1 and sorted(carried[0]) == sorted([world, top]),
             'article_listings says the other feed listed it too', carried)
        t.eq(sql_value(db, 'SELECT sum(items_new) FROM fetch_log'), '8',
             'fetch_log counts the item as new in both feeds (items_new 5 + 3)')

        run, _ = self.once(conf)
        t.ok(run.returncode == 0 and 'another feed' not in run.stderr and
             sql_value(db, 'SELECT count(*) FROM articles') == '7',
             'the next poll knows the item in both feeds: nothing stored, nothing said',
             run.stderr)
        write_feed('outlet-top.xml', [
            ('Talks on trade', talks + '&amp;utm_source=top', 'top-3',
             'China and Japan resume talks on trade.'),
            ('Troops land in Caracas', shared + '?xtor=RSS-2&amp;utm_campaign=top', 'top-1',
             'Russia deploys troops to Venezuela. More follows.')])
        run, _ = self.once(conf)
        t.eq(sql(db, "SELECT count(*), min(f.url) FROM articles a JOIN feeds f ON "
                     "f.id = a.feed_id WHERE a.url = '%s'" % talks),
             [['1', world]], 'an article the other feed stored a poll earlier is not stored '
                             'again either')

    def stale(self):
        """A feed that goes on answering but brings nothing new: no fetch fails, so only
        this says that its publisher may have stopped it or moved it."""
        t = self.t
        original = open(os.path.join(self.root, 'world-rss.xml')).read()
        with open(os.path.join(self.root, 'stale-grows.xml'), 'w') as out:
            out.write(original)
        with open(os.path.join(self.root, 'stale-empty.xml'), 'w') as out:
            out.write('<?xml version="1.0"?><rss version="2.0"><channel><title>Empty</title>'
                      '<link>http://example.org/</link><description>d</description>'
                      '</channel></rss>\n')
        not_modified = self.url('feeds/world-rss.xml')       # 304 from the second poll on
        same_body = self.url('nocache/stale-grows.xml')      # 200, same bytes, until it grows
        empty = self.url('nocache/stale-empty.xml')          # answers, never had an item
        failing = self.url('feeds/stale-missing.xml')        # 404
        patient = self.url('feeds/diplomacy-atom.xml')        # its own stale_after: 1h
        conf, db = self.fresh([not_modified, same_body, empty, failing,
                               patient + ' stale_after=1h'], 'stale_after = 3s\n')

        def states():
            return dict(sql(db, 'SELECT url, state FROM feed_status'))

        def stale_rows():
            return dict((r[0], r[1:]) for r in sql(
                db, "SELECT url, stale_since IS NOT NULL, last_new_item_at IS NOT NULL "
                    "FROM feeds"))

        def stale_lines(stderr):
            return sorted(line.split(': stale: ')[0].split(' ')[-1]
                          for line in stderr.splitlines() if ': stale: ' in line)

        run, _ = self.once(conf)
        rows = stale_rows()
        t.eq((rows[not_modified], rows[same_body], rows[empty]),
             (['0', '1'], ['0', '1'], ['0', '0']),
             'stale: after a first poll, the feeds with items show when they last brought '
             'one (last_new_item_at); none is stale')
        t.eq(stale_lines(run.stderr), [], 'nothing is reported stale yet')
        t.eq(states(), {not_modified: 'ok', same_body: 'ok', empty: 'ok', failing: 'failing',
                        patient: 'ok'}, 'the feed_status view: four ok, the 404 failing')
        first_new = sql_value(db, "SELECT last_new_item_at FROM feeds WHERE url = '%s'"
                                  % same_body)

        time.sleep(4)
        run, _ = self.once(conf)
        t.eq(stale_lines(run.stderr), sorted([not_modified, same_body, empty]),
             'past stale_after (3s) without a new item, each answering feed is logged stale: '
             'on a 304, on a 200 with the same body, and one that never had an item')
        line = [l for l in run.stderr.splitlines() if same_body + ': stale: ' in l]
        t.ok(line and 'nothing new since %s UTC' % first_new[:16] in line[0] and
             'may have stopped or moved' in line[0],
             'the warning says since when nothing came and what that may mean', line)
        rows = stale_rows()
        t.eq((rows[not_modified][0], rows[same_body][0], rows[empty][0], rows[failing][0]),
             ('1', '1', '1', '0'),
             'the feeds table shows stale_since for them; a failing feed is reported as '
             'failing, not stale')
        stale_since = sql_value(db, "SELECT stale_since FROM feeds WHERE url = '%s'" % same_body)
        t.eq(states(), {not_modified: 'stale', same_body: 'stale', empty: 'stale',
                        failing: 'failing', patient: 'ok'},
             'feed_status says stale for them; the feed whose list line says stale_after=1h '
             'is not')
        t.eq(sql_value(db, "SELECT since FROM feed_status WHERE url = '%s'" % same_body),
             first_new, 'since the last new item')

        run, _ = self.once(conf)
        t.eq(stale_lines(run.stderr), [], 'a stale feed is logged once, not on every poll')
        t.eq(sql_value(db, "SELECT stale_since FROM feeds WHERE url = '%s'" % same_body),
             stale_since, 'and stays stale since the first time it was found so')

        with open(os.path.join(self.root, 'stale-grows.xml'), 'w') as out:
            out.write(original.replace('</channel>', '<item><title>Fresh news</title>'
                                       '<guid>stale-fresh-1</guid></item></channel>'))
        run, _ = self.once(conf)
        t.ok(same_body + ': no longer stale: new items again' in run.stderr,
             'a new item ends it, and the log says so', run.stderr)
        rows = stale_rows()
        t.eq((rows[same_body][0], rows[not_modified][0]), ('0', '1'),
             'its stale_since is cleared; the feed still sending 304s stays stale')
        t.ok(sql_value(db, "SELECT last_new_item_at > '%s' FROM feeds WHERE url = '%s'"
                           % (first_new, same_body)) == '1',
             'last_new_item_at moves to the fetch that brought the item')

        with open(conf, 'a') as out:
            out.write('stale_after = 0\n')
        run, _ = self.once(conf)
        t.eq(sql_value(db, 'SELECT count(*) FROM feeds WHERE stale_since IS NOT NULL'), '0',
             'stale_after = 0 turns it off: the next successful poll clears every stale_since')

    def bounded_log(self):
        t = self.t
        url = self.url('feeds/world-rss.xml')
        conf, db = self.fresh([url], 'fetch_log_rows = 3\n')
        for _ in range(5):
            self.once(conf)
        rows = sql(db, 'SELECT id FROM fetch_log ORDER BY id')
        t.eq(len(rows), 3, 'fetch_log keeps fetch_log_rows (3) rows per feed after 5 fetches')
        t.eq([int(r[0]) for r in rows], [3, 4, 5], 'and they are the newest')
        row = sql(db, 'SELECT fetched_at, url, http_status, duration_ms >= 0, items_new, error '
                      'FROM fetch_log ORDER BY id LIMIT 1')[0]
        t.ok(row[0] and row[1] == url and row[2] == '304' and row[3] == '1' and row[4] == '0'
             and row[5] == '', 'a row has time, URL, status, duration, new items and no error',
             row)


def main(binary):
    t = Tap()
    cases = Cases(binary, t)
    try:
        for case in (cases.conditional_get, cases.same_body, cases.gzip_and_bomb,
                     cases.redirects, cases.rate_limits, cases.gone, cases.slow_servers,
                     cases.caps, cases.broken_responses, cases.https, cases.cookies,
                     cases.user_agents, cases.credentials, cases.proxy,
                     cases.site_instead_of_feed,
                     cases.freshness, cases.stale, cases.bogus_304, cases.new_ids,
                     cases.cross_listed,
                     cases.bounded_log):
            print('# ' + case.__name__)
            case()
    finally:
        cases.close()
    return t.done()


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
