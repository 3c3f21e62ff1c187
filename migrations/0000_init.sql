CREATE TABLE `device_users` (
	`dongle_id` text NOT NULL,
	`user_id` text NOT NULL,
	`permission` text DEFAULT 'read' NOT NULL,
	`created_at` integer DEFAULT (unixepoch()) NOT NULL,
	PRIMARY KEY(`dongle_id`, `user_id`),
	FOREIGN KEY (`dongle_id`) REFERENCES `devices`(`dongle_id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `device_users_user_idx` ON `device_users` (`user_id`);--> statement-breakpoint
CREATE TABLE `devices` (
	`dongle_id` text PRIMARY KEY NOT NULL,
	`serial` text,
	`imei` text,
	`imei2` text,
	`public_key` text NOT NULL,
	`key_algorithm` text NOT NULL,
	`owner_id` text,
	`is_paired` integer DEFAULT false NOT NULL,
	`ever_paired` integer DEFAULT false NOT NULL,
	`alias` text,
	`device_type` text,
	`openpilot_version` text,
	`last_seen` integer,
	`last_athena_ping` integer,
	`blocked` integer DEFAULT false NOT NULL,
	`ignore_uploads` integer DEFAULT false NOT NULL,
	`created_at` integer DEFAULT (unixepoch()) NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `devices_public_key_unique` ON `devices` (`public_key`);--> statement-breakpoint
CREATE INDEX `devices_serial_idx` ON `devices` (`serial`);--> statement-breakpoint
CREATE INDEX `devices_owner_idx` ON `devices` (`owner_id`);--> statement-breakpoint
CREATE TABLE `login_failures` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`subject` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `login_failures_subject_at_idx` ON `login_failures` (`subject`,`at`);--> statement-breakpoint
CREATE TABLE `refresh_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`family_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	`revoked_at` integer,
	`created_at` integer DEFAULT (unixepoch()) NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `refresh_tokens_hash_unique` ON `refresh_tokens` (`token_hash`);--> statement-breakpoint
CREATE INDEX `refresh_tokens_family_idx` ON `refresh_tokens` (`family_id`);--> statement-breakpoint
CREATE TABLE `routes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`dongle_id` text NOT NULL,
	`log_id` text NOT NULL,
	`fullname` text NOT NULL,
	`create_time` integer DEFAULT (unixepoch()) NOT NULL,
	`start_time_ms` integer,
	`end_time_ms` integer,
	`start_lat` real,
	`start_lng` real,
	`end_lat` real,
	`end_lng` real,
	`distance_miles` real,
	`maxqlog` integer DEFAULT -1 NOT NULL,
	`procqlog` integer DEFAULT -1 NOT NULL,
	`maxlog` integer DEFAULT -1 NOT NULL,
	`maxqcamera` integer DEFAULT -1 NOT NULL,
	`maxcamera` integer DEFAULT -1 NOT NULL,
	`maxecamera` integer DEFAULT -1 NOT NULL,
	`maxdcamera` integer DEFAULT -1 NOT NULL,
	`version` text,
	`git_branch` text,
	`git_commit` text,
	`git_commit_date` text,
	`git_dirty` integer,
	`git_remote` text,
	`platform` text,
	`make` text,
	`vin` text,
	`device_type` text,
	`is_public` integer DEFAULT false NOT NULL,
	`is_preserved` integer DEFAULT false NOT NULL,
	`deleted_at` integer,
	FOREIGN KEY (`dongle_id`) REFERENCES `devices`(`dongle_id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `routes_fullname_unique` ON `routes` (`fullname`);--> statement-breakpoint
CREATE INDEX `routes_dongle_create_idx` ON `routes` (`dongle_id`,`create_time`);--> statement-breakpoint
CREATE INDEX `routes_dongle_start_idx` ON `routes` (`dongle_id`,`start_time_ms`);--> statement-breakpoint
CREATE TABLE `segments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`dongle_id` text NOT NULL,
	`log_id` text NOT NULL,
	`number` integer NOT NULL,
	`state` text DEFAULT 'pending' NOT NULL,
	`fail_reason` text,
	`start_time_ms` integer,
	`end_time_ms` integer,
	`has_qlog` integer DEFAULT false NOT NULL,
	`has_rlog` integer DEFAULT false NOT NULL,
	`has_qcamera` integer DEFAULT false NOT NULL,
	`has_fcamera` integer DEFAULT false NOT NULL,
	`has_ecamera` integer DEFAULT false NOT NULL,
	`has_dcamera` integer DEFAULT false NOT NULL,
	`qcamera_duration` real,
	`updated_at` integer DEFAULT (unixepoch()) NOT NULL,
	FOREIGN KEY (`dongle_id`) REFERENCES `devices`(`dongle_id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `segments_route_number_unique` ON `segments` (`dongle_id`,`log_id`,`number`);--> statement-breakpoint
CREATE TABLE `uploaded_files` (
	`key` text PRIMARY KEY NOT NULL,
	`dongle_id` text NOT NULL,
	`log_id` text,
	`segment` integer,
	`file_name` text NOT NULL,
	`kind` text NOT NULL,
	`size` integer NOT NULL,
	`etag` text,
	`uploaded_at` integer DEFAULT (unixepoch()) NOT NULL,
	`state` text DEFAULT 'pending' NOT NULL,
	`fail_reason` text,
	FOREIGN KEY (`dongle_id`) REFERENCES `devices`(`dongle_id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `uploaded_files_route_idx` ON `uploaded_files` (`dongle_id`,`log_id`,`segment`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`name` text,
	`password_hash` text NOT NULL,
	`role` text DEFAULT 'user' NOT NULL,
	`created_at` integer DEFAULT (unixepoch()) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);