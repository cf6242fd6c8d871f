//! TenantPilot: scheduled, immutable, tenant-scoped backups of Microsoft Intune configuration.

pub mod api;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod cli;
pub mod clock;
pub mod config;
pub mod console;
pub mod cors;
pub mod db;
pub mod demo;
pub mod domain;
pub mod graph;
pub mod graph_sim;
pub mod notifications;
pub mod projections;
pub mod restore;
pub mod scheduler;
pub mod secrets;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod webhooks;
