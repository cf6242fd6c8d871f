-- The audit feed's filters by actor and correlation id (`GET /api/v1/events?actor=` and
-- `?correlation_id=`): each an expression index with the position, so a filtered page is an
-- index range read in feed order (`... = $x AND position > $after ORDER BY position LIMIT n`)
-- rather than a walk over the whole log. The expressions must stay exactly as the feed's
-- queries spell them (src/store/feed.rs) for the planner to match them.
CREATE INDEX events_actor_position ON events ((metadata ->> 'actor'), position);
CREATE INDEX events_correlation_position ON events ((metadata ->> 'correlation_id'), position);
