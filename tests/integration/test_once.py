#!/usr/bin/env python3
"""geotrackd --once against a real HTTP server on 127.0.0.1, checked with the sqlite3 shell.

What a user sees: the first poll stores every item of the three sample feeds (RSS 2.0,
Atom 1.0, RSS 1.0) and codes events from them; a second poll sends the validators back,
gets 304s and adds nothing; a feed list with broken feeds exits 1 naming each broken feed
once, and still stores the good one; dictionaries that cannot be read stop the run (exit 2)
before any request.
"""
import os
import sys

from harness import (SOURCE_ROOT, FeedServer, Tap, cleanup, geotrackd, sql, sql_value,
                     temp_dir, write, write_config)

SAMPLES = os.path.join(SOURCE_ROOT, 'config', 'samples')


def main(binary):
    t = Tap()
    work = temp_dir('once')
    server = FeedServer(SAMPLES, os.path.join(work, 'requests.log'))
    try:
        names = sorted(n for n in os.listdir(SAMPLES) if n.endswith('.xml'))
        conf = write_config(work, [server.url('feeds/' + n) for n in names])
        db = os.path.join(work, 'geotrack.db')

        run = geotrackd(binary, ['--once', '-c', conf])
        t.eq(run.returncode, 0, 'first --once exits 0 when every feed was fetched')
        if run.returncode != 0:
            print('# stderr: ' + run.stderr.replace('\n', '\n# '))
        t.eq(sql_value(db, 'SELECT count(*) FROM feeds'), '3', 'three feeds recorded')
        t.eq(sql_value(db, 'SELECT count(*) FROM articles'), '12',
             'every item of the RSS 2.0, Atom and RDF samples is an article')
        t.eq(sql_value(db, "SELECT count(*) FROM feeds WHERE last_status = 200 "
                           "AND last_error IS NULL AND last_success_at IS NOT NULL"), '3',
             'each feed row shows a successful fetch')
        t.eq(sql_value(db, "SELECT title FROM feeds WHERE url LIKE '%diplomacy-atom.xml'"),
             'Sample Diplomatic Desk', "a feed without a title in the list takes the feed's own")
        # No xml:base in that feed, so the document's own URL is the base (RFC 3986 5.1.3).
        t.eq(sql_value(db, "SELECT url FROM articles WHERE title LIKE 'Germany pledges%'"),
             server.url('2023/01/germany-aid-ukraine'),
             'a relative Atom link is resolved against the feed URL')
        t.eq(sql_value(db, "SELECT published_at FROM articles WHERE title LIKE 'France condemns%'"),
             '2019-01-21 07:15:00', 'published times are stored in UTC')
        first_events = int(sql_value(db, 'SELECT count(*) FROM events'))
        t.ok(first_events > 0, 'events were coded from the articles (%d)' % first_events)
        rows = sql(db, "SELECT e.actor1_code, e.event_code, e.actor2_code, e.event_date "
                       "FROM mentions m JOIN events e ON e.id = m.event_id "
                       "JOIN articles a ON a.id = m.article_id "
                       "WHERE a.title = 'Russia deploys troops to Venezuela' AND m.sentence_id = 1")
        t.ok(any(r[0].startswith('RUS') and r[1].startswith('15') and r[2].startswith('VEN')
                 for r in rows),
             '"Russia deploys troops to Venezuela" is coded RUS 15x VEN', rows)
        t.ok(all(r[3] == '2019-03-24' for r in rows), 'the event is dated by its article', rows)
        t.eq(sql_value(db, 'PRAGMA journal_mode'), 'wal', 'the database is in WAL mode')
        t.eq(sql_value(db, 'PRAGMA integrity_check'), 'ok', 'integrity_check is ok')

        before = len(server.requests())
        run = geotrackd(binary, ['--once', '-c', conf])
        t.eq(run.returncode, 0, 'second --once exits 0')
        again = server.requests()[before:]
        t.eq(len(again), 3, 'the second cycle makes one request per feed')
        t.ok(all('if-none-match' in r['headers'] for r in again),
             'the second cycle sends If-None-Match from the stored ETag', again)
        t.eq(sql_value(db, 'SELECT count(*) FROM feeds WHERE last_status = 304'), '3',
             'the server answered 304 and the feeds table says so')
        t.eq(sql_value(db, 'SELECT count(*) FROM articles'), '12', 'no article is duplicated')
        t.eq(int(sql_value(db, 'SELECT count(*) FROM events')), first_events,
             'no event is duplicated')

        # Without validators the server sends the whole feed again: the unique item keys
        # must still keep every article and event single.
        conf2 = write_config(work, [server.url('nocache/' + n) for n in names])
        os.unlink(db)
        geotrackd(binary, ['--once', '-c', conf2])
        geotrackd(binary, ['--once', '-c', conf2])
        t.eq(sql_value(db, 'SELECT count(*) FROM articles'), '12',
             'polling a feed without validators twice stores each item once')
        t.eq(sql_value(db, 'SELECT count(*) FROM (SELECT event_id, article_id, sentence_id '
                           'FROM mentions GROUP BY 1, 2, 3 HAVING count(*) > 1)'),
             '0', 'and no report of an event twice')

        # Broken feeds: the good one is stored, each bad one named once on stderr, exit 1.
        os.unlink(db)
        bad = [server.url('feeds/world-rss.xml'), server.url('status/404'), server.url('html'),
               'http://127.0.0.1:1/unreachable']
        conf3 = write_config(work, bad)
        run = geotrackd(binary, ['--once', '-c', conf3])
        t.eq(run.returncode, 1, '--once exits 1 when a feed failed')
        lines = [l for l in run.stderr.splitlines() if 'error' in l]
        for url, why in ((bad[1], '404'), (bad[2], 'HTML'), (bad[3], '')):
            mine = [l for l in lines if url in l]
            t.ok(len(mine) == 1 and why in mine[0],
                 'one error line names %s%s' % (url, ' and says ' + why if why else ''),
                 run.stderr)
        t.eq(sql_value(db, 'SELECT count(*) FROM articles'), '5', 'the good feed was stored')
        t.eq(sql_value(db, "SELECT count(*) FROM feeds WHERE last_error IS NOT NULL"), '3',
             'the feeds table records the three failures')

        # Dictionaries that cannot be read (they load beside the database's opening): the
        # run stops before any request, says which directory, and stores nothing.
        os.unlink(db)
        missing = os.path.join(work, 'no-such-dictionaries')
        with open(conf3) as f:
            text = f.read()
        conf4 = write(os.path.join(work, 'missing-dicts.conf'),
                      text.replace(os.path.join(SOURCE_ROOT, 'config', 'dictionaries'), missing))
        before = len(server.requests())
        run = geotrackd(binary, ['--once', '-c', conf4])
        t.eq(run.returncode, 2, '--once exits 2 when the dictionaries cannot be read')
        t.ok(missing in run.stderr and 'cannot open dictionary directory' in run.stderr,
             'and the error names the directory', run.stderr)
        t.eq(len(server.requests()), before, 'no feed was requested')
        t.eq(sql_value(db, 'SELECT count(*) FROM articles'), '0', 'nothing was stored')
    finally:
        server.stop()
        cleanup(work)
    return t.done()


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
