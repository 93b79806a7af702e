-- geotrack schema 2: GDELT's event table and its mentions, the CAMEO codebook as lookup
-- tables, readable views, and full-text search over articles.
--
-- One event, many reports. An event is one (date, source actor, action, target actor):
-- two reports are the same event when they give the same full source code, event code
-- and target code for the same day, the day being the UTC date of the article that
-- reported it (GDELT's SQLDATE). The window is that calendar day: the same action
-- reported on five days is five events, as in GDELT, while twelve feeds reporting it on
-- one day make one event with twelve mentions. The UNIQUE constraint on events holds
-- the rule, so no bug and no crash can count one event twice.
--
-- Times stay as in schema 1: UTC text 'YYYY-MM-DD HH:MM:SS', dates 'YYYY-MM-DD'.
-- Codes absent from an actor are NULL; actor2_code alone is '' when an event has no
-- target, because the uniqueness rule needs a value there.
--
-- Statements here may call geotrack_cameo(code, part) and geotrack_source_name(url):
-- functions geotrackd registers while migrating. Views and triggers never do, so the
-- plain sqlite3 shell can use everything this file creates.

-- The codebook, loaded by geotrackd from the tables compiled into it (schema/cameo/)
-- and reloaded whenever that codebook changes. Read-only for users.
CREATE TABLE cameo_event_codes (
	code TEXT PRIMARY KEY,      -- '0314'
	root TEXT NOT NULL,         -- '03'
	base TEXT NOT NULL,         -- '031' (the code itself at levels one and two)
	quad_class INTEGER NOT NULL,
	goldstein REAL NOT NULL,
	label TEXT NOT NULL         -- GDELT's label: 'Express intent to cooperate economically'
) STRICT, WITHOUT ROWID;

CREATE TABLE cameo_countries (
	code TEXT PRIMARY KEY,      -- 'RUS'; CAMEO, not always ISO (ROM, TMP, MTN)
	label TEXT NOT NULL,
	kind TEXT NOT NULL          -- 'country/territory', 'region' or 'sub-national/city'
) STRICT, WITHOUT ROWID;

CREATE TABLE cameo_known_groups (
	code TEXT PRIMARY KEY,      -- 'NAT', 'UNO', 'EEC'
	label TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE cameo_actor_types (
	code TEXT PRIMARY KEY,      -- roles: 'GOV', 'MIL', 'OPP'
	label TEXT                  -- NULL for the PLOVER-only roles GDELT does not list
) STRICT, WITHOUT ROWID;

CREATE TABLE cameo_religions (
	code TEXT PRIMARY KEY,
	label TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE cameo_ethnic_groups (
	code TEXT PRIMARY KEY,      -- lower case in CAMEO: 'kur'
	label TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE cameo_quad_classes (
	quad_class INTEGER PRIMARY KEY,
	label TEXT NOT NULL
) STRICT;

INSERT INTO cameo_quad_classes VALUES
	(1, 'Verbal Cooperation'),
	(2, 'Material Cooperation'),
	(3, 'Verbal Conflict'),
	(4, 'Material Conflict');

-- Facts about the database itself (the checksum of the codebook it was loaded from).
CREATE TABLE meta (
	key TEXT PRIMARY KEY,
	value TEXT
) STRICT, WITHOUT ROWID;

-- Schema 1 kept one row per report; they become events and mentions below.
DROP INDEX events_date;
DROP INDEX events_pair;
DROP INDEX events_code;
ALTER TABLE events RENAME TO events_v1;

CREATE TABLE events (
	id INTEGER PRIMARY KEY,           -- GLOBALEVENTID
	event_date TEXT NOT NULL,         -- SQLDATE as 'YYYY-MM-DD'
	actor1_code TEXT NOT NULL,        -- the source actor's full CAMEO code: 'RUSMIL'
	actor1_name TEXT,                 -- the words that named it in the first report, upper case
	actor1_country_code TEXT,         -- 'RUS'
	actor1_known_group_code TEXT,     -- 'NAT'
	actor1_ethnic_code TEXT,
	actor1_religion1_code TEXT,
	actor1_religion2_code TEXT,
	actor1_type1_code TEXT,           -- 'MIL'
	actor1_type2_code TEXT,
	actor1_type3_code TEXT,
	actor2_code TEXT NOT NULL,        -- the target; '' when the event has none
	actor2_name TEXT,
	actor2_country_code TEXT,
	actor2_known_group_code TEXT,
	actor2_ethnic_code TEXT,
	actor2_religion1_code TEXT,
	actor2_religion2_code TEXT,
	actor2_type1_code TEXT,
	actor2_type2_code TEXT,
	actor2_type3_code TEXT,
	is_root_event INTEGER NOT NULL,   -- 1: the first report has it in its headline or lead sentence
	event_code TEXT NOT NULL,         -- '154'
	event_base_code TEXT NOT NULL,    -- '154'; '025' for '0251'
	event_root_code TEXT NOT NULL,    -- '15'
	quad_class INTEGER,               -- NULL when the code is not in the codebook
	goldstein_scale REAL,
	num_mentions INTEGER NOT NULL DEFAULT 0, -- reports (sentences) of it: count of its mentions
	num_sources INTEGER NOT NULL DEFAULT 0,  -- distinct source_name among them
	num_articles INTEGER NOT NULL DEFAULT 0, -- distinct articles among them
	action_country_code TEXT,         -- CAMEO country where it happened, when the text says
	date_added TEXT NOT NULL,         -- when geotrackd first stored it
	source_url TEXT,                  -- the first report's URL
	-- The evidence of the first report, which GDELT does not give.
	article_id INTEGER REFERENCES articles(id) ON DELETE SET NULL, -- NULL once pruned
	sentence_id INTEGER NOT NULL,     -- 1-based, within the headline and summary
	sentence TEXT NOT NULL,
	actor1_text TEXT,                 -- the matched words, as written
	action_text TEXT,
	actor2_text TEXT,
	pattern TEXT,                     -- the dictionary pattern that matched
	UNIQUE (event_date, actor1_code, event_code, actor2_code)
) STRICT;

-- The common questions: by date (the UNIQUE index above leads with event_date), by
-- country pair, by country on either side, by code. Each index slows every insert, so
-- questions narrowed by date use the date index rather than one of their own. The
-- Goldstein value rides along in the pair index, so "which pairs were most hostile this
-- month" reads that index alone (a fifth of the time on a million events).
CREATE INDEX events_countries ON events(actor1_country_code, actor2_country_code, event_date,
	goldstein_scale);
CREATE INDEX events_target_country ON events(actor2_country_code, event_date);
CREATE INDEX events_code ON events(event_code, event_date);
CREATE INDEX events_article ON events(article_id) WHERE article_id IS NOT NULL;

-- One row per sentence that reported an event, like GDELT's Mentions table.
CREATE TABLE mentions (
	id INTEGER PRIMARY KEY,
	event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
	article_id INTEGER REFERENCES articles(id) ON DELETE SET NULL, -- NULL once pruned
	feed_id INTEGER REFERENCES feeds(id) ON DELETE SET NULL,
	published_at TEXT NOT NULL,       -- the article's time
	added_at TEXT NOT NULL,           -- when geotrackd stored this report (MentionTimeDate)
	source_name TEXT NOT NULL,        -- the article's host without 'www.': 'bbc.co.uk'
	url TEXT,                         -- the article's URL (MentionIdentifier)
	sentence_id INTEGER NOT NULL,
	doc_len INTEGER,                  -- characters of headline and summary coded
	sentence TEXT NOT NULL,
	actor1_text TEXT,
	action_text TEXT,
	actor2_text TEXT,
	pattern TEXT,
	pattern_origin TEXT,              -- dictionary file and line: 'default.verbs:412'
	UNIQUE (event_id, article_id, sentence_id)
) STRICT;

CREATE INDEX mentions_article ON mentions(article_id) WHERE article_id IS NOT NULL;

-- The counts on events follow from the mentions, whoever inserts them. Mentions are not
-- deleted on their own (retention keeps them, without their article), so the counts
-- stay the number of reports ever stored.
CREATE TRIGGER mentions_count AFTER INSERT ON mentions BEGIN
	UPDATE events SET
		num_mentions = num_mentions + 1,
		num_articles = num_articles + NOT EXISTS (
			SELECT 1 FROM mentions m WHERE m.event_id = NEW.event_id
			AND m.article_id = NEW.article_id AND m.id <> NEW.id),
		num_sources = num_sources + NOT EXISTS (
			SELECT 1 FROM mentions m WHERE m.event_id = NEW.event_id
			AND m.source_name = NEW.source_name AND m.id <> NEW.id)
	WHERE id = NEW.event_id;
END;

-- Schema 1's rows: the first report of each (date, source, code, target) becomes the
-- event, keeping its id; every row becomes a mention.
INSERT INTO events (id, event_date, actor1_code, actor1_name,
	actor1_country_code, actor1_known_group_code, actor1_ethnic_code,
	actor1_religion1_code, actor1_religion2_code,
	actor1_type1_code, actor1_type2_code, actor1_type3_code,
	actor2_code, actor2_name,
	actor2_country_code, actor2_known_group_code, actor2_ethnic_code,
	actor2_religion1_code, actor2_religion2_code,
	actor2_type1_code, actor2_type2_code, actor2_type3_code,
	is_root_event, event_code, event_base_code, event_root_code, quad_class,
	goldstein_scale, date_added, source_url, article_id, sentence_id, sentence,
	actor1_text, action_text, actor2_text, pattern)
SELECT v.id, v.event_date, v.source, upper(nullif(v.source_text, '')),
	geotrack_cameo(v.source, 'country'), geotrack_cameo(v.source, 'known_group'),
	geotrack_cameo(v.source, 'ethnic'),
	geotrack_cameo(v.source, 'religion1'), geotrack_cameo(v.source, 'religion2'),
	geotrack_cameo(v.source, 'type1'), geotrack_cameo(v.source, 'type2'),
	geotrack_cameo(v.source, 'type3'),
	v.target, upper(nullif(v.target_text, '')),
	geotrack_cameo(v.target, 'country'), geotrack_cameo(v.target, 'known_group'),
	geotrack_cameo(v.target, 'ethnic'),
	geotrack_cameo(v.target, 'religion1'), geotrack_cameo(v.target, 'religion2'),
	geotrack_cameo(v.target, 'type1'), geotrack_cameo(v.target, 'type2'),
	geotrack_cameo(v.target, 'type3'),
	v.sentence_index <= 2, v.event_code, geotrack_cameo(v.event_code, 'base'),
	geotrack_cameo(v.event_code, 'root'), v.quad_class, v.goldstein, a.fetched_at, a.url,
	v.article_id, v.sentence_index, v.sentence, v.source_text, v.verb_text,
	v.target_text, v.pattern
FROM events_v1 v JOIN articles a ON a.id = v.article_id
WHERE v.id IN (SELECT min(id) FROM events_v1
	GROUP BY event_date, source, event_code, target)
ORDER BY v.id;

INSERT INTO mentions (event_id, article_id, feed_id, published_at, added_at, source_name,
	url, sentence_id, doc_len, sentence, actor1_text, action_text, actor2_text, pattern)
SELECT e.id, v.article_id, a.feed_id, a.published_at, a.fetched_at,
	geotrack_source_name(coalesce(a.url, f.url)), a.url, v.sentence_index,
	length(coalesce(a.title, '')) + length(coalesce(a.summary, '')), v.sentence,
	v.source_text, v.verb_text, v.target_text, v.pattern
FROM events_v1 v
JOIN articles a ON a.id = v.article_id
JOIN feeds f ON f.id = a.feed_id
JOIN events e ON e.event_date = v.event_date AND e.actor1_code = v.source
	AND e.event_code = v.event_code AND e.actor2_code = v.target
ORDER BY v.id;

DROP TABLE events_v1;

-- Retention deletes old articles but remembers their keys, so a feed that still carries
-- a pruned item does not bring it back as new (and count its events twice). A key is
-- forgotten once no feed has shown it for the retention period.
CREATE TABLE pruned_articles (
	feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
	item_key TEXT NOT NULL,
	pruned_at TEXT NOT NULL,
	last_seen_at TEXT NOT NULL,
	PRIMARY KEY (feed_id, item_key)
) STRICT, WITHOUT ROWID;

CREATE INDEX pruned_articles_seen ON pruned_articles(last_seen_at);

-- Full-text search over headlines and summaries:
--   SELECT a.title FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid
--   WHERE articles_fts MATCH 'sanctions' ORDER BY rank;
CREATE VIRTUAL TABLE articles_fts USING fts5(title, summary, content = 'articles',
	content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO articles_fts(articles_fts) VALUES ('rebuild');

CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
	INSERT INTO articles_fts(rowid, title, summary) VALUES (NEW.id, NEW.title, NEW.summary);
END;
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
	INSERT INTO articles_fts(articles_fts, rowid, title, summary)
		VALUES ('delete', OLD.id, OLD.title, OLD.summary);
END;
CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, summary ON articles BEGIN
	INSERT INTO articles_fts(articles_fts, rowid, title, summary)
		VALUES ('delete', OLD.id, OLD.title, OLD.summary);
	INSERT INTO articles_fts(rowid, title, summary) VALUES (NEW.id, NEW.title, NEW.summary);
END;

-- Readable events: names and labels from the codebook.
-- An actor reads as its known group or country, then its first role:
-- 'RUSMIL' -> 'Russia military', 'IGOUNO' -> 'United Nations', 'GOV' -> 'government'.
CREATE VIEW event_view AS
SELECT
	e.id,
	e.event_date AS date,
	e.actor1_code AS source,
	e.actor1_country_code AS source_country,
	coalesce(nullif(trim(
		coalesce((SELECT label FROM cameo_known_groups WHERE code = e.actor1_known_group_code),
			(SELECT label FROM cameo_countries WHERE code = e.actor1_country_code), '')
		|| ' ' || coalesce(lower((SELECT label FROM cameo_actor_types
			WHERE code = e.actor1_type1_code)), '')), ''), e.actor1_code) AS source_name,
	e.event_code AS action,
	e.event_root_code AS action_root,
	(SELECT label FROM cameo_event_codes WHERE code = e.event_code) AS action_label,
	nullif(e.actor2_code, '') AS target,
	e.actor2_country_code AS target_country,
	coalesce(nullif(trim(
		coalesce((SELECT label FROM cameo_known_groups WHERE code = e.actor2_known_group_code),
			(SELECT label FROM cameo_countries WHERE code = e.actor2_country_code), '')
		|| ' ' || coalesce(lower((SELECT label FROM cameo_actor_types
			WHERE code = e.actor2_type1_code)), '')), ''), nullif(e.actor2_code, '')) AS target_name,
	e.quad_class,
	(SELECT label FROM cameo_quad_classes WHERE quad_class = e.quad_class) AS quad_label,
	e.goldstein_scale AS goldstein,
	e.num_mentions AS mentions,
	e.num_sources AS sources,
	e.num_articles AS articles,
	(SELECT label FROM cameo_countries WHERE code = e.action_country_code) AS location,
	e.source_url AS url,
	e.sentence,
	e.date_added
FROM events e;

-- Every report with its event, source and article.
CREATE VIEW mention_view AS
SELECT
	m.id,
	m.event_id,
	e.event_date AS date,
	e.actor1_code AS source,
	e.event_code AS action,
	e.actor2_code AS target,
	m.published_at,
	m.source_name,
	coalesce(f.title, f.url) AS feed,
	a.title AS headline,
	m.url,
	m.sentence_id,
	m.sentence,
	m.pattern
FROM mentions m
JOIN events e ON e.id = m.event_id
LEFT JOIN feeds f ON f.id = m.feed_id
LEFT JOIN articles a ON a.id = m.article_id;

-- GDELT 2.0's event table: its 61 columns, names, order and formats, so queries and
-- tools written for GDELT run here (`geotrackd export --format gdelt` prints this view).
-- What geotrackd does not measure is NULL: tone, actor locations, coordinates and FIPS
-- codes (GDELT's locations are FIPS 10-4; ours are CAMEO countries, given by name).
CREATE VIEW gdelt_events AS
SELECT
	e.id AS GLOBALEVENTID,
	CAST(replace(e.event_date, '-', '') AS INTEGER) AS SQLDATE,
	CAST(substr(replace(e.event_date, '-', ''), 1, 6) AS INTEGER) AS MonthYear,
	CAST(substr(e.event_date, 1, 4) AS INTEGER) AS Year,
	round(CAST(substr(e.event_date, 1, 4) AS INTEGER)
		+ ((CAST(substr(e.event_date, 6, 2) AS INTEGER) - 1) * 30
		+ CAST(substr(e.event_date, 9, 2) AS INTEGER)) / 365.0, 4) AS FractionDate,
	e.actor1_code AS Actor1Code,
	e.actor1_name AS Actor1Name,
	e.actor1_country_code AS Actor1CountryCode,
	e.actor1_known_group_code AS Actor1KnownGroupCode,
	e.actor1_ethnic_code AS Actor1EthnicCode,
	e.actor1_religion1_code AS Actor1Religion1Code,
	e.actor1_religion2_code AS Actor1Religion2Code,
	e.actor1_type1_code AS Actor1Type1Code,
	e.actor1_type2_code AS Actor1Type2Code,
	e.actor1_type3_code AS Actor1Type3Code,
	nullif(e.actor2_code, '') AS Actor2Code,
	e.actor2_name AS Actor2Name,
	e.actor2_country_code AS Actor2CountryCode,
	e.actor2_known_group_code AS Actor2KnownGroupCode,
	e.actor2_ethnic_code AS Actor2EthnicCode,
	e.actor2_religion1_code AS Actor2Religion1Code,
	e.actor2_religion2_code AS Actor2Religion2Code,
	e.actor2_type1_code AS Actor2Type1Code,
	e.actor2_type2_code AS Actor2Type2Code,
	e.actor2_type3_code AS Actor2Type3Code,
	e.is_root_event AS IsRootEvent,
	e.event_code AS EventCode,
	e.event_base_code AS EventBaseCode,
	e.event_root_code AS EventRootCode,
	e.quad_class AS QuadClass,
	e.goldstein_scale AS GoldsteinScale,
	e.num_mentions AS NumMentions,
	e.num_sources AS NumSources,
	e.num_articles AS NumArticles,
	NULL AS AvgTone,
	0 AS Actor1Geo_Type,
	NULL AS Actor1Geo_FullName,
	NULL AS Actor1Geo_CountryCode,
	NULL AS Actor1Geo_ADM1Code,
	NULL AS Actor1Geo_ADM2Code,
	NULL AS Actor1Geo_Lat,
	NULL AS Actor1Geo_Long,
	NULL AS Actor1Geo_FeatureID,
	0 AS Actor2Geo_Type,
	NULL AS Actor2Geo_FullName,
	NULL AS Actor2Geo_CountryCode,
	NULL AS Actor2Geo_ADM1Code,
	NULL AS Actor2Geo_ADM2Code,
	NULL AS Actor2Geo_Lat,
	NULL AS Actor2Geo_Long,
	NULL AS Actor2Geo_FeatureID,
	CASE WHEN e.action_country_code IS NULL THEN 0 ELSE 1 END AS ActionGeo_Type,
	(SELECT label FROM cameo_countries WHERE code = e.action_country_code) AS ActionGeo_FullName,
	NULL AS ActionGeo_CountryCode,
	NULL AS ActionGeo_ADM1Code,
	NULL AS ActionGeo_ADM2Code,
	NULL AS ActionGeo_Lat,
	NULL AS ActionGeo_Long,
	NULL AS ActionGeo_FeatureID,
	CAST(strftime('%Y%m%d%H%M%S', e.date_added) AS INTEGER) AS DATEADDED,
	e.source_url AS SOURCEURL
FROM events e;

-- GDELT 2.0's mentions table, its 16 columns.
CREATE VIEW gdelt_mentions AS
SELECT
	m.event_id AS GLOBALEVENTID,
	CAST(strftime('%Y%m%d%H%M%S', e.date_added) AS INTEGER) AS EventTimeDate,
	CAST(strftime('%Y%m%d%H%M%S', m.added_at) AS INTEGER) AS MentionTimeDate,
	1 AS MentionType,
	m.source_name AS MentionSourceName,
	m.url AS MentionIdentifier,
	m.sentence_id AS SentenceID,
	NULL AS Actor1CharOffset,
	NULL AS Actor2CharOffset,
	NULL AS ActionCharOffset,
	1 AS InRawText,
	NULL AS Confidence,
	m.doc_len AS MentionDocLen,
	NULL AS MentionDocTone,
	NULL AS MentionDocTranslationInfo,
	NULL AS Extras
FROM mentions m JOIN events e ON e.id = m.event_id;
