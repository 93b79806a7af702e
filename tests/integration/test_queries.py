#!/usr/bin/env python3
"""Every query of README.md's "Querying" section, run with the sqlite3 shell against a
database the real daemon builds from fixture feeds, checked against what the coder finds.

What a user sees: each example question in the README answers with exactly the events
(and counts, labels, URLs) that the fixture articles report. The expected answers are
computed here without the database: the test asks `geotrackd code` what each fixture
article says (the daemon codes articles through the same function) and works out each
answer in Python. The queries are read from README.md itself, so the README and this
test cannot drift apart: a question without a check here fails, and so does a check
whose question left the README.
"""
import collections
import datetime
import json
import os
import re
import subprocess
import sys

import corpus
from harness import (SOURCE_ROOT, FeedServer, Tap, cleanup, geotrackd, sql_value,
                     temp_dir, write_config)

CAMEO = os.path.join(SOURCE_ROOT, 'schema', 'cameo')


def readme_queries():
    """[(question, sql)] from README.md's Querying section, in order."""
    with open(os.path.join(SOURCE_ROOT, 'README.md'), encoding='utf-8') as f:
        text = f.read()
    start = text.index('\n## Querying\n')
    end = text.find('\n## ', start + 1)
    section = text[start:end if end > 0 else len(text)]
    return re.findall(r'\*\*(.+?)\*\*.*?```sql\n(.*?)```', section, re.S)


def run_query(db, query):
    """The query through `sqlite3 -json`, as rows of {column: value}."""
    out = subprocess.run(['sqlite3', '-json', db], input=query, capture_output=True,
                         text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip())
    return json.loads(out.stdout) if out.stdout.strip() else []


# --- the codebook, read from the same tables the binary embeds ---

def table(name):
    with open(os.path.join(CAMEO, name), encoding='utf-8') as f:
        rows = [line.rstrip('\n').split('\t') for line in f if line.strip()]
    return rows[0], rows[1:]


def labels(name):
    return {row[0]: (row[1] if len(row) > 1 and row[1] else None) for row in table(name)[1]}


COUNTRIES = labels('countries.tsv')
GROUPS = labels('known_groups.tsv')
ROLES = labels('actor_types.tsv')
EVENT_CODES = {row[0]: {'root': row[1], 'label': row[5]} for row in table('event_codes.tsv')[1]}


def split_actor(code):
    """Country, known group and first role of a CAMEO actor code, as GDELT splits it."""
    country = group = role = None
    for off in range(0, len(code) - 2, 3):
        seg = code[off:off + 3]
        if country is None and seg in COUNTRIES:
            country = seg
        elif group is None and seg in GROUPS:
            group = seg
        elif seg in ROLES:
            if ROLES[seg] and role is None:
                role = seg
    return country, group, role


def actor_name(code):
    """event_view's reading of an actor code: its group or country, then its role."""
    if not code:
        return None
    country, group, role = split_actor(code)
    words = GROUPS.get(group) or COUNTRIES.get(country) or ''
    if role:
        words = (words + ' ' + ROLES[role].lower()).strip()
    return words or code


def sqlite_round(value, places):
    """SQLite's round(): the value printed with %.Nf and read back."""
    return float('%.*f' % (places, value))


class OneOf:
    """Matches any of several values (the first report's URL depends on which feed the
    daemon happened to store first)."""

    def __init__(self, values):
        self.values = set(values)

    def __eq__(self, other):
        return other in self.values

    def __repr__(self):
        return 'OneOf(%r)' % sorted(self.values)


# --- what the coder finds in the fixture ---

class Event:
    def __init__(self, date, source, code, target, quad, goldstein):
        self.date, self.source, self.code, self.target = date, source, code, target
        self.quad = quad or None
        self.goldstein = goldstein if quad else None
        self.reports = []  # (item, sentence index)

    @property
    def mentions(self):
        return len(set((item.guid, n) for item, n in self.reports))

    @property
    def articles(self):
        return len(set(item.guid for item, _ in self.reports))

    @property
    def sources(self):
        return len(set(item.host for item, _ in self.reports))

    @property
    def urls(self):
        return OneOf(item.url for item, _ in self.reports)

    @property
    def source_country(self):
        return split_actor(self.source)[0]

    @property
    def target_country(self):
        return split_actor(self.target)[0] if self.target else None

    @property
    def root(self):
        known = EVENT_CODES.get(self.code)
        return known['root'] if known else self.code[:2]


def code_items(binary, conf, items):
    """{(date, source, code, target): Event} from `geotrackd code` over every item."""
    lines = ''.join('%d\t%s\t%s\n' % (n, item.published.strftime('%Y-%m-%d'), item.summary)
                    for n, item in enumerate(items))
    out = subprocess.run([binary, 'code', '-c', conf], input=lines, capture_output=True,
                         text=True, timeout=120, check=True).stdout.splitlines()
    header = out[0].split('\t')
    events = {}
    for line in out[1:]:
        row = dict(zip(header, line.split('\t')))
        item = items[int(row['id'])]
        date = item.published.strftime('%Y-%m-%d')
        key = (date, row['source'], row['event_code'], row['target'])
        if key not in events:
            events[key] = Event(date, row['source'], row['event_code'], row['target'],
                                int(row['quad_class'] or 0), float(row['goldstein'] or 0))
        events[key].reports.append((item, int(row['sentence'])))
    return events


def sentences(text):
    return re.split(r'(?<=[.!?])\s+', text.strip())


# --- the answer to each README question, worked out without the database ---

class Expect:
    """Rows a query must return, the order it must keep, and its LIMIT."""

    def __init__(self, rows, order, limit=None):
        self.rows = rows
        self.order = order
        self.limit = limit


def answers(events, items, today, article_ids):
    day = lambda n: (today - datetime.timedelta(days=n)).isoformat()
    now = today.isoformat()
    evs = list(events.values())
    week = [e for e in evs if e.date >= day(7)]
    month = [e for e in evs if e.date >= day(30)]
    rus_ukr = [e for e in evs if e.source_country == 'RUS' and e.target_country == 'UKR']

    def view(e, *cols):
        values = {'date': e.date, 'action': e.code, 'mentions': e.mentions,
                  'sources': e.sources, 'url': e.urls,
                  'action_label': EVENT_CODES.get(e.code, {}).get('label'),
                  'source_name': actor_name(e.source), 'target_name': actor_name(e.target)}
        return {c: values[c] for c in cols}

    out = {}
    out['What did Russia do to Ukraine this week?'] = Expect(
        [view(e, 'date', 'action', 'action_label', 'mentions', 'sources', 'url')
         for e in rus_ukr if e.date >= day(7)],
        lambda r: (_desc(r['date']), -r['mentions']))
    out['Which events today were reported by the most sites?'] = Expect(
        [view(e, 'source_name', 'action_label', 'target_name', 'sources', 'mentions')
         for e in evs if e.date == now],
        lambda r: (-r['sources'], -r['mentions']), limit=20)
    out['Everything involving Ukraine, on either side, in the last 7 days?'] = Expect(
        [view(e, 'date', 'source_name', 'action_label', 'target_name', 'mentions')
         for e in week if 'UKR' in (e.source_country, e.target_country)],
        lambda r: (_desc(r['date']), -r['mentions']))

    by_country = collections.defaultdict(lambda: [0, 0])
    for e in month:
        if e.quad == 4 and e.target_country:
            by_country[COUNTRIES[e.target_country]][0] += 1
            by_country[COUNTRIES[e.target_country]][1] += e.mentions
    out['Which countries were the targets of material conflict (QuadClass 4) this month?'] = Expect(
        [{'country': c, 'events': n, 'mentions': m} for c, (n, m) in by_country.items()],
        lambda r: (-r['events'], -r['mentions']), limit=10)

    by_day = collections.defaultdict(list)
    for e in rus_ukr:
        if e.date >= day(14):
            by_day[e.date].append(e)
    out['How did the Russia–Ukraine conflict go, day by day, over the last two weeks?'] = Expect(
        [{'date': d, 'events': len(es), 'mentions': sum(e.mentions for e in es),
          'goldstein': _avg_round([e.goldstein for e in es], 1)} for d, es in by_day.items()],
        lambda r: r['date'])

    pairs = collections.defaultdict(list)
    for e in month:
        if e.source_country and e.target_country and e.source_country != e.target_country:
            pairs[(e.source_country, e.target_country)].append(e)
    out['Which pairs of countries were most hostile this month (lowest average Goldstein)?'] = Expect(
        [{'source': s, 'target': t, 'events': len(es),
          'goldstein': _avg_round([e.goldstein for e in es], 2)} for (s, t), es in pairs.items()],
        lambda r: (_none_first(r['goldstein']), -r['events']), limit=10)

    roots = collections.Counter(e.root for e in week if e.root in EVENT_CODES)
    out['What kinds of events (CAMEO root codes) happened this week?'] = Expect(
        [{'root': r, 'label': EVENT_CODES[r]['label'], 'events': n} for r, n in roots.items()],
        lambda r: (-r['events'], r['root']))

    out['Who imposed sanctions or embargoes (CAMEO 163) this month, on whom?'] = Expect(
        [view(e, 'date', 'source_name', 'target_name', 'mentions', 'url')
         for e in month if e.code == '163'],
        lambda r: _desc(r['date']))

    reports = []
    for e in rus_ukr:
        if e.date == now and e.root in ('18', '19', '20'):
            for item, n in sorted(set(e.reports), key=lambda r: (r[0].guid, r[1])):
                reports.append({'source_name': item.host,
                                'published_at': item.published.strftime('%Y-%m-%d %H:%M:%S'),
                                'sentence': sentences(item.summary)[n - 1], 'url': item.url})
    out['What exactly did each site write about Russia attacking Ukraine today?'] = Expect(
        reports, lambda r: (r['published_at'], r['source_name']))

    sites = collections.defaultdict(lambda: [set(), 0])
    for e in week:
        for item, n in set(e.reports):
            sites[item.host][0].add((e.date, e.source, e.code, e.target))
            sites[item.host][1] += 1
    out['Which sites reported the most events this week?'] = Expect(
        [{'source_name': s, 'events': len(k), 'mentions': m} for s, (k, m) in sites.items()],
        lambda r: (-r['events'], -r['mentions'], r['source_name']))

    # Newest stored first: the order of the articles' ids, which the database assigns.
    out['Which articles mention sanctions, latest first?'] = Expect(
        [{'published_at': i.published.strftime('%Y-%m-%d %H:%M:%S'), 'title': i.title,
          'url': i.url} for i in items
         if re.search(r'\bsanctions\b', i.title + ' ' + i.summary, re.I)],
        lambda r: -article_ids[r['url']], limit=20)

    out['The same first question, in GDELT\'s own column names?'] = Expect(
        [{'SQLDATE': int(e.date.replace('-', '')), 'Actor1Code': e.source,
          'EventCode': e.code, 'Actor2Code': e.target or None, 'NumMentions': e.mentions,
          'SOURCEURL': e.urls} for e in rus_ukr if e.date >= day(7)],
        lambda r: (-r['SQLDATE'], -r['NumMentions']))
    return out


def _desc(text):
    """Sort key for text in descending order."""
    return [-ord(c) for c in text]


def _none_first(value):
    return (value is not None, value if value is not None else 0)


def _avg_round(values, places):
    values = [v for v in values if v is not None]
    return sqlite_round(sum(values) / len(values), places) if values else None


def matches(expected, actual):
    return set(expected) == set(actual) and all(expected[k] == actual[k] for k in expected)


def check(t, question, expect, rows):
    """The rows are the expected ones (up to LIMIT) in an order the query promises."""
    ordered = all(expect.order(a) <= expect.order(b) for a, b in zip(rows, rows[1:]))
    t.ok(ordered, '%s: rows come in the promised order' % question, rows)
    wanted = sorted(expect.rows, key=expect.order)
    if expect.limit is not None and len(wanted) > expect.limit:
        # Rows tied with the last one that fits may fill the last places in any order.
        edge = expect.order(wanted[expect.limit - 1])
        must = [r for r in wanted if expect.order(r) < edge]
        may = [r for r in wanted if expect.order(r) == edge]
        count = expect.limit
    else:
        must, may, count = wanted, [], len(wanted)
    unmatched = list(rows)
    missing = []
    for want in must:
        hit = next((r for r in unmatched if matches(want, r)), None)
        if hit is None:
            missing.append(want)
        else:
            unmatched.remove(hit)
    extra = [r for r in unmatched if not any(matches(w, r) for w in may)]
    t.ok(not missing and not extra and len(rows) == count,
         '%s: %d rows, each as the fixture says' % (question, count),
         'missing: %r\nunexpected: %r\ngot %d rows, want %d' % (missing, extra, len(rows), count))


def main(binary):
    t = Tap()
    work = temp_dir('queries')
    feeds_dir = os.path.join(work, 'feeds')
    os.mkdir(feeds_dir)
    now = datetime.datetime.now(datetime.timezone.utc)
    names, items = corpus.write_feeds(feeds_dir, now)
    server = FeedServer(feeds_dir)
    try:
        conf = write_config(work, [server.url('feeds/' + n) for n in names])
        db = os.path.join(work, 'geotrack.db')
        run = geotrackd(binary, ['--once', '-c', conf])
        t.eq(run.returncode, 0, 'geotrackd --once stores the fixture feeds')
        if run.returncode != 0:
            print('# ' + run.stderr.replace('\n', '\n# '))
        t.eq(sql_value(db, 'SELECT count(*) FROM articles'), str(len(items)),
             'every fixture item is an article')

        events = code_items(binary, conf, items)
        stored = run_query(db, 'SELECT event_date, actor1_code, event_code, actor2_code, '
                               'num_mentions, num_articles, num_sources FROM events')
        got = {(r['event_date'], r['actor1_code'], r['event_code'], r['actor2_code']):
               (r['num_mentions'], r['num_articles'], r['num_sources']) for r in stored}
        want = {k: (e.mentions, e.articles, e.sources) for k, e in events.items()}
        t.eq(len(stored), len(got), 'no event is stored twice')
        t.ok(got == want, 'each event the coder finds is stored once, with its mentions, '
                          'articles and sources counted (%d events)' % len(want),
             'only stored: %r\nonly coded: %r\ndiffering: %r' % (
                 sorted(set(got) - set(want)), sorted(set(want) - set(got)),
                 sorted((k, got[k], want[k]) for k in set(got) & set(want) if got[k] != want[k])))
        t.ok(any(e.mentions > 1 for e in events.values()),
             'the fixture has events reported more than once (mentions to fold)')

        article_ids = {r['url']: r['id'] for r in run_query(db, 'SELECT url, id FROM articles')}
        expected = answers(events, items, now.date(), article_ids)
        queries = readme_queries()
        t.ok(len(queries) >= 10, 'README.md has at least ten example queries (%d)' % len(queries))
        asked = [q for q, _ in queries]
        t.eq(sorted(set(asked) - set(expected)), [],
             'every README question has a check in this test')
        t.eq(sorted(set(expected) - set(asked)), [],
             'every check here has its question in README.md')
        for question, query in queries:
            if question not in expected:
                continue
            expect = expected[question]
            t.ok(len(expect.rows) > 0, '%s: the fixture gives it something to find' % question)
            try:
                rows = run_query(db, query)
            except RuntimeError as e:
                t.ok(False, '%s: runs in the sqlite3 shell' % question, e)
                continue
            check(t, question, expect, rows)
    finally:
        server.stop()
        cleanup(work)
    return t.done()


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
