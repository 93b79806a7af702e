#!/usr/bin/env python3
"""Counts results across meson testlog.json files and prints the line CI reads.

A skipped test (exit 77, e.g. ../shared absent) is neither passed nor failed and is
counted on its own line; the last line is always "N passed, N failed".
"""
import json
import sys

passed = failed = skipped = 0
missing = 0
for path in sys.argv[1:]:
    try:
        with open(path) as f:
            lines = f.readlines()
    except OSError:
        missing += 1
        continue
    for line in lines:
        if not line.strip():
            continue
        result = json.loads(line).get('result')
        if result in ('OK', 'EXPECTEDFAIL'):
            passed += 1
        elif result == 'SKIP':
            skipped += 1
        else:
            failed += 1
if missing:
    failed += missing
    print(f'{missing} test log(s) missing: a build did not complete')
print(f'{skipped} skipped')
print(f'{passed} passed, {failed} failed')
sys.exit(1 if failed else 0)
