#!/usr/bin/env python3
"""A running daemon on a feed that keeps publishing: each poll adds only the new items.

What a user sees: the feed gains items between polls (new ones on top, old ones kept,
one old item's summary edited, later one old item dropped); after each poll the articles
table holds every item once, the edited item keeps its first text, and no event is
stored twice. The daemon remembers the keys of the last document it stored, so this is
also the path where repeated items are skipped without asking the database, and where
items whose bytes repeat are cut out before the parse (the edited one is read again).
"""
import os
import signal
import subprocess
import sys
import time

from harness import FeedServer, Tap, cleanup, sql_value, temp_dir, write, write_config

ITEM = ('<item><title>%s</title><guid>steady-%d</guid>'
        '<pubDate>Mon, 04 Mar 2024 %02d:00:00 GMT</pubDate><description>%s</description></item>')
STORIES = [
    ('Russia deploys troops to Venezuela', 'Moscow sent soldiers to Caracas.'),
    ('China and Russia sign gas agreement', 'Beijing and Moscow signed a deal.'),
    ('France condemns attack in Mali', 'Paris condemned the attack.'),
    ('Iran accuses Israel of sabotage', 'Tehran blamed Israel.'),
    ('Germany pledges aid to Ukraine', 'Berlin will send tanks to Kyiv.'),
    ('Japan and South Korea hold talks', 'Tokyo and Seoul met.'),
]


def feed(numbers, edited=None):
    items = ''.join(ITEM % (STORIES[n][0], n, n, 'EDITED: ' + STORIES[n][1]
                            if n == edited else STORIES[n][1]) for n in numbers)
    return ('<?xml version="1.0"?><rss version="2.0"><channel><title>steady</title>'
            '<link>https://steady.example/</link><description>x</description>%s'
            '</channel></rss>' % items)


def main(binary):
    t = Tap()
    work = temp_dir('steady')
    root = os.path.join(work, 'root')
    os.mkdir(root)
    path = os.path.join(root, 'steady.xml')
    write(path, feed([2, 1, 0]))
    server = FeedServer(root, os.path.join(work, 'requests.log'))
    db = os.path.join(work, 'geotrack.db')
    conf = write_config(work, [server.url('nocache/steady.xml')],
                        '[fetch]\ninterval = 1s\nhost_spacing = 0\n')
    proc = subprocess.Popen([binary, '-c', conf], stderr=subprocess.DEVNULL)

    def polls():
        return sum('steady.xml' in r['path'] for r in server.requests())

    def after_next_poll():
        seen = polls()
        deadline = time.time() + 15
        while polls() < seen + 2 and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # the second poll after the change has been stored by now

    try:
        after_next_poll()
        t.eq(sql_value(db, 'SELECT count(*) FROM articles'), '3', 'the first poll stores 3 items')
        events = int(sql_value(db, 'SELECT count(*) FROM mentions'))
        t.ok(events > 0, 'and codes events from them (%d reports)' % events)

        write(path, feed([4, 3, 2, 1, 0], edited=1))
        after_next_poll()
        t.eq(sql_value(db, 'SELECT count(*) FROM articles'), '5',
             'two new items on top: five articles, none twice')
        t.eq(sql_value(db, "SELECT summary FROM articles WHERE item_key = 'steady-1'"),
             STORIES[1][1], 'an old item whose summary was edited keeps its first text')
        t.eq(sql_value(db, 'SELECT count(*) FROM (SELECT article_id, sentence_id, event_id '
                           'FROM mentions GROUP BY 1, 2, 3 HAVING count(*) > 1)'), '0',
             'no report stored twice')

        write(path, feed([5, 4, 3, 1, 0]))
        after_next_poll()
        t.eq(sql_value(db, 'SELECT count(*) FROM articles'), '6',
             'one item dropped, one new: six articles; the dropped one stays stored')
        t.eq(sql_value(db, 'SELECT count(DISTINCT item_key) FROM articles'), '6',
             'each under its own key')
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        server.stop()
        cleanup(work)
    return t.done()


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
