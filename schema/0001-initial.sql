-- geotrack schema 1: feeds, the articles read from them, and the events coded from those.
-- Times are UTC text 'YYYY-MM-DD HH:MM:SS' (what SQLite's datetime() returns), so
-- `WHERE published_at > datetime('now', '-7 days')` works as written in the sqlite3 shell.

CREATE TABLE feeds (
	id INTEGER PRIMARY KEY,
	url TEXT NOT NULL UNIQUE,
	title TEXT,                    -- from the feed list, else from the feed itself
	site_url TEXT,
	etag TEXT,                     -- HTTP validators for conditional GET
	last_modified TEXT,
	last_fetch_at TEXT,
	last_status INTEGER,           -- HTTP status of the last fetch; 0 if none was received
	last_error TEXT,               -- NULL after a successful fetch
	last_success_at TEXT,
	consecutive_failures INTEGER NOT NULL DEFAULT 0,
	added_at TEXT NOT NULL
) STRICT;

CREATE TABLE articles (
	id INTEGER PRIMARY KEY,
	feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
	item_key TEXT NOT NULL,        -- the item's guid/id; else a hash of its link, or title and date
	url TEXT,
	title TEXT,
	summary TEXT,                  -- plain text, HTML stripped
	published_at TEXT NOT NULL,
	published_is_fallback INTEGER NOT NULL DEFAULT 0, -- 1: the feed gave no date; fetch time used
	fetched_at TEXT NOT NULL,
	UNIQUE (feed_id, item_key)
) STRICT;

CREATE INDEX articles_published ON articles(published_at);

CREATE TABLE events (
	id INTEGER PRIMARY KEY,
	article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
	sentence_index INTEGER NOT NULL, -- 1-based, within title + summary
	event_date TEXT NOT NULL,        -- 'YYYY-MM-DD', the article's date
	source TEXT NOT NULL,            -- CAMEO actor code, e.g. 'USAGOV'
	event_code TEXT NOT NULL,        -- CAMEO event code, e.g. '130'
	target TEXT NOT NULL,            -- CAMEO actor code, '' when the event has none
	quad_class INTEGER,
	goldstein REAL,
	sentence TEXT NOT NULL,
	source_text TEXT,
	verb_text TEXT,
	target_text TEXT,
	pattern TEXT,
	UNIQUE (article_id, sentence_index, source, event_code, target)
) STRICT;

CREATE INDEX events_date ON events(event_date);
CREATE INDEX events_pair ON events(source, target, event_date);
CREATE INDEX events_code ON events(event_code, event_date);
