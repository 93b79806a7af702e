#!/usr/bin/env python3
"""meson install --destdir: what a packager or an admin gets, and whether systemd trusts it.

Checks the installed tree (binary, unit, config in /etc/geotrack, dictionaries, schema,
samples and man pages under the prefix), that the installed config validates, and runs
both systemd-analyze checks on the installed unit: `verify` clean, and `security
--offline=true` scoring 2.0 or lower ("OK" or better).
"""
import glob
import os
import re
import shutil
import subprocess
import sys

from harness import Tap, cleanup, temp_dir


def main(build_dir):
    t = Tap()
    dest = temp_dir('install')
    try:
        intro = subprocess.run(['meson', 'introspect', '--buildoptions', build_dir],
                               capture_output=True, text=True, check=True).stdout
        import json
        options = {o['name']: o['value'] for o in json.loads(intro)}
        prefix = options['prefix']
        run = subprocess.run(['meson', 'install', '-C', build_dir, '--no-rebuild', '--quiet',
                              '--destdir', dest], capture_output=True, text=True)
        t.eq(run.returncode, 0, 'meson install --destdir succeeds')
        if run.returncode:
            print('# ' + run.stderr.replace('\n', '\n# '))
        root = dest + prefix
        binary = os.path.join(root, options['sbindir'], 'geotrackd')
        unit = os.path.join(root, 'lib/systemd/system/geotrackd.service')
        expect = {
            'the daemon binary': binary,
            'the systemd unit': unit,
            'the config in /etc/geotrack': dest + '/etc/geotrack/geotrackd.conf',
            'the feed list in /etc/geotrack': dest + '/etc/geotrack/feeds.list',
            'the schema under share/geotrack': root + '/share/geotrack/schema/0001-initial.sql',
            'geotrackd(8)': root + '/share/man/man8/geotrackd.8',
            'geotrackd.conf(5)': root + '/share/man/man5/geotrackd.conf.5',
        }
        for what, path in expect.items():
            t.ok(os.path.exists(path), 'installs %s (%s)' % (what, path[len(dest):]))
        t.ok(os.access(binary, os.X_OK), 'the binary is executable')
        dicts = glob.glob(root + '/share/geotrack/dictionaries/*.*')
        kinds = {os.path.splitext(p)[1] for p in dicts}
        t.ok({'.actors', '.agents', '.verbs'} <= kinds,
             'the default dictionaries are installed (actors, agents, verbs)', sorted(kinds))

        with open(dest + '/etc/geotrack/geotrackd.conf') as f:
            conf = f.read()
        t.ok('database = /var/lib/geotrack/geotrack.db' in conf,
             'the installed config keeps the database in the StateDirectory')
        t.ok('dictionaries = %s/share/geotrack/dictionaries' % prefix in conf,
             'and names the installed dictionaries')
        check = subprocess.run([binary, '--check-config', '-c',
                                dest + '/etc/geotrack/geotrackd.conf'],
                               capture_output=True, text=True)
        t.eq(check.returncode, 0, 'the installed config and feed list validate')

        with open(unit) as f:
            text = f.read()
        t.ok('ExecStart=%s/geotrackd -c /etc/geotrack/geotrackd.conf'
             % os.path.join(prefix, options['sbindir']) in text,
             'the unit runs the installed binary')
        for line in ('Type=notify', 'DynamicUser=yes', 'StateDirectory=geotrack',
                     'ConfigurationDirectory=geotrack', 'WatchdogSec=',
                     'ExecReload=/bin/kill -HUP $MAINPID', 'Restart=on-failure'):
            t.ok(line in text, 'the unit says %s' % line)

        if not t.ok(shutil.which('systemd-analyze') is not None,
                    'systemd-analyze is installed (scripts/bootstrap installs systemd)'):
            return t.done()
        sec = subprocess.run(['systemd-analyze', 'security', '--offline=true', unit],
                             capture_output=True, text=True)
        m = re.search(r'Overall exposure level for \S+: ([0-9.]+)', sec.stdout)
        score = float(m.group(1)) if m else None
        t.ok(score is not None and score <= 2.0,
             'systemd-analyze security scores the unit 2.0 or lower (got %s)' % score,
             sec.stdout[-2000:] + sec.stderr)
        # verify resolves the unit's dependencies and commands inside --root, so give the
        # destdir what any Debian system has: systemd's own targets and slices, and kill.
        host_units = '/lib/systemd/system'
        root_units = os.path.join(dest, 'usr/lib/systemd/system')
        os.makedirs(root_units, exist_ok=True)
        for path in glob.glob(host_units + '/*.target') + glob.glob(host_units + '/*.slice'):
            target = os.path.join(root_units, os.path.basename(path))
            if not os.path.lexists(target):
                if os.path.islink(path):
                    os.symlink(os.readlink(path), target)
                else:
                    shutil.copy(path, target)
        for tool in ('/bin/kill',):
            os.makedirs(os.path.dirname(dest + tool), exist_ok=True)
            if not os.path.exists(dest + tool):
                shutil.copy(os.path.realpath(tool), dest + tool)
        ver = subprocess.run(['systemd-analyze', 'verify', '--man=no', '--root=' + dest,
                              unit[len(dest):]], capture_output=True, text=True)
        problems = [l for l in (ver.stdout + ver.stderr).splitlines() if l.strip()]
        t.ok(ver.returncode == 0 and not problems, 'systemd-analyze verify is clean',
             '\n'.join(problems))
    finally:
        cleanup(dest)
    return t.done()


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
