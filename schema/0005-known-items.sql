-- geotrack schema 5: the item keys of each feed's last stored document.
-- A news feed repeats most of its items on every poll. With the hashes of the keys it
-- stored last time (64-bit FNV-1a, sorted, 8 bytes each in the host's byte order), a
-- restarted daemon or a `geotrackd --once` run skips those items without a lookup. A
-- hash that matches nothing costs only the lookup it would have made anyway.
ALTER TABLE feeds ADD COLUMN item_keys BLOB;
