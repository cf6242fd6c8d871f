//! Fault tests: the service as separate processes, killed with SIGKILL, run three at once on
//! one database, its PostgreSQL restarted under load, and every Graph fault the simulator
//! can inject. A binary of its own because one of them stops the shared PostgreSQL server:
//! cargo runs test binaries one after another, and [`serial`] keeps these tests apart.

#[allow(dead_code)]
#[path = "../api/graph_world.rs"]
mod graph_world;
#[allow(dead_code)]
#[path = "../api/helpers.rs"]
mod helpers;

mod graph_fault_matrix;
mod invariants;
mod kill9;
mod pg_restart;
mod restore_kill9;
mod service;
mod three_instances;

/// Held by every test of this binary for its whole run: the PostgreSQL restart must not
/// hit another test's service, and each test wants the machine's two cores to itself.
pub async fn serial() -> tokio::sync::MutexGuard<'static, ()> {
    static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    SERIAL.lock().await
}
