"""What the coder scripts share: finding the geotrackd binary, running `geotrackd code`
and reading its TSV output, and parsing event lists ("SOURCE:CODE:TARGET;...").

Imported by scripts/eval, scripts/dict-measure and scripts/dict-coverage (their directory
is on sys.path) and by the scripts of tests/coder (which put scripts/ on sys.path).
Errors are fatal: fail() prints "PROGRAM: message" on stderr and exits.
"""
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROG = os.path.basename(sys.argv[0])

# Generic prefixes of actor codes, before a known group or country (GDELT splits them the
# same way): IGOUNO -> UNO, IGOEUREEC -> EUR, MNCUSA -> USA, NGOAMN -> AMN.
GENERIC = {"IGO", "NGO", "MNC", "IMG", "INT", "NGM", "UIS"}


def fail(msg, status=2):
    print("%s: %s" % (PROG, msg), file=sys.stderr)
    sys.exit(status)


def find_binary(explicit):
    """The binary given, else build/daemon/geotrackd, else geotrackd on PATH."""
    if explicit:
        return explicit
    local = os.path.join(ROOT, "build", "daemon", "geotrackd")
    if os.access(local, os.X_OK):
        return local
    found = shutil.which("geotrackd")
    if not found:
        fail("no geotrackd binary: build it (ninja -C build) or pass --geotrackd")
    return found


def parse_events(field, where):
    """'A:130/138:B;C:154:D' -> [(A, (130, 138), B), ...]; `where` names the field in
    the error message."""
    out = []
    for part in field.split(";"):
        part = part.strip()
        if not part:
            continue
        bits = part.split(":")
        if len(bits) != 3 or not bits[1]:
            fail("%s: event %r is not SOURCE:CODE:TARGET" % (where, part))
        codes = tuple(c.strip() for c in bits[1].split("/") if c.strip())
        out.append((bits[0].strip().upper(), codes, bits[2].strip().upper()))
    return out


def code(binary, docs, extra):
    """Runs `geotrackd code` once over docs, [(id, date or None, text)], with the extra
    arguments; returns {id: [row dict keyed by the output's header]}."""
    lines = []
    for doc_id, date, text in docs:
        text = text.replace("\t", " ").replace("\n", " ").replace("\r", " ")
        lines.append("\t".join([doc_id, date, text] if date else [doc_id, text]))
    proc = subprocess.run([binary, "code"] + extra, input="\n".join(lines) + "\n",
                          capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        fail("geotrackd code exited with %d" % proc.returncode, proc.returncode or 1)
    rows = proc.stdout.split("\n")
    header = rows[0].split("\t")
    if not {"id", "source", "event_code", "target"} <= set(header):
        fail("unexpected output header from geotrackd code: %r" % rows[:1])
    out = {}
    for row in rows[1:]:
        if row:
            fields = row.split("\t")
            out.setdefault(fields[0], []).append(dict(zip(header, fields)))
    return out
