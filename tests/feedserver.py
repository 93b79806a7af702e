#!/usr/bin/env python3
"""A small HTTP server on 127.0.0.1 that plays the parts real feed servers play.

Used by the integration tests and by scripts/demo. It prints "PORT <n>" on its first
line of output once it listens (pass --port 0 for any free port), and with --log FILE it
appends one JSON object per request (method, path, headers) so a test can check what the
daemon sent.

Routes:
  /feeds/NAME           a file from --root, with ETag and Last-Modified; answers 304 to a
                        matching If-None-Match / If-Modified-Since
  /nocache/NAME         the same file with no validators (every poll is a full 200)
  /gzip/NAME            the file gzip-encoded when the client accepts gzip
  /status/CODE          an empty response with that status (?retry_after=V adds Retry-After)
  /redirect/CODE/PATH   a redirect with that status to /PATH
  /html                 an HTML page where a feed was expected
"""
import argparse
import email.utils
import gzip
import hashlib
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

log_lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    server_version = 'geotrack-test/1'
    protocol_version = 'HTTP/1.1'

    def log_message(self, fmt, *args):
        pass

    def record(self):
        if not self.server.log_path:
            return
        entry = {'method': self.command, 'path': self.path,
                 'headers': {k.lower(): v for k, v in self.headers.items()}}
        with log_lock, open(self.server.log_path, 'a') as f:
            f.write(json.dumps(entry) + '\n')

    def send_body(self, status, body, content_type='application/rss+xml', headers=()):
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(body)

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
        self.record()
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        parts = url.path.strip('/').split('/', 2)
        route = parts[0]
        if route in ('feeds', 'nocache', 'gzip') and len(parts) >= 2:
            body, mtime = self.read_feed(parts[1])
            if body is None:
                return self.send_body(404, b'not found', 'text/plain')
            ctype = 'application/atom+xml' if b'<feed' in body[:500] else 'application/rss+xml'
            if route == 'nocache':
                return self.send_body(200, body, ctype)
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
                self.send_response(304)
                for name, value in validators:
                    self.send_header(name, value)
                self.send_header('Content-Length', '0')
                self.end_headers()
                return
            return self.send_body(200, body, ctype, validators)
        if route == 'status' and len(parts) >= 2:
            headers = []
            if 'retry_after' in query:
                headers.append(('Retry-After', query['retry_after'][0]))
            return self.send_body(int(parts[1]), b'', 'text/plain', headers)
        if route == 'redirect' and len(parts) >= 3:
            self.send_response(int(parts[1]))
            self.send_header('Location', '/' + parts[2])
            self.send_header('Content-Length', '0')
            self.end_headers()
            return
        if route == 'html':
            return self.send_body(200, b'<!DOCTYPE html><html><head><title>Just a moment...'
                                  b'</title></head><body>Checking your browser</body></html>',
                                  'text/html; charset=utf-8')
        return self.send_body(404, b'not found', 'text/plain')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--root', required=True, help='directory of feed files')
    parser.add_argument('--port', type=int, default=0)
    parser.add_argument('--log', help='append one JSON line per request here')
    args = parser.parse_args()
    server = ThreadingHTTPServer(('127.0.0.1', args.port), Handler)
    server.daemon_threads = True
    server.root = args.root
    server.log_path = args.log
    print('PORT %d' % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == '__main__':
    sys.exit(main())
