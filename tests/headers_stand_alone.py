#!/usr/bin/env python3
"""Each daemon header compiles on its own (dav1d's rule): a header that leans on what its
includer happened to include first breaks the next person who includes it elsewhere.

Usage: headers_stand_alone.py DAEMON_DIR -- CC [ARGS...]
"""
import glob
import os
import subprocess
import sys


def main(argv):
    split = argv.index('--')
    daemon_dir = argv[1]
    cc = argv[split + 1:]
    includes = subprocess.run(['pkg-config', '--cflags', 'libuv', 'libcurl', 'libxml-2.0',
                               'sqlite3'], capture_output=True, text=True).stdout.split()
    headers = sorted(glob.glob(os.path.join(daemon_dir, '*.h')))
    count = failed = 0
    for header in headers:
        count += 1
        source = '#include "%s"\n#include "%s"\n' % (os.path.basename(header),
                                                    os.path.basename(header))
        run = subprocess.run(cc + ['-std=gnu11', '-D_GNU_SOURCE', '-Wall', '-Werror',
                                   '-fsyntax-only', '-I', daemon_dir] + includes +
                             ['-x', 'c', '-'], input=source, capture_output=True, text=True)
        name = os.path.basename(header)
        if run.returncode == 0:
            print('ok %d - %s compiles alone and twice (include guard)' % (count, name))
        else:
            failed += 1
            print('not ok %d - %s compiles alone and twice (include guard)' % (count, name))
            for line in run.stderr.splitlines()[:10]:
                print('#   ' + line)
    print('1..%d' % count)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
