-- geotrack schema 3: what the fetcher remembers about each feed between polls, and a
-- bounded log of every fetch.
--
-- A feed's health is 'active', 'dead' (it has failed for [fetch] dead_after and is now
-- tried only every dead_interval; one success makes it active again) or 'gone' (the
-- server answered 410 Gone: it is not polled again until a user sets it back to
-- 'active'). Times are UTC text as in schema 1.

ALTER TABLE feeds ADD COLUMN health TEXT NOT NULL DEFAULT 'active'
	CHECK (health IN ('active', 'dead', 'gone'));
-- Where the feed is polled when permanent redirects (301/308 on every hop) moved it;
-- NULL while it is polled at `url`, the URL of the feed list.
ALTER TABLE feeds ADD COLUMN fetch_url TEXT;
-- First failure of the current run of failures; NULL after a success.
ALTER TABLE feeds ADD COLUMN failing_since TEXT;
-- When the daemon means to poll the feed next (interval, backoff, Retry-After, ttl).
ALTER TABLE feeds ADD COLUMN next_poll_at TEXT;
-- Hash of the last body parsed, so a 200 with the same bytes skips the parse.
ALTER TABLE feeds ADD COLUMN body_hash TEXT;

-- One row per fetch, newest last; the daemon keeps [fetch] fetch_log_rows per feed.
CREATE TABLE fetch_log (
	id INTEGER PRIMARY KEY,
	feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
	fetched_at TEXT NOT NULL,
	url TEXT NOT NULL,             -- the URL requested
	http_status INTEGER NOT NULL,  -- 0 when no response arrived
	result TEXT NOT NULL           -- 'parsed', 'unchanged' (200, same body),
		CHECK (result IN ('parsed', 'unchanged', 'not-modified', 'failed')),
		                       -- 'not-modified' (304) or 'failed'
	bytes INTEGER NOT NULL,        -- body size after decoding
	wire_bytes INTEGER NOT NULL,   -- body size as transferred (compressed)
	duration_ms INTEGER NOT NULL,
	items_new INTEGER NOT NULL DEFAULT 0,
	error TEXT                     -- why it failed; NULL otherwise
) STRICT;

CREATE INDEX fetch_log_feed ON fetch_log(feed_id, id);
