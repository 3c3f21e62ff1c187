ALTER TABLE `routes` ADD `engaged_ms` integer;--> statement-breakpoint
ALTER TABLE `routes` ADD `alert_count` integer;--> statement-breakpoint
ALTER TABLE `routes` ADD `user_flag_count` integer;--> statement-breakpoint
ALTER TABLE `routes` ADD `engagement_count` integer;--> statement-breakpoint
ALTER TABLE `routes` ADD `disengagement_count` integer;