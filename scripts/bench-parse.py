#!/usr/bin/env python3
"""scripts/bench parse: the feed parser's throughput over the whole corpus in
../shared/feeds (wellformed/ and illformed/), beside python3-feedparser on the same bytes
in the same run, and beside libxml2's own floor (parse into a tree and walk it, no feed
logic). Prints MB/s, items/s and the ratios the bars are set on (>= 50x feedparser,
>= 50% of the libxml2 floor).

    scripts/bench parse [--feeds DIR] [--rounds N]
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import time


def feedparser_pass(datas):
    import feedparser
    items = 0
    for data in datas:
        items += len(feedparser.parse(data).entries)
    return items


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument('bench_parse')
    parser.add_argument('--feeds', default=os.path.join(here, '..', '..', 'shared', 'feeds'))
    parser.add_argument('--rounds', type=int, default=3)
    args = parser.parse_args()

    files = sorted(glob.glob(os.path.join(args.feeds, 'wellformed', '*')) +
                   glob.glob(os.path.join(args.feeds, 'illformed', '*')))
    if not files:
        print('bench parse: no corpus at %s' % args.feeds, file=sys.stderr)
        return 77
    datas = [open(f, 'rb').read() for f in files]
    total = sum(len(d) for d in datas)

    out = subprocess.run([args.bench_parse, '--rounds', str(args.rounds)] + files,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True)
    ours = json.loads(out.stdout)

    try:
        import feedparser  # noqa: F401  (Debian: python3-feedparser)
    except ImportError:
        print('bench parse: python3-feedparser is not installed', file=sys.stderr)
        return 1
    best = None
    fp_items = 0
    for _ in range(max(1, min(args.rounds, 2))):
        start = time.perf_counter()
        fp_items = feedparser_pass(datas)
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)

    mb = total / 1e6
    rows = [
        ('geotrackd feed_parse()', ours['seconds'], ours['items']),
        ('libxml2 floor (parse+walk)', ours['floor_seconds'], None),
        ('python3-feedparser %s' % __import__('feedparser').__version__, best, fp_items),
    ]
    print('corpus: %d files, %.2f MB (wellformed/ and illformed/)' % (len(files), mb))
    print('%-30s %10s %10s %12s %10s' % ('parser', 's/pass', 'MB/s', 'items/s', 'items'))
    for name, seconds, items in rows:
        print('%-30s %10.4f %10.1f %12s %10s' % (
            name, seconds, mb / seconds,
            '%.0f' % (items / seconds) if items is not None else '-',
            items if items is not None else '-'))
    print('speed vs feedparser:     %.1fx (bar 50x)' % (best / ours['seconds']))
    print('share of libxml2 floor:  %.0f%% (bar 50%%)' % (100 * ours['floor_seconds'] / ours['seconds']))
    return 0


if __name__ == '__main__':
    sys.exit(main())
