#!/usr/bin/env python3
"""Conformance of `geotrackd parse` with the field's feed test suites.

Reads ../shared/feeds/MANIFEST.tsv and, for every file it lists:
- feedparser cases: evaluates the `Expect:` expression against our output, mapped into
  the shape of feedparser's result (`feed`, `entries`, `encoding`, `bozo`). Only keys we
  produce are mapped; an expression that touches anything else (generator, rights,
  *_detail.type, links lists, headers, version, ...) is not applicable. `Header:` lines
  become --content-type, and Content-Location becomes the document URL, resolved against
  the URL feedparser's own suite serves the file from.
- miniflux cases: each check (written as its failure condition, `feed.Title != "X"`)
  becomes an assertion on the matching field of our output.
- illformed files: parsing must not crash (exit status 0 or 1, no signal), and where
  python3-feedparser (when installed) reads N items we must read at least N.

Mapping rules, the same for every file:
- bozo is true when we reported any warning (we recovered from something).
- Text fields are plain text; feedparser and miniflux keep sanitized HTML. A text value
  equals an expected string when both agree after collapsing whitespace, either as
  written or after reducing the expected string to its text (tags dropped, entities
  decoded). Expected markup whose point is a resolved href/src is not applicable, since
  we do not keep markup.
- published_parsed/updated_parsed are our published/updated times; like feedparser's
  result, updated falls back to published when the item has no update time.

Exit status: 0 when passed/applicable is at least the bar (95%) and nothing crashed,
1 otherwise, 77 (skip) when ../shared/feeds is absent.
"""
import argparse
import ast
import builtins
import calendar
import collections
import html
import html.parser
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse

BAR = 0.95
FEEDPARSER_SUITE_URL = 'http://127.0.0.1:8097/'


class NotApplicable(Exception):
    """The assertion concerns something we do not produce."""


# ------------------------------------------------------------------------------------
# Text comparison

class _TextOnly(html.parser.HTMLParser):
    hidden = {'script', 'style'}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.hidden_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.hidden:
            self.hidden_depth += 1
        self.parts.append(' ')

    def handle_endtag(self, tag):
        if tag in self.hidden and self.hidden_depth:
            self.hidden_depth -= 1
        self.parts.append(' ')

    def handle_data(self, data):
        if not self.hidden_depth:
            self.parts.append(data)


def plain_text(markup):
    parser = _TextOnly()
    parser.feed(markup)
    parser.close()
    return ''.join(parser.parts)


def squash(text):
    return ' '.join(text.split())


def has_markup(text):
    return bool(re.search(r'<[A-Za-z/!]', text) or re.search(r'&#?\w+;', text))


class Text(str):
    """One of our plain-text values; compares as described in the module docstring."""

    def _matches(self, other):
        if not isinstance(other, str):
            return str.__eq__(self, other) is True
        if squash(self) == squash(other):
            return True
        if has_markup(other):
            if re.search(r'\b(href|src)\s*=', other):
                raise NotApplicable('expects markup with URLs')
            return squash(self) == squash(plain_text(other))
        return False

    def __eq__(self, other):
        return self._matches(other)

    def __ne__(self, other):
        return not self._matches(other)

    __hash__ = str.__hash__


class Language(str):
    """A language tag: BCP 47 tags compare case-insensitively (RFC 5646 2.1.1)."""

    def __eq__(self, other):
        return isinstance(other, str) and self.lower() == other.lower()

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = str.__hash__


def expects_no_text(expected):
    """An expected value with no text in it (an image, an empty SVG) is what our
    absent plain text stands for."""
    if not isinstance(expected, str) or not has_markup(expected):
        return False
    if re.search(r'\b(href|src)\s*=', expected):
        raise NotApplicable('expects markup with URLs')
    return squash(plain_text(expected)) == ''


class Missing:
    """A field we produce but did not find in this document. Anything it is compared
    with is unequal (the assertion fails), except that keys below it we would not have
    produced anyway make the assertion not applicable."""

    def __init__(self, schema):
        self.schema = schema

    def __getitem__(self, key):
        if isinstance(self.schema, list):
            return Missing(self.schema[0])
        if isinstance(self.schema, dict) and key in self.schema:
            return Missing(self.schema[key])
        raise NotApplicable(key)

    __getattr__ = __getitem__

    def __eq__(self, other):
        return expects_no_text(other) if self.schema == 'text' else False

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = object.__hash__


# ------------------------------------------------------------------------------------
# Our output in feedparser's shape

class Shaped(dict):
    """A dict that knows which keys we could produce (`schema`): a missing produced key
    is Missing (assertions on it fail), any other key is not applicable."""

    def __init__(self, schema, values):
        super().__init__({k: v for k, v in values.items() if v is not None})
        self.schema = schema

    def __getitem__(self, key):
        if key not in self.schema:
            raise NotApplicable(key)
        if not super().__contains__(key):
            return Missing(self.schema[key])
        return super().__getitem__(key)

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key)

    def get(self, key, default=None):
        if key not in self.schema:
            raise NotApplicable(key)
        return super().get(key, default)

    def __contains__(self, key):
        if key not in self.schema:
            raise NotApplicable(key)
        return super().__contains__(key)

    def keys(self):
        raise NotApplicable('keys')


# What we produce, in feedparser's key names: 'text' for text, 'value' for other
# scalars, nested dicts and lists for the structures feedparser nests them in.
DETAIL = {'value': 'text'}
FEED_SCHEMA = {'title': 'text', 'title_detail': DETAIL, 'link': 'value', 'language': 'value',
               'ttl': 'value'}
ENTRY_SCHEMA = {'title': 'text', 'title_detail': DETAIL, 'link': 'value', 'id': 'value',
                'published_parsed': 'value', 'updated_parsed': 'value', 'summary': 'text',
                'summary_detail': DETAIL, 'description': 'text', 'content': [DETAIL],
                'author': 'text', 'tags': [{'term': 'text'}], 'category': 'text'}


KNOWN_KEYS = set(FEED_SCHEMA) | set(ENTRY_SCHEMA) | {'value', 'term'}


def text_or_none(value):
    return Text(value) if value is not None else None


def parse_time(value):
    if not value:
        return None
    return time.gmtime(calendar.timegm(time.strptime(value, '%Y-%m-%dT%H:%M:%SZ')))


def shape_entry(item):
    title = text_or_none(item.get('title'))
    summary = text_or_none(item.get('summary'))
    published = parse_time(item.get('published'))
    updated = parse_time(item.get('updated')) or published
    values = {
        'title': title,
        'title_detail': Shaped(DETAIL, {'value': title}) if title is not None else None,
        'link': item.get('link'),
        'id': item.get('id') if not (item.get('id') or '').startswith('hash:') else None,
        'published_parsed': published,
        'updated_parsed': updated,
        'summary': summary,
        'description': summary,
        'summary_detail': Shaped(DETAIL, {'value': summary}) if summary is not None else None,
        'content': ([Shaped(DETAIL, {'value': Text(item['content'])})]
                    if item.get('content') is not None else None),
        'author': text_or_none(item.get('author')),
        'tags': [Shaped({'term': 'text'}, {'term': Text(c)}) for c in item.get('categories', [])] or None,
        'category': text_or_none((item.get('categories') or [None])[0]),
    }
    return Shaped(ENTRY_SCHEMA, values)


def shape_result(output):
    """feedparser's result for our output. A document we could not read at all is,
    as in feedparser, a bozo result with no feed fields and no entries."""
    feed, items, warnings = output['feed'], output['items'], output['warnings']
    if output['error'] is not None:
        feed, items, warnings = {}, [], [output['error']]
    title = text_or_none(feed.get('title'))
    feed_values = {
        'title': title,
        'title_detail': Shaped(DETAIL, {'value': title}) if title is not None else None,
        'link': feed.get('link'),
        'language': Language(feed['language']) if feed.get('language') else None,
        'ttl': str(feed['ttl']) if feed.get('ttl') else None,
    }
    return {
        'feed': Shaped(FEED_SCHEMA, feed_values),
        'entries': [shape_entry(i) for i in items],
        'encoding': (feed.get('encoding') or '').lower(),
        'bozo': bool(warnings),
    }


class _NoFeedparser:
    def __getattr__(self, name):
        raise NotApplicable('feedparser.' + name)


def evaluate(expression, result):
    namespace = dict(result)
    # Names we do not produce (bozo_exception, version, headers, feedparser.*) make the
    # whole expression not applicable, even where `and` would never reach them.
    # So do keys we never produce ('generator', 'contributors', '*_detail.base'), even
    # where the document gave us no entry to look them up in.
    for node in ast.walk(ast.parse(expression, mode='eval')):
        if isinstance(node, ast.Name) and node.id not in namespace and \
                not hasattr(builtins, node.id):
            raise NotApplicable(node.id)
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and \
                isinstance(node.slice.value, str) and node.slice.value not in KNOWN_KEYS:
            raise NotApplicable(node.slice.value)
        if isinstance(node, ast.Attribute) and (isinstance(node.value, ast.Subscript) or (isinstance(node.value, ast.Name) and node.value.id == 'feed')) \
                and node.attr not in KNOWN_KEYS and node.attr not in ('get',):
            raise NotApplicable(node.attr)
    try:
        return bool(eval(expression, {'feedparser': _NoFeedparser()}, namespace))
    except NotApplicable:
        raise
    except NameError as e:
        raise NotApplicable(str(e))
    except (KeyError, IndexError, AttributeError, TypeError, ValueError):
        return False


# ------------------------------------------------------------------------------------
# Running the parser

def run_geotrackd(geotrackd, path, content_type=None, url=None, content_language=None):
    """Returns (exit status, {'feed', 'items', 'warnings', 'error'})."""
    args = [geotrackd, 'parse']
    if content_type:
        args += ['--content-type', content_type]
    if content_language:
        args += ['--content-language', content_language]
    if url:
        args += ['--url', url]
    args.append(path)
    proc = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    out = {'feed': {}, 'items': [], 'warnings': [], 'error': None}
    for line in proc.stdout.decode('utf-8').split('\n'):
        if not line:
            continue
        obj = json.loads(line)
        kind = obj['type']
        if kind == 'feed':
            out['feed'] = obj
        elif kind == 'item':
            out['items'].append(obj)
        elif kind == 'warning':
            out['warnings'].append(obj['message'])
        elif kind == 'error':
            out['error'] = obj['error']
    return proc.returncode, out


def feedparser_headers(expectation):
    headers = {}
    for match in re.finditer(r'Header: ([^:|]+):([^|]*)', expectation):
        headers[match.group(1).strip().lower()] = match.group(2).strip()
    return headers


def feedparser_case(expectation):
    match = re.search(r'Expect: (.*?)(?: \| (?:Header|SkipUnless):|$)', expectation)
    return match.group(1).strip() if match else None


SAFE_SCHEMES = ('http', 'https', 'ftp', 'file', 'urn', 'tag', 'mailto', '')


def feedparser_url(source_path, headers):
    url = FEEDPARSER_SUITE_URL + source_path
    location = headers.get('content-location')
    if location:
        scheme = urllib.parse.urlsplit(location).scheme.lower()
        if scheme in SAFE_SCHEMES:
            url = urllib.parse.urljoin(url, location)
    return url


# miniflux checks: `LHS != RHS` (the failure condition) with LHS one of these fields.
GO_STRING = r'"(?:[^"\\]|\\.)*"'
MINIFLUX_CHECK = re.compile(
    r'(len\(feed\.Entries\)|len\(feed\.Entries\[\d+\]\.Tags\)|'
    r'feed\.(?:Title|SiteURL|Language|TTL)|'
    r'feed\.Entries\[\d+\]\.(?:Title|URL|Author|Language|Content))'
    r'\s*!=\s*(' + GO_STRING + r'|-?\d+)')
MINIFLUX_DATE = re.compile(
    r'!feed\.Entries\[(\d+)\]\.Date\.Equal\(time\.Date\((\d+), time\.(\w+), (\d+), (\d+), '
    r'(\d+), (\d+), 0, time\.UTC\)\)')
MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
          'September', 'October', 'November', 'December']


def go_string(literal):
    try:
        return json.loads(literal)
    except ValueError:
        return None


def miniflux_checks(expectation):
    """Yields (description, function(output) -> bool) for each check we can map."""
    checks_text = expectation.split('checks:', 1)[1] if 'checks:' in expectation else ''
    for match in MINIFLUX_CHECK.finditer(checks_text):
        lhs, rhs = match.group(1), match.group(2)
        want = int(rhs) if rhs.lstrip('-').isdigit() else go_string(rhs)
        if want is None:
            continue
        yield match.group(0), (lambda out, lhs=lhs, want=want: miniflux_value(out, lhs) == want)
    for match in MINIFLUX_DATE.finditer(checks_text):
        index = int(match.group(1))
        month = MONTHS.index(match.group(3)) + 1
        want = '%04d-%02d-%02dT%02d:%02d:%02dZ' % (int(match.group(2)), month, int(match.group(4)),
                                                  int(match.group(5)), int(match.group(6)),
                                                  int(match.group(7)))
        yield match.group(0), (lambda out, index=index, want=want:
                               out['items'][index].get('published') == want)


def miniflux_value(out, lhs):
    feed, items = out['feed'], out['items']
    if lhs == 'len(feed.Entries)':
        return len(items)
    match = re.match(r'len\(feed\.Entries\[(\d+)\]\.Tags\)', lhs)
    if match:
        return len(items[int(match.group(1))].get('categories', []))
    fields = {'Title': 'title', 'SiteURL': 'link', 'Language': 'language', 'TTL': 'ttl'}
    match = re.match(r'feed\.(\w+)$', lhs)
    if match:
        value = feed.get(fields[match.group(1)])
        if match.group(1) == 'TTL':
            return value or 0
        if match.group(1) == 'Language':
            return Language(value or '')
        return Text(value if value is not None else '')
    match = re.match(r'feed\.Entries\[(\d+)\]\.(\w+)', lhs)
    item = items[int(match.group(1))]
    field = match.group(2)
    if field == 'Content':
        value = item.get('content') if item.get('content') is not None else item.get('summary')
    else:
        value = item.get({'Title': 'title', 'URL': 'link', 'Author': 'author',
                          'Language': 'language'}[field])
    if field == 'Language':
        return Language(value or '')
    return Text(value if value is not None else '')


# ------------------------------------------------------------------------------------

def feedparser_item_count(path, headers):
    try:
        import feedparser  # noqa: the Debian package python3-feedparser
    except ImportError:
        return None
    with open(path, 'rb') as f:
        data = f.read()
    try:
        return len(feedparser.parse(data, response_headers=headers).entries)
    except Exception:
        return 0


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('geotrackd')
    parser.add_argument('--feeds', default=os.path.join(here, '..', '..', '..', 'shared', 'feeds'))
    parser.add_argument('--verbose', '-v', action='store_true', help='print every failure')
    parser.add_argument('--only', help='substring of the file names to run')
    args = parser.parse_args()

    manifest = os.path.join(args.feeds, 'MANIFEST.tsv')
    if not os.path.exists(manifest):
        print('1..0 # SKIP ../shared/feeds is absent')
        return 77

    passed = collections.Counter()
    applicable = collections.Counter()
    not_applicable = collections.Counter()
    failures = []
    crashes = []
    fewer_items = []
    compared_counts = 0

    with open(manifest, encoding='utf-8') as f:
        rows = [line.rstrip('\n').split('\t') for line in f][1:]
    for row in rows:
        if len(row) < 5:
            continue
        name, source_repo, source_path, _format, expectation = row[:5]
        top = name.split('/')[0]
        if top not in ('wellformed', 'illformed'):
            continue
        if args.only and args.only not in name:
            continue
        path = os.path.join(args.feeds, name)
        base = os.path.basename(name)
        is_feedparser = 'feedparser' in source_repo
        is_miniflux = base.startswith('mfxinline__')

        headers, url = {}, None
        if is_feedparser:
            headers = feedparser_headers(expectation)
            url = feedparser_url(source_path, headers)
        elif is_miniflux:
            match = re.search(r'\(base URL ([^)\s]+)\)', expectation)
            url = match.group(1) if match else None
        status, out = run_geotrackd(args.geotrackd, path, headers.get('content-type'), url,
                                    headers.get('content-language'))
        if status not in (0, 1):
            crashes.append('%s: exit status %d' % (name, status))
            continue

        if top == 'illformed':
            count = feedparser_item_count(path, headers)
            if count is not None:
                compared_counts += 1
                if len(out['items']) < count:
                    fewer_items.append('%s: %d items, feedparser %d' % (name, len(out['items']), count))

        cases = []
        if is_feedparser:
            expression = feedparser_case(expectation)
            if expression:
                category = 'feedparser/' + base.split('__')[1]
                result = shape_result(out)
                cases.append((category, expression, (lambda r=result, e=expression: evaluate(e, r))))
        elif is_miniflux:
            category = 'miniflux/' + base.split('__')[1].split('-')[0]
            for description, check in miniflux_checks(expectation):
                def run(check=check):
                    try:
                        return out['error'] is None and check(out)
                    except (IndexError, KeyError, TypeError):
                        return False
                cases.append((category, description, run))

        for category, description, check in cases:
            group = '%s (%s)' % (category, top)
            try:
                ok = check()
            except NotApplicable:
                not_applicable[group] += 1
                continue
            applicable[group] += 1
            if ok:
                passed[group] += 1
            else:
                failures.append('%s: %s' % (name, description))

    total_passed = sum(passed.values())
    total = sum(applicable.values())
    print('%-40s %8s %10s %6s' % ('category', 'passed', 'applicable', 'n/a'))
    for group in sorted(set(applicable) | set(not_applicable)):
        print('%-40s %8d %10d %6d' % (group, passed[group], applicable[group], not_applicable[group]))
    for source in ('feedparser', 'miniflux'):
        p = sum(v for k, v in passed.items() if k.startswith(source))
        a = sum(v for k, v in applicable.items() if k.startswith(source))
        print('%-40s %8d %10d' % (source + ' total', p, a))
    rate = total_passed / total if total else 0.0
    print('%-40s %8d %10d  (%.1f%%, bar %.0f%%)' % ('all', total_passed, total, 100 * rate, 100 * BAR))
    print('illformed item counts compared with feedparser: %d, fewer items: %d'
          % (compared_counts, len(fewer_items)))
    print('crashes: %d' % len(crashes))
    for line in crashes + fewer_items:
        print('  ' + line)
    if args.verbose:
        for line in failures:
            print('FAIL ' + line)
    return 0 if rate >= BAR and not crashes and not fewer_items else 1


if __name__ == '__main__':
    sys.exit(main())
