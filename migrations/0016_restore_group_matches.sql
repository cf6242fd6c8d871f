-- A restore across tenants may look source groups up by display name in the target
-- (`match_groups_by_name`); how each was matched, or why not, is part of the plan.
ALTER TABLE restores ADD COLUMN group_matches jsonb NOT NULL DEFAULT '[]';
