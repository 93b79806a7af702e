#!/usr/bin/env python3
"""scripts/bench fetch: one full poll cycle over N feeds served from 127.0.0.1.

usage: bench-fetch.py GEOTRACKD BENCH_FEEDSERVER [--feeds N ...] [--no-newsboat]
       [--newsboat-max N] [--idle-seconds S] [--repeat N]

curl and the warm geotrackd cycle run --repeat times (default 3) and the fastest run is
reported, as the machine is shared; a cold cycle needs a fresh database, so it runs once.

For each N (default 1,000 and 10,000): N feeds of about 50 KB (50 distinct bodies of
news-like items, cycled) served by tests/bench/feedserver.c without validators, so every
poll is a full 200; then, in the same run:
  - curl --parallel (50 at once) fetching the same URLs to /dev/null: the transport floor;
  - geotrackd --once on a fresh database ("cold": every item is new, so parsed, coded and
    stored), concurrency and per_host 50 like curl, no host spacing (every feed is on
    127.0.0.1, and spacing is a politeness delay, not work): wall time, feeds/s, peak RSS,
    CPU, and the daemon's own split of the cycle; then a second --once ("warm": the same
    bodies again, which the body hash skips);
  - newsboat -x reload on the same URL list (defaults, as a user would run it), cold and
    warm, up to --newsboat-max feeds (default 1,000: at 10,000 it takes minutes).
Then, at the largest N, the running daemon (interval 15m) after its first cycle: the CPU
it uses while idle between polls, over --idle-seconds (default 60).
"""
import argparse
import html
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BODIES = 50
CONCURRENCY = 50
FRESH_ITEMS = 2
CYCLE_NAMES = {1: 'cold', 2: 'warm', 3: 'steady'}


def sentences():
    """News-like sentences for item text: the seed article and the sample feeds."""
    found = []
    seed = os.path.join(ROOT, '..', 'shared', 'seed', 'article.txt')
    if os.path.exists(seed):
        found += [l.strip() for l in open(seed, encoding='utf-8') if len(l.strip()) > 20]
    for name in sorted(os.listdir(os.path.join(ROOT, 'config', 'samples'))):
        text = open(os.path.join(ROOT, 'config', 'samples', name), encoding='utf-8').read()
        for chunk in re.findall(r'<(?:description|summary|content)[^>]*>(.*?)</', text, re.S):
            chunk = html.unescape(re.sub(r'<[^>]+>|<!\[CDATA\[|\]\]>', ' ', chunk))
            found += [s.strip() + '.' for s in chunk.split('. ') if len(s.strip()) > 20]
    return found or ['Russia deployed troops to Venezuela on Saturday.']


def rss_item(title, link, guid, date, text):
    # A relative link: each feed's URL has a directory of its own, so every feed carries
    # its own articles although the feeds share BODIES documents.
    return ('<item><title>%s</title><link>a/%s</link>'
            '<guid isPermaLink="false">bench-%s</guid>'
            '<pubDate>%s GMT</pubDate>'
            '<description>%s</description></item>\n'
            % (html.escape(title), link, guid, date, html.escape(text)))


def write_bodies(directory, fresh=0):
    """BODIES distinct RSS documents of about 50 KB each; with `fresh`, each body starts
    with that many newer items the earlier bodies did not have (what a news feed looks
    like one poll interval later)."""
    pool = sentences()
    for b in range(BODIES):
        items = []
        size = 0
        for k in range(fresh):
            start = (b * 11 + k * 5 + 1) % len(pool)
            text = ' '.join(pool[(start + j) % len(pool)] for j in range(3))
            title = pool[(start + 2) % len(pool)][:120]
            items.append(rss_item(title, '%d/new%d' % (b, k), '%d-new%d' % (b, k),
                                  'Sun, 24 Mar 2019 %02d:%02d:00' % (k % 24, b % 60), text))
        i = 0
        while size < 48000:
            start = (b * 7 + i * 3) % len(pool)
            text = ' '.join(pool[(start + k) % len(pool)] for k in range(8))
            title = pool[(start + 5) % len(pool)][:120]
            item = rss_item(title, '%d/%d' % (b, i), '%d-%d' % (b, i),
                            'Sat, 23 Mar 2019 %02d:%02d:00' % (i % 24, b % 60), text)
            items.append(item)
            size += len(item)
            i += 1
        doc = ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
               '<title>Bench feed %d</title><link>http://127.0.0.1/</link>'
               '<description>benchmark</description>\n%s</channel></rss>\n'
               % (b, ''.join(items)))
        with open(os.path.join(directory, 'body%02d.xml' % b), 'w', encoding='utf-8') as f:
            f.write(doc)


def usage_of(cmd, env=None, cwd=None):
    """Wall time, CPU and peak RSS of cmd, from RUSAGE_CHILDREN in a fresh python child
    (peak RSS is a max over all children so far, so each measured program needs its own)."""
    code = ('import resource,subprocess,sys,time,json\n'
            's=time.monotonic()\n'
            'p=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.PIPE,text=True)\n'
            'w=time.monotonic()-s\n'
            'r=resource.getrusage(resource.RUSAGE_CHILDREN)\n'
            'print(json.dumps({"wall":w,"cpu":r.ru_utime+r.ru_stime,"rss_mb":r.ru_maxrss/1024,'
            '"status":p.returncode,"stderr":p.stderr[-20000:]}))\n')
    out = subprocess.run([sys.executable, '-c', code] + cmd, capture_output=True, text=True,
                         env=env, cwd=cwd, check=True).stdout
    return json.loads(out)


def start_server(binary, bodies, port=None):
    cmd = [binary, bodies] + ([str(port)] if port else [])
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line.startswith('PORT '):
        raise SystemExit('bench-feedserver did not start: %r' % line)
    return proc, int(line.split()[1])


def write_config(directory, urls, interval='15m'):
    with open(os.path.join(directory, 'feeds.list'), 'w') as f:
        f.writelines(u + '\n' for u in urls)
    conf = os.path.join(directory, 'geotrackd.conf')
    with open(conf, 'w') as f:
        f.write('[daemon]\ndatabase = geotrack.db\nfeeds = feeds.list\nlog_level = notice\n'
                '[fetch]\ninterval = %s\nconcurrency = %d\nper_host = %d\nhost_spacing = 0\n'
                '[coder]\ndictionaries = %s\n'
                % (interval, CONCURRENCY, CONCURRENCY, os.path.join(ROOT, 'config', 'dictionaries')))
    return conf


def best(runs):
    """The run with the least wall time: on a shared machine the others waited for a CPU."""
    return min(runs, key=lambda r: r['wall'])


def bench_curl(urls, work, repeat):
    cfg = os.path.join(work, 'curl.cfg')
    with open(cfg, 'w') as f:
        for u in urls:
            f.write('url = "%s"\noutput = "/dev/null"\n' % u)
    return best([usage_of(['curl', '--parallel', '--parallel-max', str(CONCURRENCY), '-s',
                          '-K', cfg]) for _ in range(repeat)])


def bench_geotrackd(binary, urls, work, cycle):
    d = os.path.join(work, 'geotrackd-%d' % len(urls))
    if cycle == 1:
        os.mkdir(d)
    conf = write_config(d, urls)
    result = usage_of([binary, '--once', '-c', conf], cwd=d)
    m = re.search(r'cycle: (\d+) feeds in ([\d.]+) s \((\d+) feeds/s\), (\d+) not fetched: '
                  r'fetch ([\d.]+) s, parse ([\d.]+) s, code ([\d.]+) s, store ([\d.]+) s'
                  r'(?:; of the fetch time, waiting for the pool ([\d.]+) s)?',
                  result['stderr'])
    if not m:
        raise SystemExit('geotrackd printed no cycle line:\n' + result['stderr'][-3000:])
    result['split'] = {k: float(v or 0) for k, v in zip(
        ('fetch', 'parse', 'code', 'store', 'pool_wait'), m.groups()[4:])}
    result['not_fetched'] = int(m.group(4))
    db = sqlite3.connect(os.path.join(d, 'geotrack.db'))
    result['articles'] = db.execute('SELECT count(*) FROM articles').fetchone()[0]
    result['events'] = db.execute('SELECT count(*) FROM events').fetchone()[0]
    db.close()
    return result


def ensure_newsboat():
    if shutil.which('newsboat'):
        return True
    print('# installing newsboat (Debian package) for the comparison', file=sys.stderr)
    install = ['apt-get', 'install', '-y', '-qq', 'newsboat']
    if subprocess.run(install, stdout=subprocess.DEVNULL).returncode != 0:
        subprocess.run(['apt-get', 'update', '-qq'], stdout=subprocess.DEVNULL)
        subprocess.run(install, stdout=subprocess.DEVNULL)
    if not shutil.which('newsboat'):
        print('# newsboat unavailable: comparison skipped', file=sys.stderr)
    return shutil.which('newsboat') is not None


def bench_newsboat(urls, work, cycle):
    d = os.path.join(work, 'newsboat-%d' % len(urls))
    if cycle == 1:
        os.mkdir(d)
    with open(os.path.join(d, 'urls'), 'w') as f:
        f.writelines(u + '\n' for u in urls)
    open(os.path.join(d, 'config'), 'w').close()
    env = dict(os.environ, HOME=d, XDG_CONFIG_HOME=d, XDG_DATA_HOME=d)
    return usage_of(['newsboat', '-x', 'reload', '-u', os.path.join(d, 'urls'),
                     '-c', os.path.join(d, 'cache.db'), '-C', os.path.join(d, 'config')],
                    env=env, cwd=d)


def cpu_ticks(pid):
    fields = open('/proc/%d/stat' % pid).read().rsplit(')', 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def bench_idle(binary, urls, work, seconds):
    d = os.path.join(work, 'idle-%d' % len(urls))
    os.mkdir(d)
    conf = write_config(d, urls, interval='15m')
    proc = subprocess.Popen([binary, '-c', conf], cwd=d, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    db_path = os.path.join(d, 'geotrack.db')
    deadline = time.monotonic() + 600
    done = 0
    try:
        while time.monotonic() < deadline:
            time.sleep(2)
            try:
                db = sqlite3.connect(db_path, timeout=5)
                done = db.execute('SELECT count(*) FROM feeds WHERE last_fetch_at IS NOT NULL'
                                  ).fetchone()[0]
                db.close()
            except sqlite3.Error:
                continue
            if done >= len(urls):
                break
        time.sleep(3)
        hz = os.sysconf('SC_CLK_TCK')
        before = cpu_ticks(proc.pid)
        time.sleep(seconds)
        used = (cpu_ticks(proc.pid) - before) / hz
        rss = int(re.search(r'VmRSS:\s+(\d+)', open('/proc/%d/status' % proc.pid).read()).group(1))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    return {'fetched': done, 'cpu_percent': 100.0 * used / seconds, 'rss_mb': rss / 1024}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('geotrackd')
    parser.add_argument('feedserver')
    parser.add_argument('--feeds', type=int, nargs='+', default=[1000, 10000])
    parser.add_argument('--no-newsboat', action='store_true')
    parser.add_argument('--newsboat-max', type=int, default=1000)
    parser.add_argument('--idle-seconds', type=int, default=60)
    parser.add_argument('--repeat', type=int, default=3,
                        help='runs of curl and of the warm cycle; the fastest is reported')
    args = parser.parse_args()
    args.geotrackd = os.path.abspath(args.geotrackd)
    args.feedserver = os.path.abspath(args.feedserver)

    work = tempfile.mkdtemp(prefix='geotrack-bench-fetch-')
    bodies = os.path.join(work, 'bodies')
    os.mkdir(bodies)
    write_bodies(bodies)
    sizes = [os.path.getsize(os.path.join(bodies, n)) for n in os.listdir(bodies)]
    server, port = start_server(args.feedserver, bodies)
    newsboat = not args.no_newsboat and ensure_newsboat()
    rows = []
    try:
        print('# %d distinct bodies, %.1f KB on average; server pid %d on port %d; '
              'load average %s (the machine is shared: wall times stretch with it)'
              % (len(sizes), sum(sizes) / len(sizes) / 1024, server.pid, port,
                 ' '.join(open('/proc/loadavg').read().split()[:3])))
        for n in args.feeds:
            if rows:
                # The previous size ended on the steady bodies: start again from the old.
                server.terminate()
                server.wait()
                write_bodies(bodies)
                server, port = start_server(args.feedserver, bodies, port)
            urls = ['http://127.0.0.1:%d/n/%d/feed.xml' % (port, i) for i in range(n)]
            print('## %d feeds' % n)
            curl = bench_curl(urls, work, args.repeat)
            print('curl --parallel: %.2f s wall, %.2f s CPU, %.0f MB' %
                  (curl['wall'], curl['cpu'], curl['rss_mb']))
            for cycle in (1, 2, 3):
                if cycle == 3:
                    # Steady state: every feed now carries FRESH_ITEMS new items, as a news
                    # feed does one interval later; the body is parsed again, only the new
                    # items are coded and stored. Same port, so the same feeds.
                    server.terminate()
                    server.wait()
                    write_bodies(bodies, fresh=FRESH_ITEMS)
                    server, port = start_server(args.feedserver, bodies, port)
                # Cold and steady cycles change the database, so they run once; the warm
                # cycle (nothing new) can be repeated.
                geo = best([bench_geotrackd(args.geotrackd, urls, work, cycle)
                            for _ in range(args.repeat if cycle == 2 else 1)])
                s = geo['split']
                print('geotrackd --once, cycle %d: %.2f s wall (%.0f feeds/s), %.2f s CPU, '
                      '%.0f MB peak RSS; fetch %.2f, parse %.2f, code %.2f, store %.2f s; '
                      '%d not fetched; %d articles, %d events' %
                      (cycle, geo['wall'], n / geo['wall'], geo['cpu'], geo['rss_mb'], s['fetch'],
                       s['parse'], s['code'], s['store'], geo['not_fetched'], geo['articles'],
                       geo['events']))
                nb = None
                if newsboat and n <= args.newsboat_max:
                    nb = bench_newsboat(urls, work, cycle)
                    print('newsboat -x reload, cycle %d: %.2f s wall, %.2f s CPU, %.0f MB peak '
                          'RSS (exit %d)' % (cycle, nb['wall'], nb['cpu'], nb['rss_mb'], nb['status']))
                rows.append((n, cycle, curl, geo, nb))
                sys.stdout.flush()
        idle = bench_idle(args.geotrackd, urls, work, args.idle_seconds) if args.idle_seconds else None
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)

    print()
    print('| feeds | cycle | tool | wall s | feeds/s | CPU s | peak RSS MB | '
          'fetch (of it, waiting for the pool) / parse / code / store s |')
    print('|---:|---|---|---:|---:|---:|---:|---|')
    for n, cycle, curl, geo, nb in rows:
        s = geo['split']
        name = CYCLE_NAMES[cycle]
        if cycle == 1:
            print('| %d | - | curl --parallel | %.2f | %.0f | %.2f | %.0f | - |'
                  % (n, curl['wall'], n / curl['wall'], curl['cpu'], curl['rss_mb']))
        print('| %d | %s | geotrackd --once | %.2f | %.0f | %.2f | %.0f | %.2f (%.2f) / %.2f / %.2f / %.2f |'
              % (n, name, geo['wall'], n / geo['wall'], geo['cpu'], geo['rss_mb'], s['fetch'],
                 s['pool_wait'], s['parse'], s['code'], s['store']))
        if nb:
            print('| %d | %s | newsboat -x reload | %.2f | %.0f | %.2f | %.0f | - |'
                  % (n, name, nb['wall'], n / nb['wall'], nb['cpu'], nb['rss_mb']))
    print()
    for n, cycle, curl, geo, nb in rows:
        name = CYCLE_NAMES[cycle]
        if nb:
            print('%d feeds, %s: geotrackd cycle is %.1fx faster than newsboat (bar: 20x)'
                  % (n, name, nb['wall'] / geo['wall']))
        print('%d feeds, %s: geotrackd fetch share %.2f s = %.2fx curl --parallel (bar: within 2x); '
              'of it, %.2f s waiting for the pool with nothing in flight'
              % (n, name, geo['split']['fetch'], geo['split']['fetch'] / curl['wall'],
                 geo['split']['pool_wait']))
        print('%d feeds, %s: geotrackd peak RSS %.0f MB (bar at 10,000: 150 MB)'
              % (n, name, geo['rss_mb']))
    if idle:
        print('idle daemon with %d feeds after its first cycle (%d fetched): %.2f%% of a core '
              'over %d s, %.0f MB RSS (bar: < 1%%)'
              % (len(urls), idle['fetched'], idle['cpu_percent'], args.idle_seconds, idle['rss_mb']))


if __name__ == '__main__':
    main()
