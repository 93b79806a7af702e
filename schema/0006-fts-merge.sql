-- geotrack schema 6: full-text segments merged 32 at a time rather than 16.
--
-- Each ingest writes its articles' entries as one new segment; FTS5 merges a level once
-- it holds `automerge` segments, doing a little of that work with every write in
-- proportion to the number of levels. Merging 32 at a time keeps one level fewer at
-- these sizes and rewrites each entry less often: 6% fewer instructions in the store at
-- 30,000 articles, 4% less CPU at 50,000 (scripts/bench db). A query reads at most 32
-- segments per level instead of 16; the README's full-text question stays under a
-- millisecond on a million events. crisismerge (a whole level merged at once, a stall
-- of the ingest that triggers it) stays four times automerge, as in schema 4.
INSERT INTO articles_fts(articles_fts, rank) VALUES ('automerge', 32);
INSERT INTO articles_fts(articles_fts, rank) VALUES ('crisismerge', 128);
