CREATE TABLE `places` (
	`id` integer PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`ascii_name` text NOT NULL,
	`province` text DEFAULT '' NOT NULL,
	`country` text DEFAULT '' NOT NULL,
	`iso2` text DEFAULT '' NOT NULL,
	`lat` real NOT NULL,
	`lng` real NOT NULL,
	`population` integer DEFAULT 0 NOT NULL,
	`source` text DEFAULT 'naturalearth' NOT NULL
);
--> statement-breakpoint
CREATE INDEX `places_lat_lng_idx` ON `places` (`lat`,`lng`);--> statement-breakpoint
CREATE INDEX `places_source_idx` ON `places` (`source`);