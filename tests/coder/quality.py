#!/usr/bin/env python3
"""Quality measures of the default dictionaries, held to the bounds in quality-floors.tsv.

usage: quality.py GEOTRACKD SHARED_DIR WHAT
WHAT is one of
  headlines  share of ../shared/gold/headlines-plover.tsv coded at all, and coded with an
             event that maps to the labelled PLOVER event (scripts/dict-measure headlines)
  actors     share of ../shared/gold/actor-phrases.tsv resolved to the expected country,
             role, and both (scripts/dict-measure actors)
  feeds      events per 100 sentences on the non-political items of ../shared/feeds
             (scripts/dict-measure feeds)
  news-dev   precision, recall and F1 at the three levels of scripts/eval on
             tests/coder/news-dev.tsv (does not need ../shared)
  phrasing   the same on tests/coder/phrasing.tsv, headline phrasings of every CAMEO root
             and look-alikes that code nothing (does not need ../shared)
  news-dev2  the same on tests/coder/news-dev2.tsv, a second development set
  news-dev3  the same on tests/coder/news-dev3.tsv, a third
  news-test  the same on tests/coder/news-test.tsv, the held-out set nobody tunes on: its
             floors only keep a change from making the coder worse on unseen news
  news-test2 the same on tests/coder/news-test2.tsv, a second held-out set
Each bound of quality-floors.tsv whose name starts with WHAT is one TAP test. Floors only
ever go up (ceilings only down): raise them when the coder gets better, never lower them
to make a test pass. Exit 77 (skip) when ../shared is needed and absent.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def bounds(what):
    out = []
    with open(os.path.join(HERE, "quality-floors.tsv"), encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            name, op, value = line.split("\t")[:3]
            if name.split(".")[0] == what:
                out.append((name, op, float(value)))
    return out


def lookup(figures, name):
    node = figures
    for part in name.split(".")[1:]:
        node = node[part]
    return node


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    geotrackd, shared, what = argv[1], argv[2], argv[3]
    written = what in ("news-dev", "news-dev2", "news-dev3", "phrasing", "news-test",
                       "news-test2")
    if written:
        cmd = [sys.executable, os.path.join(ROOT, "scripts", "eval"), "--json",
               "--geotrackd", geotrackd, os.path.join(HERE, what + ".tsv")]
    else:
        if not os.path.isdir(os.path.join(shared, "gold")):
            print("1..0 # SKIP %s is not there" % shared)
            return 77
        cmd = [sys.executable, os.path.join(ROOT, "scripts", "dict-measure"), "--json",
               "--geotrackd", geotrackd, "--shared", shared, what]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if run.returncode != 0:
        print("not ok 1 - %s ran\n#   %s" % (" ".join(cmd[1:3]),
                                           run.stderr.strip().replace("\n", "\n#   ")))
        print("1..1")
        return 1
    figures = json.loads(run.stdout)
    if not written:
        figures = figures[what]
    checks = bounds(what)
    failed = 0
    for i, (name, op, limit) in enumerate(checks, 1):
        value = lookup(figures, name)
        ok = value >= limit if op == ">=" else value <= limit
        failed += not ok
        print("%s %d - %s = %.4f (%s %.4f)" % ("ok" if ok else "not ok", i, name, value, op,
                                              limit))
    print("1..%d" % len(checks))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
