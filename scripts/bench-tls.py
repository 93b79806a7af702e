#!/usr/bin/env python3
"""scripts/bench tls: the cost of new https connections, geotrackd against curl.

A feed daemon opens a new TLS connection on most polls of an https feed (servers close
idle connections long before the next poll), so what a connection costs on the loop
decides how many https feeds one core can poll. This serves N URLs from
`openssl s_server -www` on 127.0.0.1 (one new connection per request: it closes after
each answer) with a certificate from a test authority, and verifies against Debian's
whole bundle with that authority appended, as a real deployment verifies against the
bundle. In one run: `curl --parallel` on the URLs, then `geotrackd --once` on them as
feeds (s_server answers with an HTML status page, so every feed ends in "an HTML page
was served instead of a feed": the TLS work is what is measured). Wall and CPU time of
each process; the fastest of --repeat runs.
"""
import argparse
import os
import resource
import shutil
import socket
import subprocess
import tempfile
import time

SYSTEM_BUNDLE = '/etc/ssl/certs/ca-certificates.crt'
DICTIONARIES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'config',
                            'dictionaries')


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def make_certificates(d):
    ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
    run = lambda args: subprocess.run(['openssl'] + args, check=True, capture_output=True)
    run(['req', '-x509'] + ec + ['-keyout', d + '/ca.key', '-out', d + '/ca.pem', '-days', '2',
                                 '-subj', '/CN=geotrack bench CA'])
    run(['req', '-new'] + ec + ['-keyout', d + '/leaf.key', '-out', d + '/leaf.csr',
                                '-subj', '/CN=127.0.0.1'])
    with open(d + '/leaf.ext', 'w') as f:
        f.write('subjectAltName=IP:127.0.0.1\n')
    run(['x509', '-req', '-in', d + '/leaf.csr', '-CA', d + '/ca.pem', '-CAkey', d + '/ca.key',
         '-CAcreateserial', '-days', '2', '-extfile', d + '/leaf.ext', '-out', d + '/leaf.pem'])
    bundle = d + '/bundle.pem'
    with open(bundle, 'wb') as out:
        for path in (SYSTEM_BUNDLE, d + '/ca.pem'):
            with open(path, 'rb') as f:
                out.write(f.read())
    return bundle


def timed(args, cwd):
    """Runs a command to the end; returns (wall s, CPU s, exit status, stderr)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    proc = subprocess.run(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.returncode, proc.stderr


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('geotrackd')
    parser.add_argument('--urls', type=int, default=300)
    parser.add_argument('--repeat', type=int, default=3)
    args = parser.parse_args()
    if not os.path.exists(SYSTEM_BUNDLE) or not shutil.which('openssl'):
        raise SystemExit('bench tls: needs %s and openssl (scripts/bootstrap installs both)'
                         % SYSTEM_BUNDLE)
    geotrackd = os.path.abspath(args.geotrackd)
    work = tempfile.mkdtemp(prefix='geotrack-bench-tls-')
    server = None
    try:
        bundle = make_certificates(work)
        port = free_port()
        server = subprocess.Popen(['openssl', 's_server', '-accept', str(port), '-cert',
                                   work + '/leaf.pem', '-key', work + '/leaf.key', '-www',
                                   '-quiet'], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        urls = ['https://127.0.0.1:%d/?feed=%d' % (port, i) for i in range(args.urls)]
        with open(work + '/curl.cfg', 'w') as f:
            f.writelines('url = "%s"\noutput = "/dev/null"\n' % u for u in urls)
        with open(work + '/feeds.list', 'w') as f:
            f.writelines(u + '\n' for u in urls)
        with open(work + '/geotrackd.conf', 'w') as f:
            f.write('[daemon]\ndatabase = geotrack.db\nfeeds = feeds.list\n'
                    '[fetch]\nconcurrency = 50\nper_host = 50\nhost_spacing = 0\n'
                    'ca_file = %s\n[coder]\ndictionaries = %s\n' % (bundle, DICTIONARIES))
        print('# %d URLs on 127.0.0.1 (openssl s_server -www: a new TLS connection each), '
              'verified against %s plus a test authority; load average %s'
              % (args.urls, SYSTEM_BUNDLE, ' '.join('%.2f' % x for x in os.getloadavg())))
        curl_runs, geo_runs = [], []
        for _ in range(args.repeat):
            curl_runs.append(timed(['curl', '-s', '--parallel', '--parallel-max', '50',
                                    '--cacert', bundle, '-K', 'curl.cfg'], work))
            for name in os.listdir(work):
                if name.startswith('geotrack.db'):
                    os.unlink(os.path.join(work, name))
            geo_runs.append(timed([geotrackd, '--once', '-c', 'geotrackd.conf'], work))
        curl = min(curl_runs)
        geo = min(geo_runs)
        verified = 'an HTML page was served instead of a feed' in geo[3]
        print('$ curl -s --parallel --parallel-max 50 --cacert BUNDLE -K LIST')
        print('curl --parallel: %.2f s wall, %.2f s CPU (exit %d)' % (curl[0], curl[1], curl[2]))
        print('$ geotrackd --once (concurrency 50, ca_file = BUNDLE)')
        print('geotrackd --once: %.2f s wall, %.2f s CPU (TLS verified, page refused as not a '
              'feed: %s)' % (geo[0], geo[1], 'yes' if verified else 'NO'))
        if not verified:
            print('geotrackd did not get as far as the page (exit %d): %s'
                  % (geo[2], geo[3].strip().splitlines()[:1]))
        print('%d new TLS connections: geotrackd %.1f ms of CPU each, curl %.1f ms; curl uses '
              '%.1fx the CPU' % (args.urls, 1000 * geo[1] / args.urls, 1000 * curl[1] / args.urls,
                                 curl[1] / geo[1] if geo[1] else 0))
    finally:
        if server:
            server.terminate()
            server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
