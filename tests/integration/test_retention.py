#!/usr/bin/env python3
"""retain_days: old articles go, their events stay, with the same counts.

What a user sees: with `retain_days = 30` in [daemon], geotrackd deletes the articles
published more than 30 days ago (headline, summary, search index) when it starts and
hourly after, and says so in its log. Every event keeps its mentions and its
num_mentions / num_articles / num_sources; the mentions of deleted articles keep their
site, URL and sentence. The feeds still carry the old items, yet polling them again does
not bring them back or count their events a second time.
"""
import datetime
import os
import sys

import corpus
from harness import FeedServer, Tap, cleanup, geotrackd, sql, sql_value, temp_dir, write_config


def events(db):
    return sorted(tuple(r) for r in sql(db, 'SELECT event_date, actor1_code, event_code, '
                                            'actor2_code, num_mentions, num_articles, '
                                            'num_sources FROM events'))


def main(binary):
    t = Tap()
    work = temp_dir('retention')
    feeds_dir = os.path.join(work, 'feeds')
    os.mkdir(feeds_dir)
    now = datetime.datetime.now(datetime.timezone.utc)
    names, items = corpus.write_feeds(feeds_dir, now)
    cutoff = now - datetime.timedelta(days=30)
    old = [i for i in items if i.published < cutoff]
    server = FeedServer(feeds_dir)
    try:
        urls = [server.url('nocache/' + n) for n in names]
        db = os.path.join(work, 'geotrack.db')
        t.eq(geotrackd(binary, ['--once', '-c', write_config(work, urls)]).returncode, 0,
             'without retain_days every article is stored')
        t.eq(sql_value(db, 'SELECT count(*) FROM articles'), str(len(items)),
             '%d articles, %d of them older than 30 days' % (len(items), len(old)))
        t.ok(len(old) > 0, 'the fixture has articles older than 30 days')
        before = events(db)
        mentions = sql_value(db, 'SELECT count(*) FROM mentions')

        conf = write_config(work, urls, extra='')
        with open(conf) as f:
            text = f.read()
        with open(conf, 'w') as f:
            f.write(text.replace('[daemon]\n', '[daemon]\nretain_days = 30\n'))
        run = geotrackd(binary, ['--once', '-c', conf])
        t.eq(run.returncode, 0, 'with retain_days = 30 the daemon runs')
        t.ok('retention: deleted %d articles older than 30 days' % len(old) in run.stderr,
             'and logs how many old articles it deleted', run.stderr)
        t.eq(sql_value(db, "SELECT count(*) FROM articles WHERE published_at < "
                           "datetime('now', '-30 days')"), '0', 'no article older than 30 days is left')
        t.eq(sql_value(db, 'SELECT count(*) FROM articles'), str(len(items) - len(old)),
             'the newer articles stay, and the old items the feeds still carry are not re-added')
        t.eq(events(db), before, 'every event stays with the same counts')
        t.eq(sql_value(db, 'SELECT count(*) FROM mentions'), mentions, 'every mention stays')
        t.eq(sql_value(db, 'SELECT count(*) FROM mentions WHERE article_id IS NULL'),
             sql_value(db, "SELECT count(*) FROM mentions WHERE published_at < "
                           "datetime('now', '-30 days')"),
             'the mentions of deleted articles lose only their article link')
        t.eq(sql_value(db, 'SELECT count(*) FROM mentions WHERE url IS NULL OR sentence IS NULL'),
             '0', 'and keep their URL and sentence')
        kept_ukraine = [i for i in items if i not in old and 'Ukrain' in i.title + i.summary]
        t.eq(sql_value(db, "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'ukrain*'"),
             str(len(kept_ukraine)), 'searching finds only the articles kept')
        t.eq(sql_value(db, "INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check'); "
                           "SELECT 'index matches'"), 'index matches',
             'the search index holds exactly the articles kept')

        run = geotrackd(binary, ['--once', '-c', conf])
        t.eq(run.returncode, 0, 'another poll of the same feeds')
        t.eq(sql_value(db, 'SELECT count(*) FROM articles'), str(len(items) - len(old)),
             'still does not bring the old items back')
        t.eq(events(db), before, 'nor count their events again')
        t.eq(sql_value(db, 'PRAGMA integrity_check'), 'ok', 'integrity_check is ok')
    finally:
        server.stop()
        cleanup(work)
    return t.done()


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
