-- geotrack schema 9: an article that several feeds list is stored once.
-- An outlet lists one article in several of its feeds (world, top stories, a region).
-- Stored under each feed, it was coded once per feed, and its events were counted as
-- reported by as many articles (num_mentions, num_articles), where GDELT counts one
-- document per URL. A new item whose own link is the URL of an article already stored
-- from another feed is not stored again; this index finds that article.
CREATE INDEX articles_url ON articles(url);

-- The other feeds that listed an article stored under the first (articles.feed_id), so
-- "what did this feed carry" still has every answer.
CREATE TABLE article_listings (
	article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
	feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
	listed_at TEXT NOT NULL,          -- when this feed's poll found it
	PRIMARY KEY (article_id, feed_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX article_listings_feed ON article_listings(feed_id);
