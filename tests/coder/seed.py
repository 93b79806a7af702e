#!/usr/bin/env python3
"""The seed test: the real `geotrackd code` on ../shared/seed/article.txt (the article is
from March 2019) with the default dictionaries, against expected-events.tsv.

Every `must` event must be coded from its line, and `none` lines must code nothing;
`stretch` events are counted and reported, not required. An event matches a listed one
when source and target share the country part (first three letters) and its code is one
of the listed codes (see ../shared/seed/README.md). TAP output; exit 77 without ../shared.

usage: seed.py GEOTRACKD SHARED_DIR
"""
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "scripts"))
from coderlib import parse_events  # noqa: E402


def main():
    geotrackd, shared = sys.argv[1], Path(sys.argv[2])
    article = shared / "seed" / "article.txt"
    expected = shared / "seed" / "expected-events.tsv"
    if not article.exists() or not expected.exists():
        print("1..0 # SKIP ../shared/seed is not there")
        return 77
    lines = article.read_text(encoding="utf-8").splitlines()
    # The whole article is one document (so "he" and "the country" reach back), one
    # paragraph per line; --explain gives each event's sentence, which names its line.
    run = subprocess.run(
        [geotrackd, "code", "--paragraphs", "--explain", "--date", "2019-03-28"],
        input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=120)
    if run.returncode != 0:
        print("not ok 1 - geotrackd code ran\n#   " + run.stderr.replace("\n", "\n#   "))
        print("1..1")
        return 1
    rows = [r.split("\t") for r in run.stdout.splitlines()[1:] if r]
    coded = {}  # article line -> [(source, code, target)]
    for r in rows:
        source, code, target, sentence = r[2], r[3], r[4], r[-1]
        probe = sentence.strip()[:60]
        line = next((i + 1 for i, text in enumerate(lines) if probe and probe in text), 0)
        coded.setdefault(line, []).append((source, code, target))

    def matches(event, listed):
        src, codes, tgt = listed
        s, c, t = event
        return s[:3] == src[:3] and t[:3] == tgt[:3] and c in codes

    n = 0
    failed = 0
    stretch_total = stretch_met = 0
    for row in expected.read_text(encoding="utf-8").splitlines()[1:]:
        fields = row.split("\t")
        if len(fields) < 3:
            continue
        line, kind, events = int(fields[0]), fields[1], fields[2]
        why = fields[3] if len(fields) > 3 else ""
        got = coded.get(line, [])
        shown = " ".join("%s:%s:%s" % e for e in got) or "nothing"
        if kind == "none":
            n += 1
            good = not got
            failed += not good
            print("%s %d - line %d codes nothing (%s)" % ("ok" if good else "not ok", n, line, why))
            if not good:
                print("#   got: " + shown)
            continue
        for listed in parse_events(events, "%s, line %d" % (expected, line)):
            spec = "%s:%s:%s" % (listed[0], "/".join(listed[1]), listed[2])
            hit = any(matches(e, listed) for e in got)
            if kind == "must":
                n += 1
                failed += not hit
                print("%s %d - line %d codes %s (%s)" % ("ok" if hit else "not ok", n, line, spec, why))
                if not hit:
                    print("#   got: " + shown)
            else:
                stretch_total += 1
                stretch_met += hit
                print("# stretch line %d %s: %s (got %s)" % (line, spec, "reached" if hit else "not yet", shown))
    print("# stretch events reached: %d of %d" % (stretch_met, stretch_total))
    print("1..%d" % n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
