//! Integration tests: the real service against a real PostgreSQL, one database per test.

mod auth;
mod auth_matrix;
mod bad_input;
mod cli;
mod cors;
mod event_store;
mod events;
mod graph_client;
mod graph_sim;
mod graph_world;
mod helpers;
mod idempotency;
mod load;
mod metrics;
mod openapi;
mod policies;
mod projections;
mod run_execution;
mod runs;
mod scheduler;
mod schedules;
mod serve;
mod tenant_deletion;
mod tenants;
mod workers;
mod write_visibility;
