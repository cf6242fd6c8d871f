//! `tenantpilot graph-sim`: the Graph simulator as a process of its own, for demos and
//! manual tests. Needs no database; prints where it listens and how to log in.

use std::net::SocketAddr;

use anyhow::Context;

use super::GraphSimArgs;
use crate::graph_sim::{GraphSimulator, SimConfig};

pub async fn run(args: &GraphSimArgs) -> anyhow::Result<()> {
    let config = match &args.config {
        Some(path) => SimConfig::from_file(path)?,
        None => SimConfig::demo(),
    };
    let bind = SocketAddr::new(args.bind, args.port);
    let simulator = GraphSimulator::start(config, bind)
        .await
        .with_context(|| format!("cannot start the Graph simulator on {bind}"))?;
    // deliberately on stdout: what a newcomer copies into TENANTPILOT_GRAPH_URL and a tenant
    println!("Graph simulator listening");
    println!("  TENANTPILOT_GRAPH_URL={}", simulator.graph_url());
    println!("  TENANTPILOT_LOGIN_URL={}", simulator.login_url());
    for tenant in simulator.handle().tenants() {
        let objects: usize = tenant.counts.values().sum();
        println!(
            "tenant {} ({objects} objects)",
            tenant.display_name.as_deref().unwrap_or("unnamed")
        );
        println!("  azure_tenant_id: {}", tenant.azure_tenant_id);
        println!("  client_id:       {}", tenant.client_id);
        println!("  client_secret:   {}", tenant.client_secret);
    }
    println!(
        "stats: GET {0}/_sim/stats; change content: POST {0}/_sim/tenants/<id>/mutate",
        simulator.graph_url()
    );
    simulator.run_until(stop_signal()).await;
    Ok(())
}

async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {},
                _ = terminate.recv() => {},
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
