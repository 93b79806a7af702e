#!/usr/bin/env python3
"""When and how often geotrackd asks servers: limits, spacing, backoff, dead feeds.

The real daemon against tests/feedserver.py on 127.0.0.1 (which logs each request's
arrival time and how many requests were in flight, overall and per Host), checked with
the sqlite3 shell. `127.0.0.1` and `localhost` reach the same server under two host names,
which is how a test tells "per host" from "global". Durations are scaled down through the
config (a 1 s interval, a 4 s backoff cap) so the daemon-mode cases take seconds.
"""
import os
import shutil
import sys

from harness import CaseRunner, Tap, geotrackd, sql, sql_value



class Cases(CaseRunner):
    def __init__(self, binary, tap):
        super().__init__(binary, tap, 'schedule', '[fetch]\n')

    def delay(self, db, url):
        value = sql_value(db, "SELECT CAST(strftime('%%s', next_poll_at) - "
                              "strftime('%%s', last_fetch_at) AS INTEGER) FROM feeds "
                              "WHERE url = '%s'" % url)
        return int(value) if value not in (None, '') else None

    def feed(self, db, column, url):
        return sql_value(db, "SELECT %s FROM feeds WHERE url = '%s'" % (column, url))

    # --- the cases ---

    def limits(self):
        t = self.t
        slow = [self.url('slow/world-rss.xml?ms=400&n=%d' % i) for i in range(6)]
        conf, _ = self.fresh(slow, 'host_spacing = 0\nper_host = 2\nconcurrency = 10\n')
        run, seen = self.once(conf)
        t.eq(run.returncode, 0, 'limits: six slow feeds on one host are fetched')
        t.eq(max(r['in_flight_host'] for r in seen), 2,
             'per_host = 2: the host never had more than 2 requests at once (and had 2)')

        both = slow[:3] + [self.url('slow/world-rss.xml?ms=400&n=%d' % i, host='localhost')
                           for i in range(3)]
        conf, _ = self.fresh(both, 'host_spacing = 0\nper_host = 1\nconcurrency = 10\n')
        run, seen = self.once(conf)
        t.eq((max(r['in_flight_host'] for r in seen), max(r['in_flight'] for r in seen)), (1, 2),
             'per_host = 1 with two hosts: one request per host, two at once in all')

        conf, _ = self.fresh(both, 'host_spacing = 0\nper_host = 2\nconcurrency = 1\n')
        run, seen = self.once(conf)
        t.eq(max(r['in_flight'] for r in seen), 1, 'concurrency = 1: one request at a time')

    def spacing(self):
        t = self.t
        same = [self.url('feeds/world-rss.xml'), self.url('feeds/diplomacy-atom.xml'),
                self.url('feeds/regional-rdf.xml')]
        other = self.url('feeds/world-rss.xml', host='localhost')
        conf, _ = self.fresh(same + [other], 'host_spacing = 700ms\nper_host = 2\n')
        run, seen = self.once(conf)
        t.eq(run.returncode, 0, 'spacing: every feed is fetched')
        times = [r['time'] for r in seen if r['host'].startswith('127.0.0.1')]
        gaps = [round(b - a, 3) for a, b in zip(times, times[1:])]
        t.ok(len(gaps) == 2 and all(g >= 0.65 for g in gaps),
             'host_spacing = 700ms: requests to one host start at least 0.7 s apart', gaps)
        first = min(r['time'] for r in seen)
        others = [r['time'] - first for r in seen if r['host'].startswith('localhost')]
        t.ok(len(others) == 1 and others[0] < 0.5,
             'a feed on another host does not wait for that spacing', others)

    def crowded_host(self):
        t = self.t
        # diplomacy-atom.xml has no <ttl> to stretch the interval
        crowded = [self.url('feeds/diplomacy-atom.xml?n=%d' % i) for i in range(4)]
        alone = self.url('feeds/diplomacy-atom.xml', host='localhost')
        conf, _ = self.fresh(crowded + [alone], 'host_spacing = 1s\nper_host = 2\n'
                                                 'interval = 3s\n')
        check = geotrackd(self.binary, ['--check-config', '-c', conf])
        t.ok(check.returncode == 0 and 'OK' in check.stdout and
             'host 127.0.0.1: 4 feeds' in check.stderr and 'localhost' not in check.stderr,
             'crowded host: --check-config accepts the list and names the crowded host',
             (check.returncode, check.stdout, check.stderr))
        err, seen = self.daemon(conf, 10)
        lines = [l for l in err.splitlines() if 'a round' in l]
        t.ok(len(lines) == 1 and 'host 127.0.0.1: 4 feeds, started host_spacing (1s) apart, '
             'take 4s a round, longer than their interval (3s)' in lines[0],
             '4 feeds 1 s apart on one host with a 3 s interval are logged at the daemon\'s '
             'start, once, naming the host; the host with one feed is not', err)
        polls = [r['time'] for r in seen if r['path'].endswith('?n=0')]
        gaps = [round(b - a, 2) for a, b in zip(polls, polls[1:])]
        t.ok(len(gaps) >= 1 and all(g >= 3.5 for g in gaps),
             'and as it says, a feed there is polled about every 4 s, not every 3 s', gaps)

        conf, _ = self.fresh(crowded + [alone], 'host_spacing = 500ms\nper_host = 2\n'
                                                 'interval = 3s\n')
        err, _ = self.daemon(conf, 1.5)
        t.ok('a round' not in err, 'with host_spacing = 500ms they fit in 2 s: nothing is '
             'logged', err)

    def twin_feeds(self):
        """One feed listed twice under URLs that differ only in form is polled twice: the
        list is valid, so only a warning can say so."""
        t = self.t
        feed = self.url('feeds/world-rss.xml')
        twin = feed + '/'
        other = feed + '?edition=uk'
        conf, _ = self.fresh([feed, other, twin])
        check = geotrackd(self.binary, ['--check-config', '-c', conf])
        warnings = [l for l in check.stderr.splitlines() if 'the same feed as' in l]
        t.ok(check.returncode == 0 and len(warnings) == 1 and
             'line 3: the same feed as line 1 (%s)' % feed in warnings[0],
             'twin feeds: --check-config accepts the list and names the line listing a feed '
             'again with a trailing slash; another query is another feed', check.stderr)
        err, _ = self.daemon(conf, 1)
        t.ok(sum('the same feed as line 1' in l for l in err.splitlines()) == 1,
             'the daemon says so once at start', err)
        # Only checked, never polled: the names need not resolve.
        conf, _ = self.fresh(['https://example.org/feed', 'http://WWW.Example.org:80/feed/',
                              'https://example.org:8443/feed', 'https://example.org/feed#top'])
        check = geotrackd(self.binary, ['--check-config', '-c', conf])
        lines = sorted(int(l.split(' line ')[1].split(':')[0])
                       for l in check.stderr.splitlines() if 'the same feed as line 1' in l)
        t.ok(lines == [2, 4], 'http and https, www., a default port, case and a fragment '
                              'make no other feed; another port does', check.stderr)

        moved = self.url('redirect/301/feeds/world-rss.xml')
        conf, _ = self.fresh([feed, moved])
        run = geotrackd(self.binary, ['--once', '-c', conf])
        t.ok('%s: now polled where %s is: one feed listed twice?' % (moved, feed) in run.stderr,
             'a feed whose permanent redirect leads to another feed of the list is named',
             run.stderr)
        # The move is stored, so the next run polls the new URL at once and follows no
        # redirect: the start says it again.
        run = geotrackd(self.binary, ['--once', '-c', conf])
        named = [l for l in run.stderr.splitlines() if 'one feed listed twice' in l]
        t.ok(len(named) == 1 and '%s: polled at %s since a permanent redirect, where %s is '
             'polled too' % (moved, feed, feed) in named[0],
             'and named again at the next start, from the stored move', run.stderr)

    def backoff(self):
        t = self.t
        url = self.url('status/500')
        conf, db = self.fresh([url], 'host_spacing = 0\ninterval = 60s\nmax_backoff = 200s\n')
        delays = []
        for _ in range(4):
            self.once(conf)
            delays.append(self.delay(db, url))
        wants = (60, 120, 200, 200)
        t.ok(all(d is not None and w <= d <= w * 1.1 + 1 for d, w in zip(delays, wants)),
             'a failing feed is retried after 60, 120, 200, 200 s: doubling, capped at '
             'max_backoff (plus up to 10%% jitter)', delays)
        t.eq(self.feed(db, 'consecutive_failures', url), '4', 'the feeds table counts 4 failures')
        t.eq(self.feed(db, 'health', url), 'active', 'four failures in a minute are not death')

    def dead_and_back(self):
        t = self.t
        url = self.url('feeds/later.xml')  # 404 until the file appears
        conf, db = self.fresh([url], 'host_spacing = 0\ninterval = 60s\ndead_after = 7d\n'
                                     'dead_interval = 1d\n')
        self.once(conf)
        t.ok(self.feed(db, 'failing_since', url), 'dead: the first failure starts failing_since')
        # Ten days of failures, as the feeds table would show them.
        sql(db, "UPDATE feeds SET failing_since = datetime('now', '-10 days')")
        run, _ = self.once(conf)
        t.eq(self.feed(db, 'health', url), 'dead', 'after dead_after (7d) of failing it is dead')
        t.eq(sql(db, 'SELECT state, since = failing_since FROM feed_status f JOIN feeds '
                     'USING (id)'), [['dead', '1']],
             'the feed_status view says dead, since the first failure')
        lines = [l for l in run.stderr.splitlines() if 'marked dead' in l]
        t.ok(len(lines) == 1 and url in lines[0], 'the log says so, naming the feed', run.stderr)
        delay = self.delay(db, url)
        t.ok(delay is not None and 86400 <= delay <= 86400 * 1.1 + 1,
             'a dead feed is next tried after dead_interval (1d)', delay)
        shutil.copy(os.path.join(self.root, 'world-rss.xml'), os.path.join(self.root, 'later.xml'))
        run, _ = self.once(conf)
        t.eq((self.feed(db, 'health', url), self.feed(db, 'failing_since', url)), ('active', ''),
             'one success makes it active again')
        t.ok('no longer dead' in run.stderr, 'and the log says so', run.stderr)
        t.eq(sql(db, 'SELECT state, since = last_fetch_at FROM feed_status'), [['ok', '1']],
             'and feed_status says ok, since that success')

    def daemon_backoff(self):
        t = self.t
        url = self.url('status/500?daemon=1')
        conf, _ = self.fresh([url], 'host_spacing = 0\ninterval = 1s\nmax_backoff = 4s\n')
        err, seen = self.daemon(conf, 9.5)
        times = [r['time'] for r in seen]
        gaps = [round(b - a, 2) for a, b in zip(times, times[1:])]
        wants = (1, 2, 4)
        t.ok(len(gaps) >= 3 and all(w - 0.1 <= g <= w * 1.1 + 0.6 for g, w in zip(gaps, wants)),
             'the running daemon retries a failing feed after 1, 2, 4 s', gaps)
        lines = [l for l in err.splitlines() if url in l and '500' in l]
        t.eq(len(lines), 1, 'and logs the failure once, not on every retry')

    def restart_keeps_plans(self):
        t = self.t
        limited = self.url('status/429?retry_after=120&restart=1')
        # On another host: a 429 pauses its own host's feeds, which is not the point here.
        healthy = self.url('feeds/world-rss.xml?restart=1', host='localhost')
        conf, db = self.fresh([limited, healthy], 'host_spacing = 0\ninterval = 60s\n')
        self.once(conf)
        err, seen = self.daemon(conf, 2.5)
        paths = [r['path'] for r in seen]
        t.ok(not any(p.startswith('/status/429') for p in paths),
             'a restarted daemon still honours the Retry-After: 120 of the last run', paths)
        t.ok(not any(p.startswith('/feeds/world-rss.xml') for p in paths),
             'and does not re-poll a feed fetched a moment ago, before its interval', paths)
        sql(db, "UPDATE feeds SET next_poll_at = NULL")
        err, seen = self.daemon(conf, 2.5)
        t.eq(sorted(r['path'] for r in seen), sorted(['/status/429?retry_after=120&restart=1',
                                                     '/feeds/world-rss.xml?restart=1']),
             'feeds without a plan are polled at start')

    def daemon_retry_after(self):
        t = self.t
        limited = self.url('status/429?retry_after=3')
        same_host = self.url('feeds/world-rss.xml')
        other_host = self.url('feeds/diplomacy-atom.xml', host='localhost')
        conf, _ = self.fresh([limited, same_host, other_host],
                             'host_spacing = 0\ninterval = 1s\nper_host = 1\n')
        err, seen = self.daemon(conf, 6.5)
        first_429 = min((r['time'] for r in seen if r['path'].startswith('/status/429')), default=0)
        quiet = [r['path'] for r in seen if r['host'].startswith('127.0.0.1')
                 and first_429 + 0.2 < r['time'] < first_429 + 2.9]
        t.eq(quiet, [], 'after a 429 with Retry-After: 3, its host gets no request for 3 s')
        others = [r for r in seen if r['host'].startswith('localhost')
                  and first_429 < r['time'] < first_429 + 3]
        t.ok(len(others) >= 2, 'while a feed on another host is still polled every second',
             len(others))
        later = [r for r in seen if r['host'].startswith('127.0.0.1')
                 and r['time'] >= first_429 + 2.9]
        t.ok(len(later) >= 1, 'and the host is polled again once the 3 s are over', later)


def main(binary):
    t = Tap()
    cases = Cases(binary, t)
    try:
        for case in (cases.limits, cases.spacing, cases.crowded_host, cases.twin_feeds,
                     cases.backoff, cases.dead_and_back,
                     cases.daemon_backoff, cases.daemon_retry_after,
                     cases.restart_keeps_plans):
            print('# ' + case.__name__)
            case()
    finally:
        cases.close()
    return t.done()


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
