#!/usr/bin/env python3
"""Development report on ../shared/gold/headlines-plover.tsv: how often the coder finds an
event whose CAMEO code maps (../shared/reference/cameo/cameo_to_plover.tsv) to the
headline's PLOVER event, and how often that event's source is the headline's first
country. A measuring tool for developing general mechanisms, not a test: the held-out
sets we are judged on are not these.

usage: headlines.py GEOTRACKD SHARED_DIR [geotrackd code options...]  (e.g. --dictionaries DIR)
"""
import collections
import os
import sys
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "scripts"))
from coderlib import code  # noqa: E402


def main():
    geotrackd, shared = sys.argv[1], Path(sys.argv[2])
    extra = sys.argv[3:]
    gold = shared / "gold" / "headlines-plover.tsv"
    mapping = shared / "reference" / "cameo" / "cameo_to_plover.tsv"
    countries = shared / "reference" / "cameo" / "countries.tsv"
    if not gold.exists():
        print("headlines.py: %s not found" % gold)
        return 77
    plover = {}
    for row in mapping.read_text(encoding="utf-8").splitlines()[1:]:
        f = row.split("\t")
        plover[f[0]] = f[1]
    name_to_code = {}
    for row in countries.read_text(encoding="utf-8").splitlines()[1:]:
        f = row.split("\t")
        if len(f) >= 2:
            name_to_code[f[1].strip().lower()] = f[0].strip()
    rows = [r.split("\t") for r in gold.read_text(encoding="utf-8").splitlines()[1:]]
    events = code(geotrackd, [(str(i), None, r[0]) for i, r in enumerate(rows)],
                  ["--date", "2023-06-01"] + extra)
    by_event = collections.Counter()
    hit_event = collections.Counter()
    coded = event_ok = source_ok = 0
    for i, r in enumerate(rows):
        want = r[2]
        by_event[want] += 1
        got = events.get(str(i), [])
        coded += bool(got)
        good = [e for e in got if plover.get(e["event_code"]) == want]
        if good:
            event_ok += 1
            hit_event[want] += 1
            c1 = name_to_code.get(r[4].strip().lower(), "")
            if c1 and any(e["source"][:3] == c1 for e in good):
                source_ok += 1
    n = len(rows)
    print("headlines: %d; coded something: %d (%.1f%%); right PLOVER event: %d (%.1f%%); "
          "and source = country_1: %d (%.1f%%)" % (n, coded, 100 * coded / n, event_ok,
          100 * event_ok / n, source_ok, 100 * source_ok / n))
    for ev, count in by_event.most_common():
        print("  %-10s %4d / %4d" % (ev, hit_event[ev], count))
    return 0


if __name__ == "__main__":
    sys.exit(main())
