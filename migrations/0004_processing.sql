CREATE TABLE `file_processing` (
	`key` text PRIMARY KEY NOT NULL,
	`info` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`processed_at` integer
);
--> statement-breakpoint
CREATE TABLE `segment_qlogs` (
	`dongle_id` text NOT NULL,
	`log_id` text NOT NULL,
	`number` integer NOT NULL,
	`etag` text NOT NULL,
	`meta` text NOT NULL,
	`processed_at` integer DEFAULT (unixepoch()) NOT NULL,
	PRIMARY KEY(`dongle_id`, `log_id`, `number`)
);
