-- Hand-written (drizzle-kit generate --custom): the FTS5 index over places for /api/v1/maps/geocode.
-- External content (content='places'), so the text lives once, in places; triggers keep the index in step, and
-- `INSERT INTO places_fts(places_fts) VALUES ('rebuild')` recreates it from places at any time.
-- remove_diacritics 2 lets "sao paulo" find "São Paulo"; prefix queries ("par"*) need no extra prefix index at this size.
CREATE VIRTUAL TABLE `places_fts` USING fts5(name, ascii_name, province, country, content='places', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
--> statement-breakpoint
CREATE TRIGGER `places_fts_ai` AFTER INSERT ON `places` BEGIN
  INSERT INTO places_fts(rowid, name, ascii_name, province, country) VALUES (new.id, new.name, new.ascii_name, new.province, new.country);
END;
--> statement-breakpoint
CREATE TRIGGER `places_fts_ad` AFTER DELETE ON `places` BEGIN
  INSERT INTO places_fts(places_fts, rowid, name, ascii_name, province, country) VALUES ('delete', old.id, old.name, old.ascii_name, old.province, old.country);
END;
--> statement-breakpoint
CREATE TRIGGER `places_fts_au` AFTER UPDATE ON `places` BEGIN
  INSERT INTO places_fts(places_fts, rowid, name, ascii_name, province, country) VALUES ('delete', old.id, old.name, old.ascii_name, old.province, old.country);
  INSERT INTO places_fts(rowid, name, ascii_name, province, country) VALUES (new.id, new.name, new.ascii_name, new.province, new.country);
END;
