-- geotrack schema 7: each feed's last stored items by their bytes.
-- When a feed is polled again, the items whose bytes (and the start tags around them,
-- and the feed's URL) are the same as last time are cut out of the document before it
-- is parsed: libxml2 and the walk read only the new ones. The pairs stored here say what
-- those items were: a 64-bit hash of the bytes in context and the hash of the item's key
-- (as item_keys holds it), 16 bytes per item in the host's byte order, sorted by the
-- first. Kept beside item_keys so a restarted daemon or a `geotrackd --once` run parses a
-- feed it has seen as little as a running one; NULL parses everything once.
ALTER TABLE feeds ADD COLUMN item_spans BLOB;
