CREATE TABLE `import_upload_parts` (
	`upload_id` text NOT NULL,
	`part_number` integer NOT NULL,
	`etag` text NOT NULL,
	`size` integer NOT NULL,
	`received_at` integer DEFAULT (unixepoch()) NOT NULL,
	PRIMARY KEY(`upload_id`, `part_number`),
	FOREIGN KEY (`upload_id`) REFERENCES `import_uploads`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `import_uploads` (
	`id` text PRIMARY KEY NOT NULL,
	`dongle_id` text NOT NULL,
	`user_id` text NOT NULL,
	`path` text NOT NULL,
	`object_key` text NOT NULL,
	`size` integer NOT NULL,
	`sha256` text NOT NULL,
	`chunk_size` integer NOT NULL,
	`chunk_count` integer NOT NULL,
	`r2_upload_id` text NOT NULL,
	`state` text DEFAULT 'open' NOT NULL,
	`lease_until` integer,
	`fail_reason` text,
	`created_at` integer DEFAULT (unixepoch()) NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `import_uploads_live_file_unique` ON `import_uploads` (`dongle_id`,`object_key`,`size`,`sha256`) WHERE state IN ('open', 'completing');--> statement-breakpoint
CREATE INDEX `import_uploads_expires_idx` ON `import_uploads` (`expires_at`);