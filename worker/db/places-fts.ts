/**
 * The place search index (`places_fts`, FTS5) is derived data: everything in it comes from the plain `places` table,
 * and `rebuild` recreates it from there at any time. Backups leave it out (D1's export refuses databases with
 * virtual tables, docs/backup.md), so the restore, the map loaders and the geocoder itself (when it finds the index
 * missing) create it with these statements. Same definition as migrations/0003_maps_fts.sql; all idempotent.
 * External content (content='places'): the text lives once, in places; the triggers keep the index in step.
 */
export const PLACES_FTS_TABLE = "places_fts";

export const PLACES_FTS_DDL: readonly string[] = [
  "CREATE VIRTUAL TABLE IF NOT EXISTS `places_fts` USING fts5(name, ascii_name, province, country, content='places', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
  `CREATE TRIGGER IF NOT EXISTS \`places_fts_ai\` AFTER INSERT ON \`places\` BEGIN
  INSERT INTO places_fts(rowid, name, ascii_name, province, country) VALUES (new.id, new.name, new.ascii_name, new.province, new.country);
END`,
  `CREATE TRIGGER IF NOT EXISTS \`places_fts_ad\` AFTER DELETE ON \`places\` BEGIN
  INSERT INTO places_fts(places_fts, rowid, name, ascii_name, province, country) VALUES ('delete', old.id, old.name, old.ascii_name, old.province, old.country);
END`,
  `CREATE TRIGGER IF NOT EXISTS \`places_fts_au\` AFTER UPDATE ON \`places\` BEGIN
  INSERT INTO places_fts(places_fts, rowid, name, ascii_name, province, country) VALUES ('delete', old.id, old.name, old.ascii_name, old.province, old.country);
  INSERT INTO places_fts(rowid, name, ascii_name, province, country) VALUES (new.id, new.name, new.ascii_name, new.province, new.country);
END`,
];

/** Refills the index from `places` (after a restore, or when the triggers were not there while places changed). */
export const PLACES_FTS_REBUILD = "INSERT INTO places_fts(places_fts) VALUES ('rebuild')";

/**
 * Removes the index and its triggers. Only for backups: D1's remote export refuses a database holding any virtual
 * table, even with `--table` (workers-sdk #6305, #9519), so `npm run backup` drops it, exports, and rebuilds it.
 */
export const PLACES_FTS_DROP: readonly string[] = [
  "DROP TRIGGER IF EXISTS `places_fts_ai`",
  "DROP TRIGGER IF EXISTS `places_fts_ad`",
  "DROP TRIGGER IF EXISTS `places_fts_au`",
  "DROP TABLE IF EXISTS `places_fts`",
];
