-- geotrack schema 8: feeds that answer but have stopped bringing anything new, and
-- servers whose validators say "not modified" when the feed was, and items that come back
-- under a new id.
-- A feed can go on answering 200 or 304 for months after its publisher stopped updating
-- it or moved it elsewhere without a redirect: no fetch fails, so nothing else would say
-- so. When a successful fetch finds the feed has brought no new item for [fetch]
-- stale_after, the daemon logs it once and sets stale_since; the next new item clears it.
-- A server whose ETag or Last-Modified does not change with the feed answers 304 for
-- ever: once [fetch] refresh_after has passed since the last full response, the daemon
-- asks without validators. Times are UTC text as in schema 1.

-- When a fetch last stored an item the feed had not carried before; NULL if none yet.
ALTER TABLE feeds ADD COLUMN last_new_item_at TEXT;
-- When the daemon found the feed stale; NULL while it brings new items.
ALTER TABLE feeds ADD COLUMN stale_since TEXT;
-- When the last full response (a 200 with a body) arrived; NULL if none yet.
ALTER TABLE feeds ADD COLUMN last_body_at TEXT;

-- Feeds stored before: their newest article tells when they last brought something, and
-- the fetch log when they last sent a body (NULL past its rows: counted from the next start).
UPDATE feeds SET last_new_item_at =
	(SELECT max(fetched_at) FROM articles WHERE articles.feed_id = feeds.id),
	last_body_at =
	(SELECT max(fetched_at) FROM fetch_log WHERE fetch_log.feed_id = feeds.id AND
	 fetch_log.result IN ('parsed', 'unchanged'));

-- Each feed's last items by their bytes (schema 7) now carry a third hash, of the item's
-- own link, title, text and date, so an item that comes back under a new id is known as
-- the same article.
-- Stored pairs would read as triples: dropped, so each feed is parsed whole once.
UPDATE feeds SET item_spans = NULL;

-- Each feed's state in one word, with what explains it, for
--   SELECT url, state, since, last_error FROM feed_status WHERE state != 'ok';
-- 'gone' (410), 'dead' (failing for dead_after), 'failing' (the last fetch failed),
-- 'stale' (answers, nothing new for stale_after), 'new' (not fetched yet), else 'ok'.
CREATE VIEW feed_status AS
SELECT id, url, title,
	CASE
		WHEN health IN ('gone', 'dead') THEN health
		WHEN last_error IS NOT NULL THEN 'failing'
		WHEN stale_since IS NOT NULL THEN 'stale'
		WHEN last_fetch_at IS NULL THEN 'new'
		ELSE 'ok'
	END AS state,
	CASE
		WHEN health = 'gone' OR last_error IS NOT NULL THEN coalesce(failing_since, last_fetch_at)
		WHEN stale_since IS NOT NULL THEN coalesce(last_new_item_at, added_at)
		ELSE last_success_at
	END AS since, -- failing, stale: since when; ok: the last success
	last_fetch_at, last_status, last_error, consecutive_failures, last_new_item_at,
	next_poll_at, coalesce(fetch_url, url) AS polled_url
FROM feeds;
