//! Integration tests: the real service against a real PostgreSQL, one database per test.

mod auth;
mod auth_matrix;
mod bad_input;
mod cli;
mod cors;
mod event_store;
mod events;
mod graph_sim;
mod helpers;
mod idempotency;
mod load;
mod metrics;
mod openapi;
mod projections;
mod runs;
mod scheduler;
mod schedules;
mod serve;
mod tenant_deletion;
mod tenants;
mod write_visibility;
