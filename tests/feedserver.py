#!/usr/bin/env python3
"""A small HTTP server on 127.0.0.1 that plays the parts real feed servers play.

Used by the integration tests and by scripts/demo. It prints "PORT <n>" on its first
line of output once it listens (pass --port 0 for any free port), and with --log FILE it
appends one JSON object per request (method, path, headers) so a test can check what the
daemon sent. With --tls CERT KEY it speaks HTTPS with that certificate (PEM files).

Each log entry also has the arrival time, the Host header, and how many requests were in
flight (in all, and for that Host) when it arrived, so a test can check spacing and limits.

Routes:
  /feeds/NAME           a file from --root, with ETag and Last-Modified; answers 304 to a
                        matching If-None-Match / If-Modified-Since; a missing file is a
                        404, or the status ?missing=CODE names
  /nocache/NAME         the same file with no validators (every poll is a full 200 with
                        the same body)
  /negotiate/NAME       the file when the request's Accept names its type
                        (application/rss+xml or application/atom+xml); else the site's
                        HTML page, as a site serving one URL in several forms does
  /stuck/NAME           the file with an ETag and Last-Modified that never change, and a
                        304 to any request that sends either, whatever the file now holds
                        (a server whose validators lie)
  /gzip/NAME            the file gzip-encoded when the client accepts gzip
  /cache/NAME           the file with ?max_age=N (Cache-Control) or ?expires_in=N (Expires
                        N seconds after Date)
  /slow/NAME            the file after ?ms=N milliseconds (default 300)
  /status/CODE          an empty response with that status; ?retry_after=V adds
                        Retry-After: V, ?retry_after_in=N adds it as the HTTP-date N s ahead
  /redirect/CODE/PATH   a redirect with that status to /PATH (nest them for chains)
  /loop                 a 301 to itself
  /location?code=C&to=U a redirect with status C (default 302) to any URL U
  /bomb?mb=N            N MiB of zeros, gzip-encoded (about N KiB on the wire)
  /big?size=N           N bytes of filler; &chunked=1 sends no Content-Length
  /drip?rate=R&size=N   N bytes (default 10000) at R bytes per second (default 1)
  /headers?count=N      a feed preceded by N filler headers of 100 bytes
  /reset                reads the request, then resets the connection
  /challenge            Cloudflare's "Just a moment..." page, 403, cf-mitigated: challenge
  /html                 an HTML page where a feed was expected
  /site                 a site's home page (HTML) whose <link rel="alternate"> names its
                        feed, /feeds/world-rss.xml, by a relative URL; ?feed=0: names none
  /cookie-gate/NAME     the file when the request carries the cookie gate=passed; else a
                        302 to itself that sets it (what some sites' bot checks do)
"""
import argparse
import email.utils
import gzip
import hashlib
import json
import os
import socket
import ssl
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

log_lock = threading.Lock()
flight_lock = threading.Lock()
in_flight = {'': 0}
bomb_cache = {}

CHALLENGE = (b'<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>'
             b'<meta http-equiv="refresh" content="390"></head><body><div class="main-wrapper">'
             b'<h1>Checking if the site connection is secure</h1></div>'
             b'<script src="/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1"></script>'
             b'</body></html>')


def gzip_zeros(mb):
    if mb not in bomb_cache:
        bomb_cache[mb] = gzip.compress(b'\0' * (mb * 1024 * 1024), compresslevel=9)
    return bomb_cache[mb]


class Handler(BaseHTTPRequestHandler):
    server_version = 'geotrack-test/1'
    protocol_version = 'HTTP/1.1'

    def log_message(self, fmt, *args):
        pass

    def finish(self):
        # /reset and clients that give up close the socket under us; that is the point.
        try:
            super().finish()
        except (OSError, ValueError):
            pass

    def record(self, total, for_host):
        if not self.server.log_path:
            return
        entry = {'method': self.command, 'path': self.path, 'time': time.time(),
                 'host': self.headers.get('Host', ''), 'in_flight': total,
                 'in_flight_host': for_host,
                 'headers': {k.lower(): v for k, v in self.headers.items()}}
        with log_lock, open(self.server.log_path, 'a') as f:
            f.write(json.dumps(entry) + '\n')

    def send_body(self, status, body, content_type='application/rss+xml', headers=()):
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(body)))
        if self.command == 'HEAD' or not body:
            self.landed()
        self.end_headers()
        if self.command != 'HEAD' and body:
            self.landed()
            self.wfile.write(body)

    def redirect(self, status, location):
        self.send_response(status)
        self.send_header('Location', location)
        self.send_header('Content-Length', '0')
        self.landed()
        self.end_headers()

    def read_feed(self, name):
        path = os.path.join(self.server.root, os.path.basename(name))
        try:
            with open(path, 'rb') as f:
                return f.read(), os.stat(path).st_mtime
        except OSError:
            return None, None

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        host = self.headers.get('Host', '').rsplit(':', 1)[0]
        with flight_lock:
            in_flight[''] += 1
            in_flight[host] = in_flight.get(host, 0) + 1
            counts = (in_flight[''], in_flight[host])
        self.flight_host = host
        try:
            self.record(*counts)
            self.route()
        finally:
            self.landed()

    def landed(self):
        """Ends this request's flight. Called before the last bytes of a response go out:
        once the client has them it may start its next request at once, and that one must
        not be counted alongside this one."""
        host = getattr(self, 'flight_host', None)
        if host is None:
            return
        self.flight_host = None
        with flight_lock:
            in_flight[''] -= 1
            in_flight[host] -= 1

    def not_modified(self, validators):
        self.send_response(304)
        for name, value in validators:
            self.send_header(name, value)
        self.send_header('Content-Length', '0')
        self.landed()
        self.end_headers()

    def route(self):
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        parts = url.path.strip('/').split('/', 2)
        route = parts[0]
        def number(name, default):
            return int(query[name][0]) if name in query else default

        if route == 'cookie-gate' and len(parts) >= 2:
            if 'gate=passed' not in self.headers.get('Cookie', ''):
                self.send_response(302)
                self.send_header('Location', url.path)
                self.send_header('Set-Cookie', 'gate=passed; Path=/')
                self.send_header('Content-Length', '0')
                self.landed()
                self.end_headers()
                return
            route = 'nocache'
        if route in ('feeds', 'nocache', 'gzip', 'cache', 'slow', 'headers', 'stuck',
                     'negotiate') and len(parts) >= 2:
            body, mtime = self.read_feed(parts[1])
            if body is None:
                # ?missing=410: a feed its site removed (and may bring back)
                return self.send_body(number('missing', 404), b'not found', 'text/plain')
            ctype = 'application/atom+xml' if b'<feed' in body[:500] else 'application/rss+xml'
            if route == 'nocache':
                return self.send_body(200, body, ctype)
            if route == 'negotiate':
                if ctype not in self.headers.get('Accept', ''):
                    return self.send_body(200, b'<!DOCTYPE html><html><head><title>News'
                                          b'</title></head><body>News</body></html>',
                                          'text/html')
                return self.send_body(200, body, ctype)
            if route == 'stuck':
                validators = [('ETag', '"stuck"'),
                              ('Last-Modified', 'Wed, 01 Jan 2020 00:00:00 GMT')]
                if 'If-None-Match' in self.headers or 'If-Modified-Since' in self.headers:
                    return self.not_modified(validators)
                return self.send_body(200, body, ctype, validators)
            if route == 'cache':
                headers = []
                if 'max_age' in query:
                    headers.append(('Cache-Control', 'public, max-age=%d' % number('max_age', 0)))
                if 'expires_in' in query:
                    now = time.time()
                    headers.append(('Date', email.utils.formatdate(now, usegmt=True)))
                    headers.append(('Expires', email.utils.formatdate(
                        now + number('expires_in', 0), usegmt=True)))
                return self.send_body(200, body, ctype, headers)
            if route == 'slow':
                time.sleep(number('ms', 300) / 1000.0)
                return self.send_body(200, body, ctype)
            if route == 'headers':
                filler = [('X-Filler-%d' % i, 'x' * 84) for i in range(number('count', 0))]
                return self.send_body(200, body, ctype, filler)
            if route == 'gzip':
                if 'gzip' not in self.headers.get('Accept-Encoding', ''):
                    return self.send_body(200, body, ctype)
                return self.send_body(200, gzip.compress(body), ctype,
                                      [('Content-Encoding', 'gzip')])
            etag = '"%s"' % hashlib.sha256(body).hexdigest()[:16]
            last_modified = email.utils.formatdate(mtime, usegmt=True)
            validators = [('ETag', etag), ('Last-Modified', last_modified)]
            if self.headers.get('If-None-Match') == etag or (
                    'If-None-Match' not in self.headers and
                    self.headers.get('If-Modified-Since') == last_modified):
                return self.not_modified(validators)
            return self.send_body(200, body, ctype, validators)
        if route == 'status' and len(parts) >= 2:
            headers = []
            if 'retry_after' in query:
                headers.append(('Retry-After', query['retry_after'][0]))
            if 'retry_after_in' in query:
                headers.append(('Retry-After', email.utils.formatdate(
                    time.time() + number('retry_after_in', 0), usegmt=True)))
            return self.send_body(int(parts[1]), b'', 'text/plain', headers)
        if route == 'loop':
            return self.redirect(301, '/loop')
        if route == 'location':
            return self.redirect(number('code', 302), query.get('to', ['/'])[0])
        if route == 'bomb':
            return self.send_body(200, gzip_zeros(number('mb', 64)), 'application/rss+xml',
                                  [('Content-Encoding', 'gzip')])
        if route == 'big':
            size = number('size', 1024 * 1024)
            if 'chunked' not in query:
                return self.send_body(200, b'x' * size, 'application/rss+xml')
            self.send_response(200)
            self.send_header('Content-Type', 'application/rss+xml')
            self.send_header('Transfer-Encoding', 'chunked')
            self.end_headers()
            try:
                sent = 0
                while sent < size:
                    n = min(65536, size - sent)
                    self.wfile.write(b'%x\r\n%s\r\n' % (n, b'x' * n))
                    sent += n
                self.wfile.write(b'0\r\n\r\n')
            except OSError:
                pass
            return
        if route == 'drip':
            size, rate = number('size', 10000), max(1, number('rate', 1))
            self.send_response(200)
            self.send_header('Content-Type', 'application/rss+xml')
            self.send_header('Content-Length', str(size))
            self.end_headers()
            try:
                for _ in range(size):
                    self.wfile.write(b'x')
                    self.wfile.flush()
                    time.sleep(1.0 / rate)
            except OSError:
                pass
            self.close_connection = True
            return
        if route == 'reset':
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack('ii', 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        if route == 'challenge':
            return self.send_body(403, CHALLENGE, 'text/html; charset=UTF-8',
                                  [('cf-mitigated', 'challenge'), ('Server', 'cloudflare')])
        if route == 'redirect' and len(parts) >= 3:
            return self.redirect(int(parts[1]), '/' + parts[2])
        if route == 'site':
            link = (b'<LINK REL="alternate home" TYPE="application/rss+xml" title="World" '
                    b'href="feeds/world-rss.xml?lang=en&amp;v=2">\n')
            if number('feed', 1) == 0:
                link = b'<link rel="alternate" hreflang="fr" href="/fr/">\n'
            return self.send_body(200, b'<!DOCTYPE html>\n<html lang="en"><head>'
                                  b'<meta charset="utf-8"><title>World News</title>\n'
                                  b'<link rel="stylesheet" href="/style.css">\n' + link +
                                  b'</head><body><h1>World News</h1></body></html>',
                                  'text/html; charset=utf-8')
        if route == 'html':
            return self.send_body(200, b'<!DOCTYPE html><html><head><title>Just a moment...'
                                  b'</title></head><body>Checking your browser</body></html>',
                                  'text/html; charset=utf-8')
        return self.send_body(404, b'not found', 'text/plain')


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # Clients hanging up (a cap reached, a timeout) are part of the tests, not errors.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--root', required=True, help='directory of feed files')
    parser.add_argument('--port', type=int, default=0)
    parser.add_argument('--log', help='append one JSON line per request here')
    parser.add_argument('--tls', nargs=2, metavar=('CERT', 'KEY'),
                        help='serve HTTPS with this certificate and key (PEM)')
    args = parser.parse_args()
    server = Server(('127.0.0.1', args.port), Handler)
    if args.tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls[0], args.tls[1])
        # The handshake happens in the request's thread, so a client that fails it (an
        # unknown certificate authority) does not hold up the others.
        server.socket = context.wrap_socket(server.socket, server_side=True,
                                            do_handshake_on_connect=False)
    server.root = args.root
    server.log_path = args.log
    print('PORT %d' % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == '__main__':
    sys.exit(main())
