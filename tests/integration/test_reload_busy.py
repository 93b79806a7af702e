#!/usr/bin/env python3
"""Reloads while the daemon is busy parsing and coding: nothing is lost, nothing doubled.

The daemon parses and codes fetched documents in a thread pool while the loop stores
them; a SIGHUP that loads the dictionaries again swaps the coder under those jobs. What a
user sees here: 20 feeds of 150 items that keep gaining items, polled every second, and
SIGHUPs every 50 ms for several seconds, switching the config between two copies of the
dictionaries. The daemon keeps running through it and stops cleanly; the database passes
its integrity check; every item ever published is stored once; and the reports coded
from them are exactly those a single --once run codes from the final documents on a
fresh database (the coder is deterministic), so no job stored a half-coded document or
one coded with freed dictionaries.
"""
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

from harness import SOURCE_ROOT, FeedServer, Tap, cleanup, geotrackd, sql_value, temp_dir, \
    write, write_config

FEEDS = 20
FIRST_ITEMS = 150
SENTENCES = [
    'Russia deployed troops to Venezuela on %s.',
    'China and Russia signed a gas agreement in Beijing on %s.',
    'France condemned the attack on its embassy in Mali on %s.',
    'Iran accused Israel of sabotage at a nuclear site on %s.',
    'Germany pledged military aid to Ukraine on %s.',
    'Japan and South Korea held talks in Tokyo on %s.',
    'The United States imposed sanctions on North Korea on %s.',
    'Turkey threatened to attack Kurdish rebels in Syria on %s.',
    'India and Pakistan exchanged fire across the border on %s.',
    'The European Union urged Serbia to recognise Kosovo on %s.',
    'Brazil beat Argentina 2-1 in a friendly on %s.',
]
DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']


def item(feed, n):
    text = SENTENCES[(feed + n) % len(SENTENCES)] % DAYS[n % len(DAYS)]
    return ('<item><title>Item %d of feed %d</title><guid>busy-%d-%d</guid>'
            '<pubDate>Mon, 04 Mar 2024 10:%02d:00 GMT</pubDate><description>%s Officials '
            'said more talks would follow.</description></item>' % (n, feed, feed, n, n % 60, text))


def document(feed, count):
    return ('<?xml version="1.0"?><rss version="2.0"><channel><title>busy %d</title>'
            '<link>https://busy.example/%d</link><description>x</description>%s</channel></rss>'
            % (feed, feed, ''.join(item(feed, n) for n in reversed(range(count)))))


def publish(root, counts):
    for feed, count in enumerate(counts):
        path = os.path.join(root, 'busy%d.xml' % feed)
        write(path + '.tmp', document(feed, count))
        os.replace(path + '.tmp', path)


def stored_articles(db):
    """0 until the daemon has created the database."""
    try:
        return int(sql_value(db, 'SELECT count(*) FROM articles') or 0)
    except subprocess.CalledProcessError:
        return 0


def reports(db):
    return int(sql_value(db, 'SELECT count(*) FROM mentions'))


def main(binary):
    t = Tap()
    work = temp_dir('reload-busy')
    root = os.path.join(work, 'root')
    os.mkdir(root)
    counts = [FIRST_ITEMS] * FEEDS
    publish(root, counts)
    server = FeedServer(root, os.path.join(work, 'requests.log'))
    urls = [server.url('nocache/busy%d.xml' % f) for f in range(FEEDS)]
    dicts_a = os.path.join(SOURCE_ROOT, 'config', 'dictionaries')
    dicts_b = os.path.join(work, 'dictionaries-copy')
    shutil.copytree(dicts_a, dicts_b)
    daemon_dir = os.path.join(work, 'daemon')
    os.mkdir(daemon_dir)
    fetch = '[fetch]\ninterval = 1s\nper_host = 16\nhost_spacing = 0\n'
    conf = write_config(daemon_dir, urls, fetch)
    text_a = open(conf).read()
    text_b = text_a.replace('dictionaries = %s' % dicts_a, 'dictionaries = %s' % dicts_b)
    db = os.path.join(daemon_dir, 'geotrack.db')
    log = open(os.path.join(work, 'daemon.log'), 'w+')
    proc = subprocess.Popen([binary, '-c', conf], stderr=log)

    stop_publishing = threading.Event()

    def keep_publishing():
        while not stop_publishing.wait(0.3):
            for f in range(FEEDS):
                counts[f] += 3
            publish(root, counts)

    publisher = threading.Thread(target=keep_publishing)
    try:
        deadline = time.time() + 30
        while time.time() < deadline and stored_articles(db) < FEEDS * FIRST_ITEMS:
            time.sleep(0.1)
        publisher.start()
        reloads = 0
        end = time.time() + 6
        while time.time() < end and proc.poll() is None:
            write(conf, text_b if reloads % 2 == 0 else text_a)
            proc.send_signal(signal.SIGHUP)
            reloads += 1
            time.sleep(0.05)
        stop_publishing.set()
        publisher.join()
        t.ok(proc.poll() is None, 'the daemon runs on through %d reloads while polling' % reloads)

        # Every feed is polled every second: within a minute all of it is stored (a
        # stored count over the number published would show as a failure below).
        published = sum(counts)
        deadline = time.time() + 60
        while stored_articles(db) < published and time.time() < deadline:
            time.sleep(0.2)
        time.sleep(1.5)
        proc.send_signal(signal.SIGTERM)
        t.eq(proc.wait(timeout=30), 0, 'and stops cleanly on SIGTERM')
        log.seek(0)
        text = log.read()
        t.ok(text.count('SIGHUP: reloading') >= reloads // 2,
             'the log shows the reloads (%d)' % text.count('SIGHUP: reloading'))
        t.ok('internal' not in text and 'database:' not in text,
             'and no internal or database error', text[-2000:])

        t.eq(sql_value(db, 'PRAGMA integrity_check'), 'ok', 'the database is intact')
        t.eq(sql_value(db, 'SELECT count(*) FROM articles'), str(published),
             'every item published is stored (%d)' % published)
        t.eq(sql_value(db, 'SELECT count(DISTINCT feed_id || item_key) FROM articles'),
             str(published), 'each once')

        # The same final documents, coded in one --once run on a fresh database.
        fresh_dir = os.path.join(work, 'fresh')
        os.mkdir(fresh_dir)
        fresh_conf = write_config(fresh_dir, urls, fetch)
        run = geotrackd(binary, ['--once', '-c', fresh_conf])
        t.eq(run.returncode, 0, 'a --once run over the final documents works', )
        fresh_db = os.path.join(fresh_dir, 'geotrack.db')
        want = reports(fresh_db)
        t.ok(want > published // 2, 'and codes reports from them (%d)' % want)
        t.eq(reports(db), want, 'the busy daemon stored exactly the reports a quiet run codes')
        query = ('SELECT group_concat(x, char(10)) FROM (SELECT a.item_key || " " || '
                 'e.event_code || " " || m.sentence_id AS x FROM mentions m JOIN events e '
                 'ON e.id = m.event_id JOIN articles a ON a.id = m.article_id ORDER BY x)')
        t.ok(sql_value(db, query) == sql_value(fresh_db, query),
             'item by item, the same codes from the same sentences')
    finally:
        stop_publishing.set()
        if publisher.is_alive():
            publisher.join()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
        server.stop()
        cleanup(work)
    return t.done()


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
