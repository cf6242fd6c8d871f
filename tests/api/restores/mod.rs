//! Restores over real HTTP: the service plans against the Graph simulator's live tenant,
//! a worker writes through Graph's write endpoints, and the target is read back.

mod bad_input;
mod cli;
mod conditional_access;
mod further_types;
mod group_names;
mod items;
mod roles;
mod round_trip;
mod selection;
mod world;
