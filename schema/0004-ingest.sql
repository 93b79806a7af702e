-- geotrack schema 4: the same data, stored at a fraction of the cost.
--
-- Full-text entries of new articles are written by geotrackd in one statement just before
-- each ingest commits, not by a trigger per article. SQLite's FTS5 (3.40) writes its
-- pending entries out as a new segment at the end of every statement that opened a
-- statement journal, and an INSERT with a trigger does: the trigger made one segment per
-- article, each merged again and again, about half of all ingest time. The delete and
-- update triggers stay, so whoever deletes or edits an article keeps the index right.
-- (An article inserted by hand, which geotrackd never expects, is not searchable until
-- `INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')`.)
DROP TRIGGER articles_fts_insert;

-- The counts on events (num_mentions, num_articles, num_sources) are kept by geotrackd in
-- the transaction that stores each report rather than by a trigger per mention: a new
-- event is written with its first report counted, and only a known event's row is
-- updated (the trigger rewrote every new event's row a second time).
DROP TRIGGER mentions_count;

-- Indexes for the common questions. Every question in the README is about a period
-- ("this week", "today", "this month"), so one index led by the date and carrying the
-- columns those questions filter and group on serves them all: a month is a contiguous
-- range of it, read without touching the wide event rows except for the events that
-- match. It replaces three indexes led by country pair, target country and event code:
-- new events arrive dated today, so they land at the end of this index, where the
-- pages are already in cache, while each of the three took a write in a different page
-- for nearly every event (a few hundred pages rewritten per ingest, most of its time).
DROP INDEX events_countries;
DROP INDEX events_target_country;
DROP INDEX events_code;
CREATE INDEX events_day ON events(event_date, actor1_country_code, actor2_country_code,
	quad_class, event_root_code, event_code, goldstein_scale);
-- The same for GDELT's column names: gdelt_events computes SQLDATE from event_date with
-- exactly this expression, so `WHERE SQLDATE >= 20250301` reads a range of this index.
CREATE INDEX events_sqldate ON events(CAST(replace(event_date, '-', '') AS INTEGER),
	actor1_country_code, actor2_country_code);

-- Full-text segments are merged sixteen at a time rather than four: each entry is
-- rewritten about half as often (FTS5 merges a level once it holds `automerge`
-- segments, a little with every ingest). Merges stay incremental: a level is merged all
-- at once ("crisis merge", a stall of the ingest that triggers it) only if it reaches
-- 64 segments, which the incremental merging keeps it from.
INSERT INTO articles_fts(articles_fts, rank) VALUES ('automerge', 16);
INSERT INTO articles_fts(articles_fts, rank) VALUES ('crisismerge', 64);
