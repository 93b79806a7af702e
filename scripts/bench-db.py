#!/usr/bin/env python3
"""scripts/bench db: the store's ingest rate against SQLite's raw insert floor, and the
README's queries on a database of a million events.

    scripts/bench db [--articles N] [--rounds R] [--events N] [--rebuild] [--only ingest|queries]

1. Ingest: `bench-db ingest` stores N synthetic articles (two reported events each, 50
   per transaction) through the store, and inserts the rows the store wrote (articles,
   events, mentions, the feed's row) into tables with the same columns and nothing else
   (no index, constraint, trigger or full-text index) with prepared statements in the
   same transactions: the floor. Rates by elapsed time and by CPU time (user + system,
   steadier on a shared machine), best of R rounds each. Then the same with a part of
   the schema taken out (full-text search, the events' indexes for questions, both), to
   show what each costs.
2. Queries: `bench-db build` fills a database with --events events (dated over the last
   year) through the store, kept in build-bench/ for the next run; then every query of
   README.md's Querying section runs in the sqlite3 shell with `.timer on`, six times:
   the first run is reported on its own (it may read the file from disk, when the OS
   has dropped it from its cache), then the best and the worst of the other five, with
   the rows each returns.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, 'tests', 'integration'))
from test_queries import readme_queries  # noqa: E402

BAR_RATIO = 0.5
BAR_QUERY_MS = 100.0


RATES = ('store_rows_per_s', 'raw_rows_per_s', 'store_rows_per_cpu_s', 'raw_rows_per_cpu_s')


def ingest(bench, articles, rounds, without=None):
    best = None
    for _ in range(rounds):
        with tempfile.TemporaryDirectory(prefix='bench-db-', dir=os.path.join(TOP, 'build-bench')) as d:
            args = [bench, 'ingest', d, str(articles)] + ([without] if without else [])
            result = json.loads(subprocess.run(args, capture_output=True, text=True,
                                               check=True).stdout)
        if best is None:
            best = result
        else:
            for rate in RATES:
                best[rate] = max(best[rate], result[rate])
    best['ratio'] = best['store_rows_per_s'] / best['raw_rows_per_s']
    best['cpu_ratio'] = best['store_rows_per_cpu_s'] / best['raw_rows_per_cpu_s']
    return best


def ingest_row(what, r):
    return '%-40s %10.0f %10.0f %6.1f%% %10.0f %10.0f %6.1f%%' % (
        what, r['store_rows_per_s'], r['raw_rows_per_s'], 100 * r['ratio'],
        r['store_rows_per_cpu_s'], r['raw_rows_per_cpu_s'], 100 * r['cpu_ratio'])


def schema_of(db):
    """The schema and the full-text index's settings (kept in a table, not the schema)."""
    out = subprocess.run(['sqlite3', db, "SELECT group_concat(sql, ';') FROM (SELECT sql FROM "
                          "sqlite_schema WHERE name NOT LIKE 'sqlite_stat%' ORDER BY name); "
                          "SELECT * FROM articles_fts_config ORDER BY k"],
                         capture_output=True, text=True)
    return out.stdout if out.returncode == 0 else None


def usable(bench, db, events):
    """A database built before with at least `events` events and today's schema."""
    if not os.path.exists(db):
        return False
    out = subprocess.run(['sqlite3', db, 'SELECT count(*) FROM events'], capture_output=True,
                         text=True)
    if out.returncode != 0 or int(out.stdout.strip() or 0) < events:
        return False
    with tempfile.TemporaryDirectory(prefix='bench-db-', dir=os.path.join(TOP, 'build-bench')) as d:
        fresh = os.path.join(d, 'schema.db')
        subprocess.run([bench, 'build', fresh, '1'], capture_output=True, check=True)
        return schema_of(fresh) == schema_of(db)


def time_query(db, query, runs=6):
    script = '.output /dev/null\n.timer on\n' + (query.strip() + '\n') * runs
    out = subprocess.run(['sqlite3', db], input=script, capture_output=True, text=True,
                         check=True)
    runs_found = re.findall(r'Run Time: real ([0-9.]+) user ([0-9.]+) sys ([0-9.]+)',
                            out.stdout + out.stderr)
    times = [float(real) * 1000 for real, _, _ in runs_found]
    cpu = [(float(user) + float(sys_)) * 1000 for _, user, sys_ in runs_found]
    rows = subprocess.run(['sqlite3', '-json', db], input=query, capture_output=True,
                          text=True, check=True).stdout
    return times, cpu, len(json.loads(rows)) if rows.strip() else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--bench', default=os.path.join(TOP, 'build-bench', 'tests', 'bench-db'))
    ap.add_argument('--articles', type=int, default=50000)
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--events', type=int, default=1000000)
    ap.add_argument('--rebuild', action='store_true')
    ap.add_argument('--only', choices=('ingest', 'queries'))
    args = ap.parse_args()
    if args.only != 'queries':
        bench_ingest(args)
    if args.only != 'ingest':
        bench_queries(args)


def bench_ingest(args):

    print('== ingest: %d articles, %d reported events, 50 articles per transaction, best of %d'
          % (args.articles, 2 * args.articles, args.rounds))
    print('$ %s ingest DIR %d [fts|indexes|both]' % (os.path.relpath(args.bench, TOP), args.articles))
    print('load average before: %.2f' % os.getloadavg()[0])
    full = ingest(args.bench, args.articles, args.rounds)
    print('%-40s %10s %10s %7s %10s %10s %7s' % ('schema', 'rows/s', 'floor', 'share',
                                                   'rows/cpu-s', 'floor', 'share'))
    print(ingest_row('full (what the daemon runs)', full))
    print('(%d events, %d mentions of known events)' % (full['events'],
                                                         full['reports'] - full['events']))
    for without, what in (('fts', 'without full-text search'),
                          ('indexes', 'without the 2 event indexes for questions'),
                          ('both', 'without either')):
        print(ingest_row(what, ingest(args.bench, args.articles, args.rounds, without)))
    print('load average after: %.2f' % os.getloadavg()[0])
    print('bar: >= %.0f%% of the floor: %s (elapsed), %s (CPU)' % (
        100 * BAR_RATIO, 'met' if full['ratio'] >= BAR_RATIO else 'NOT met',
        'met' if full['cpu_ratio'] >= BAR_RATIO else 'NOT met'))


def bench_queries(args):
    db = os.path.join(TOP, 'build-bench', 'bench-%d.db' % args.events)
    print()
    print('== README queries on %d events' % args.events)
    if args.rebuild or not usable(args.bench, db, args.events):
        for suffix in ('', '-wal', '-shm'):
            if os.path.exists(db + suffix):
                os.unlink(db + suffix)
        print('$ %s build %s %d' % (os.path.relpath(args.bench, TOP), os.path.relpath(db, TOP),
                                    args.events))
        built = json.loads(subprocess.run([args.bench, 'build', db, str(args.events)],
                                          capture_output=True, text=True, check=True).stdout)
        print('built: %d articles, %d events in %.0f s (%.0f rows/s into a growing database)'
              % (built['articles'], built['events'], built['seconds'],
                 (built['articles'] * 3) / built['seconds']))
    counts = subprocess.run(['sqlite3', db, 'SELECT (SELECT count(*) FROM events), '
                             '(SELECT count(*) FROM mentions), (SELECT count(*) FROM articles)'],
                            capture_output=True, text=True, check=True).stdout.strip().split('|')
    print('database: %s events, %s mentions, %s articles, %.0f MB' % (
        counts[0], counts[1], counts[2], os.path.getsize(db) / 1e6))
    print('$ sqlite3 %s  (.timer on, each query 6 times; load average %.2f)'
          % (os.path.relpath(db, TOP), os.getloadavg()[0]))
    slow = slow_first = 0
    print('wall: elapsed of the first run, best and worst of the next 5; '
          'cpu: user + sys of the best run')
    print('%8s %8s %8s %8s %6s  %s' % ('first ms', 'best ms', 'worst ms', 'cpu ms', 'rows',
                                       'question'))
    for question, query in readme_queries():
        times, cpu, rows = time_query(db, query)
        first, times, cpu = times[0], times[1:], cpu[1:]
        slow += max(times) >= BAR_QUERY_MS
        slow_first += first >= BAR_QUERY_MS
        best = times.index(min(times))
        print('%8.1f %8.1f %8.1f %8.1f %6d  %s' % (first, min(times), max(times), cpu[best],
                                                   rows, question))
    print('bar: every query under %.0f ms: %s; first runs: %s' % (
        BAR_QUERY_MS, 'met' if not slow else 'NOT met (%d over)' % slow,
        'all under' if not slow_first else '%d over' % slow_first))


if __name__ == '__main__':
    main()
