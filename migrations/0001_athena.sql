CREATE TABLE `pending_devices` (
	`dongle_id` text PRIMARY KEY NOT NULL,
	`public_key` text NOT NULL,
	`key_algorithm` text NOT NULL,
	`state` text DEFAULT 'pending' NOT NULL,
	`first_seen` integer DEFAULT (unixepoch()) NOT NULL,
	`last_seen` integer,
	`decided_by` text,
	`decided_at` integer,
	FOREIGN KEY (`decided_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `pending_devices_state_idx` ON `pending_devices` (`state`);--> statement-breakpoint
ALTER TABLE `devices` ADD `athena_online` integer DEFAULT false NOT NULL;