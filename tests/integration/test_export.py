#!/usr/bin/env python3
"""geotrackd export: GDELT 2.0's export format, JSON Lines and CSV from a real database.

What a user sees: `geotrackd export --format gdelt` prints one line per event with
GDELT 2.0's 61 tab-separated columns, each value shaped like the values of a real GDELT
export file (read here with the same reader as ../shared's real export), agreeing with
the database; --since and --until pick events by date; `--format jsonl` gives one JSON
object per event with its evidence and mentions; `--format csv` gives event_view with a
header. Mistakes on the command line are explained, with exit status 2.
"""
import csv
import io
import json
import os
import re
import sys

import corpus
from harness import (SOURCE_ROOT, FeedServer, Tap, cleanup, geotrackd, sql, sql_value,
                     temp_dir, write_config)

REFERENCE = os.path.join(os.path.dirname(SOURCE_ROOT), 'shared', 'reference', 'gdelt')


def gdelt_columns():
    """[(name, sqlite type)] of GDELT's event table, from the reference schema, or None."""
    path = os.path.join(REFERENCE, 'event_schema.tsv')
    if not os.path.exists(path):
        return None
    with open(path, encoding='utf-8') as f:
        rows = [line.rstrip('\n').split('\t') for line in f]
    header = rows[0]
    name, kind = header.index('name'), header.index('sqlite_type')
    return [(r[name], r[kind]) for r in rows[1:] if r[0] == 'events']


def read_gdelt(text, columns):
    """Parses GDELT export text the way GDELT tooling does: 61 tab-separated fields,
    INTEGER and REAL columns as numbers (blank allowed). Returns the rows as
    {column: text} (having checked the numbers parse), or raises ValueError."""
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split('\t')
        if len(fields) != len(columns):
            raise ValueError('line %d has %d fields' % (number, len(fields)))
        for (name, kind), value in zip(columns, fields):
            if value and kind == 'INTEGER':
                int(value)
            elif value and kind == 'REAL':
                float(value)
        rows.append(dict(zip((name for name, _ in columns), fields)))
    return rows


def shape(value):
    """A value's shape: digits become 9, letters A or a ('-7.0' -> '-9.9')."""
    return re.sub(r'[a-z]', 'a', re.sub(r'[A-Z]', 'A', re.sub(r'[0-9]', '9', value)))


def main(binary):
    t = Tap()
    work = temp_dir('export')
    feeds_dir = os.path.join(work, 'feeds')
    os.mkdir(feeds_dir)
    names, items = corpus.write_feeds(feeds_dir)
    server = FeedServer(feeds_dir)
    try:
        conf = write_config(work, [server.url('feeds/' + n) for n in names])
        db = os.path.join(work, 'geotrack.db')
        t.eq(geotrackd(binary, ['--once', '-c', conf]).returncode, 0, 'the daemon stores the fixture')
        total = int(sql_value(db, 'SELECT count(*) FROM events'))
        t.ok(total > 0, 'the fixture gives events to export (%d)' % total)

        run = geotrackd(binary, ['export', '--format', 'gdelt', '-c', conf])
        t.eq(run.returncode, 0, 'export --format gdelt exits 0')
        lines = run.stdout.splitlines()
        t.eq(len(lines), total, 'one line per event, no header')
        columns = gdelt_columns()
        if columns is None:
            print('# skip: the GDELT reference is not in ../shared')
        else:
            t.eq(len(columns), 61, 'the reference lists GDELT 2.0\'s 61 event columns')
            with open(os.path.join(REFERENCE, '20191024143000.export.CSV'), encoding='utf-8') as f:
                real = read_gdelt(f.read(), columns)
            t.ok(len(real) > 1000, 'the reader reads the real GDELT export (%d rows)' % len(real))
            try:
                ours = read_gdelt(run.stdout, columns)
                t.ok(True, 'the same reader reads ours: 61 fields, numbers where GDELT has them')
            except ValueError as e:
                ours = []
                t.ok(False, 'the same reader reads ours', e)
            # Every value has a shape the real export has in that column (codes, dates,
            # numbers with their decimals); free text (names, places, URLs) and the ids
            # (ours count from 1, GDELT's from 10^8) are not compared.
            free = re.compile(r'^GLOBALEVENTID$|Name$|FullName$|SOURCEURL|FeatureID|ADM[12]Code')
            odd = []
            for name, _ in columns:
                if free.search(name):
                    continue
                shapes = {shape(r[name]) for r in real if r[name] != ''}
                for r in ours:
                    if r[name] != '' and shape(r[name]) not in shapes:
                        odd.append('%s=%r' % (name, r[name]))
            t.eq(sorted(set(odd)), [], 'every value is shaped like the real export\'s')
            view = {int(r[0]): r for r in sql(db, 'SELECT * FROM gdelt_events')}
            same = all(row[n] == _gdelt_text(view[int(row['GLOBALEVENTID'])][i], n)
                       for row in ours for i, (n, _) in enumerate(columns))
            t.ok(same and len(ours) == len(view),
                 'each line says what the gdelt_events view says for that event')
            dated = {(int(r['GLOBALEVENTID']), int(r['SQLDATE'])) for r in ours}
            want = {(int(i), int(d.replace('-', ''))) for i, d in
                    sql(db, 'SELECT id, event_date FROM events')}
            t.eq(dated, want, 'GLOBALEVENTID and SQLDATE are each event\'s id and date')

        dates = sorted(r[0] for r in sql(db, 'SELECT DISTINCT event_date FROM events'))
        since, until = dates[len(dates) // 3], dates[2 * len(dates) // 3]
        run = geotrackd(binary, ['export', '--format', 'gdelt', '--since', since, '--until', until,
                                 '--database', db])
        in_range = sql_value(db, "SELECT count(*) FROM events WHERE event_date BETWEEN '%s' "
                                 "AND '%s'" % (since, until))
        t.eq(str(len(run.stdout.splitlines())), in_range,
             '--since %s --until %s exports the %s events of those days' % (since, until, in_range))

        run = geotrackd(binary, ['export', '--format', 'jsonl', '--database', db])
        t.eq(run.returncode, 0, 'export --format jsonl exits 0')
        objects = [json.loads(line) for line in run.stdout.splitlines()]
        t.eq(len(objects), total, 'one JSON object per event')
        counts = {int(i): int(n) for i, n in sql(db, 'SELECT id, num_mentions FROM events')}
        t.ok(all(len(o['mentions']) == counts[o['id']] == o['num_mentions'] for o in objects),
             'each object lists its mentions, as many as num_mentions')
        t.ok(all(o['sentence'] and o['event_label'] and o['actor1_code'] for o in objects),
             'each carries its evidence sentence, codes and labels')
        t.ok(all(m['source_name'] and m['url'] and m['sentence']
                 for o in objects for m in o['mentions']),
             'each mention names its site, URL and sentence')

        run = geotrackd(binary, ['export', '--format', 'csv', '--database', db])
        t.eq(run.returncode, 0, 'export --format csv exits 0')
        table = list(csv.reader(io.StringIO(run.stdout)))
        view_columns = [r[1] for r in sql(db, 'PRAGMA table_info(event_view)')]
        t.eq(table[0], view_columns, 'the CSV header is event_view\'s columns')
        t.eq(len(table) - 1, total, 'one CSV row per event')
        t.ok(all(len(r) == len(view_columns) for r in table),
             'quoting keeps every row at the header\'s width (labels have commas)')
        run = geotrackd(binary, ['export', '--format', 'csv', '--since', '2999-01-01',
                                 '--database', db])
        t.eq(run.stdout.splitlines(), [','.join(view_columns)],
             'with no event in range the CSV is its header alone')

        for args, why in ((['--format', 'xml'], '--format must be'),
                          (['--format', 'gdelt', '--since', 'yesterday'], 'wants a date'),
                          (['--format', 'gdelt', '-c', conf, '--database', db], 'not both')):
            run = geotrackd(binary, ['export', '--database', db] + args
                            if '--database' not in args else ['export'] + args)
            t.ok(run.returncode == 2 and why in run.stderr,
                 'export %s: exit 2, says "%s"' % (' '.join(args), why), run.stderr)
        run = geotrackd(binary, ['export', '--format', 'gdelt', '--database',
                                 os.path.join(work, 'missing.db')])
        t.ok(run.returncode == 1 and 'missing.db' in run.stderr,
             'a missing database: exit 1 and its name', run.stderr)
    finally:
        server.stop()
        cleanup(work)
    return t.done()


def _gdelt_text(value, column):
    """A gdelt_events value as the export writes it: GDELT's decimals for its floats."""
    if value == '':
        return ''
    if column == 'FractionDate':
        return '%.4f' % float(value)
    if column == 'GoldsteinScale':
        return '%.1f' % float(value)
    return value


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
