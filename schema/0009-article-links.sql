-- geotrack schema 9: an article that several feeds list is stored once.
-- An outlet lists one article in several of its feeds (world, top stories, a region).
-- Stored under each feed, it was coded once per feed, and its events were counted as
-- reported by as many articles (num_mentions, num_articles), where GDELT counts one
-- document per URL. A new item whose own link is the URL of an article already stored
-- from another feed is not stored again; this index finds that article.
CREATE INDEX articles_url ON articles(url);
