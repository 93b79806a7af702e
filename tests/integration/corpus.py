"""Fixture news feeds dated relative to today, for the database tests.

Four news sites (the hosts of the articles' links) publish RSS feeds; BBC has two feeds.
A story is one sentence reported by several of them on the same day, so the database
must fold the reports into one event with several mentions. Each item's title is its
summary's first sentence, as many feeds write them: the daemon then codes the summary
alone, which is exactly what `geotrackd code` codes from one line, so a test can learn
what the coder makes of every item independently of the database.
"""
import datetime
import email.utils
import os
from xml.sax.saxutils import escape

SITES = {
    'bbc-world': 'www.bbc.co.uk',
    'bbc-europe': 'www.bbc.co.uk',
    'aljazeera': 'www.aljazeera.com',
    'dw': 'www.dw.com',
    'france24': 'www.france24.com',
}

# (days ago, sentence, feeds that report it)
STORIES = [
    (0, 'Russia attacked Ukraine with missiles overnight.',
     ['bbc-world', 'aljazeera', 'dw', 'france24', 'bbc-europe']),
    (0, 'Ukraine accused Russia of war crimes.', ['bbc-world', 'dw']),
    (0, 'The United States imposed new sanctions on Iran.', ['aljazeera']),
    (1, 'Russian forces shelled Kharkiv, Ukraine said.', ['bbc-world', 'aljazeera', 'dw']),
    (2, 'Russian troops attacked Ukrainian positions near Bakhmut.', ['dw', 'france24']),
    (3, 'The United States imposed sanctions on Iran.', ['bbc-world', 'aljazeera', 'france24']),
    (3, 'Iran praised China for its support.', ['aljazeera']),
    (5, 'Germany pledged military aid to Ukraine.', ['dw', 'bbc-europe']),
    (6, 'Russia attacked Ukraine with drones.', ['france24']),
    (9, 'Russia attacked Ukraine again.', ['bbc-world', 'dw']),
    (10, 'China criticized the United States over Taiwan.', ['bbc-world', 'france24']),
    (12, 'Turkey threatened Syria with a new offensive.', ['aljazeera']),
    (15, 'France and Germany met in Paris to discuss sanctions.', ['france24', 'dw']),
    (20, 'Russia deploys troops to Venezuela.', ['bbc-world']),
    (45, 'Russia attacked Ukraine.', ['dw']),
]

# Said after each story's sentence; none of these is an event.
FILLER = [
    'Officials gave no further details.',
    'The report could not be independently verified.',
    'More follows.',
]

# Items without events, so not every article has one.
QUIET = [
    (0, 'Markets closed higher on Friday.', 'bbc-world'),
    (2, 'Heavy rain is expected across the region.', 'dw'),
    (4, 'A new museum opened in the old harbour.', 'france24'),
]


class Item:
    def __init__(self, feed, guid, published, title, summary):
        self.feed = feed
        self.guid = guid
        self.published = published
        self.title = title
        self.summary = summary
        self.url = 'https://%s/news/%s' % (SITES[feed], guid)

    @property
    def host(self):
        name = SITES[self.feed]
        return name[4:] if name.startswith('www.') else name


def items(now=None):
    """Every item of the corpus, dated relative to `now` (UTC)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    out = []
    for n, (days, sentence, feeds) in enumerate(STORIES):
        for k, feed in enumerate(feeds):
            # Reports of a story an hour apart after 01:00 on its day, never past now.
            published = today - datetime.timedelta(days=days) + datetime.timedelta(hours=1 + k)
            published = min(published, now)
            summary = sentence + ' ' + FILLER[(n + k) % len(FILLER)]
            out.append(Item(feed, 's%d-%s' % (n, feed), published, sentence, summary))
    for n, (days, sentence, feed) in enumerate(QUIET):
        published = min(today - datetime.timedelta(days=days) + datetime.timedelta(hours=9), now)
        out.append(Item(feed, 'q%d' % n, published, sentence, sentence))
    return out


def rss(feed, feed_items):
    entries = []
    for item in feed_items:
        entries.append(
            '<item><title>%s</title><link>%s</link><guid>%s</guid>'
            '<pubDate>%s</pubDate><description>%s</description></item>' % (
                escape(item.title), escape(item.url), escape(item.url),
                email.utils.format_datetime(item.published), escape(item.summary)))
    return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            '<title>%s</title><link>https://%s/</link><description>fixture</description>\n%s\n'
            '</channel></rss>\n' % (feed, SITES[feed], '\n'.join(entries)))


def write_feeds(directory, now=None):
    """Writes one RSS file per feed into `directory`; returns (file names, items)."""
    all_items = items(now)
    names = []
    for feed in SITES:
        mine = [i for i in all_items if i.feed == feed]
        name = feed + '.xml'
        with open(os.path.join(directory, name), 'w', encoding='utf-8') as f:
            f.write(rss(feed, mine))
        names.append(name)
    return names, all_items
