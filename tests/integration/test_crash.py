#!/usr/bin/env python3
"""SIGKILL at random points during ingest, many times: nothing lost, nothing doubled.

What a user sees: the daemon is killed (power cut, OOM killer, kill -9) while it stores
feeds, again and again, while the feeds keep publishing. After every kill the database
passes `PRAGMA integrity_check`, and each feed is either fully stored as of a fetch or
not at all: no article is half-coded, no event counted twice, the counts on each event
match its mentions. Once a run finishes, the database holds exactly what one clean run
over the same feeds stores: every article once, every event once with the same counts.
"""
import datetime
import os
import random
import signal
import subprocess
import sys
import time

import corpus
from harness import FeedServer, Tap, cleanup, geotrackd, sql, sql_value, temp_dir, write_config

FEEDS = 16
FIRST_ITEMS = 60      # items per feed at the start
NEW_PER_ROUND = 12    # items each feed publishes between two kills
ROUNDS = 40


def feed_items(feed, count, now):
    """The newest `count` items of a feed: stories from the corpus, several feeds
    reporting the same story on the same day, so events have several mentions. Each
    feed's articles are its own (an article listed by two feeds is stored once, by
    whichever is stored first: test_fetch's cross_listed case)."""
    out = []
    for n in range(count):
        days, sentence, _ = corpus.STORIES[(n * 7 + feed) % len(corpus.STORIES)]
        published = now - datetime.timedelta(days=days, minutes=n)
        guid = 'https://site%d.example/feed%d/news/%d' % (feed % 5, feed, n)
        summary = '%s %s' % (sentence, corpus.FILLER[n % len(corpus.FILLER)])
        out.append((guid, published, sentence, summary))
    return out


def write_feed(directory, feed, count, now):
    entries = ''.join(
        '<item><title>%s</title><link>%s</link><guid>%s#%d</guid><pubDate>%s</pubDate>'
        '<description>%s</description></item>\n' % (
            title, guid, guid, feed, published.strftime('%a, %d %b %Y %H:%M:%S +0000'), summary)
        for guid, published, title, summary in feed_items(feed, count, now))
    with open(os.path.join(directory, 'feed%02d.xml' % feed), 'w') as f:
        f.write('<?xml version="1.0"?><rss version="2.0"><channel><title>feed %d</title>'
                '<link>https://site%d.example/</link><description>x</description>\n%s'
                '</channel></rss>\n' % (feed, feed % 5, entries))


def snapshot(db):
    """What a clean run must also have stored, independent of row ids."""
    articles = {tuple(r) for r in sql(db, 'SELECT f.url, a.item_key FROM articles a '
                                          'JOIN feeds f ON f.id = a.feed_id')}
    events = {tuple(r) for r in sql(db, 'SELECT event_date, actor1_code, event_code, '
                                        'actor2_code, num_mentions, num_articles, num_sources '
                                        'FROM events')}
    mentions = {tuple(r) for r in sql(db, 'SELECT e.event_date, e.actor1_code, e.event_code, '
                                          'e.actor2_code, f.url, a.item_key, m.sentence_id '
                                          'FROM mentions m JOIN events e ON e.id = m.event_id '
                                          'JOIN articles a ON a.id = m.article_id '
                                          'JOIN feeds f ON f.id = a.feed_id')}
    return articles, events, mentions


def consistent(db, served):
    """Problems in a database a kill left behind (empty if none)."""
    problems = []
    if sql_value(db, 'PRAGMA integrity_check') != 'ok':
        problems.append('integrity_check: %s' % sql(db, 'PRAGMA integrity_check'))
    if sql(db, 'PRAGMA foreign_key_check'):
        problems.append('foreign_key_check: %s' % sql(db, 'PRAGMA foreign_key_check')[:5])
    bad = sql_value(db, 'SELECT count(*) FROM events e WHERE num_mentions <> '
                        '(SELECT count(*) FROM mentions m WHERE m.event_id = e.id)')
    if bad != '0':
        problems.append('%s events whose num_mentions is not their count of mentions' % bad)
    # A fetch is stored whole: a feed's articles are those of a whole fetch, so the
    # count is one the server served at some point (it only ever adds items).
    for url, count in sql(db, 'SELECT f.url, count(a.id) FROM feeds f '
                              'LEFT JOIN articles a ON a.feed_id = f.id GROUP BY f.id'):
        if int(count) not in served[url]:
            problems.append('%s has %s articles; it served %s' % (url, count, sorted(served[url])))
    # An article stored is an article coded: every article of a fetched feed with a
    # story has the mentions its story gives (checked against the clean run at the end);
    # here, no article may be stored without the fetch being recorded on its feed.
    orphan = sql_value(db, 'SELECT count(*) FROM articles a JOIN feeds f ON f.id = a.feed_id '
                           'WHERE f.last_success_at IS NULL')
    if orphan != '0':
        problems.append('%s articles of feeds with no recorded fetch' % orphan)
    return problems


def main(binary):
    t = Tap()
    seed = int(os.environ.get('GEOTRACK_TEST_SEED', time.time()))
    rng = random.Random(seed)
    print('# seed %d (set GEOTRACK_TEST_SEED to repeat)' % seed)
    work = temp_dir('crash')
    feeds_dir = os.path.join(work, 'feeds')
    os.mkdir(feeds_dir)
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    counts = {f: FIRST_ITEMS for f in range(FEEDS)}
    for f in range(FEEDS):
        write_feed(feeds_dir, f, counts[f], now)
    server = FeedServer(feeds_dir, quiet=True)
    try:
        # /nocache/: no validators, so every run fetches and re-reads every item.
        urls = [server.url('nocache/feed%02d.xml' % f) for f in range(FEEDS)]
        served = {u: {0} for u in urls}
        conf = write_config(work, urls)
        db = os.path.join(work, 'geotrack.db')

        # How long one run takes here, to spread the kills over it.
        start = time.monotonic()
        run = geotrackd(binary, ['--once', '-c', conf])
        full_run = time.monotonic() - start
        t.eq(run.returncode, 0, 'a first run stores the feeds (%.2fs)' % full_run)
        for u in urls:
            served[u].add(FIRST_ITEMS)

        # Kills aim at the stretch where feeds are being stored: later than a kill that
        # found nothing stored, earlier than one that came after the run had finished.
        latest = full_run
        interrupted = 0
        failures = []
        for round_no in range(ROUNDS):
            for f in range(FEEDS):
                counts[f] += NEW_PER_ROUND
                write_feed(feeds_dir, f, counts[f], now)
                served[urls[f]].add(counts[f])
            before = int(sql_value(db, 'SELECT count(*) FROM articles'))
            delay = rng.uniform(0, latest)
            proc = subprocess.Popen([binary, '--once', '-c', conf], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            time.sleep(delay)
            finished = proc.poll() is not None
            if not finished:
                proc.send_signal(signal.SIGKILL)
            proc.wait()
            after = int(sql_value(db, 'SELECT count(*) FROM articles'))
            if finished:
                latest *= 0.8
            elif after == before:
                latest *= 1.25
            elif after < before + FEEDS * NEW_PER_ROUND:
                interrupted += 1
            problems = consistent(db, served)
            if problems:
                failures.append('round %d (kill after %.3fs): %s' % (round_no, delay, problems))
        t.eq(failures, [], 'after each of %d kills the database is whole and consistent'
             % ROUNDS)
        t.ok(interrupted >= ROUNDS // 4,
             '%d of %d kills landed in the middle of storing feeds' % (interrupted, ROUNDS))

        run = geotrackd(binary, ['--once', '-c', conf])
        t.eq(run.returncode, 0, 'a run after the last kill finishes')
        got = snapshot(db)
        t.eq(sql_value(db, 'PRAGMA integrity_check'), 'ok', 'integrity_check is ok')

        clean_dir = os.path.join(work, 'clean')
        os.mkdir(clean_dir)
        clean_db = os.path.join(clean_dir, 'geotrack.db')
        run = geotrackd(binary, ['--once', '-c', write_config(clean_dir, urls)])
        t.eq(run.returncode, 0, 'one clean run over the same feeds')
        want = snapshot(clean_db)
        t.eq(len(got[0]), FEEDS * counts[0], 'every item ever published is stored')
        t.ok(got[0] == want[0], 'the same articles as the clean run (%d), none twice'
             % len(want[0]))
        t.ok(len(want[1]) > 0, 'the feeds hold events (%d)' % len(want[1]))
        t.ok(got[1] == want[1], 'the same events with the same mention, article and '
                                'source counts as the clean run',
             'only after kills: %r\nonly clean: %r' % (sorted(got[1] - want[1])[:5],
                                                     sorted(want[1] - got[1])[:5]))
        t.ok(got[2] == want[2], 'the same mentions as the clean run (%d)' % len(want[2]))
    finally:
        server.stop()
        cleanup(work)
    return t.done()


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
