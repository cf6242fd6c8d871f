//! The environment variables the service reads, as `tenantpilot serve --help` shows them.
//! Tests hold this list, README's configuration table and `Settings::from_lookup` together.

/// Shown after `serve --help`; keep in step with README.md's "Configuration" table (a test
/// compares the two).
pub const ENVIRONMENT_HELP: &str = "\
Environment (validated at start-up; default in brackets):
  DATABASE_URL [postgres://postgres@127.0.0.1:5432/tenantpilot]
      the database; created if missing, migrated at start-up
  TENANTPILOT_DB_POOL_SIZE [16]
      connections in the pool
  TENANTPILOT_DB_POOL_TIMEOUT_MS [2000]
      how long a request waits for a pooled connection before answering 503
  TENANTPILOT_WRITE_VISIBILITY_TIMEOUT_MS [5000]
      how long a write waits for the read models to show it
  TENANTPILOT_BIND [127.0.0.1:8080]
      HTTP listen address (port 0 picks a free port)
  TENANTPILOT_ROLES [api,dispatcher,worker,consumers,webhooks]
      which parts this process runs
  TENANTPILOT_CORS_ORIGINS [none: no CORS headers]
      comma-separated browser origins allowed to call the API, e.g. https://admin.example.com
  TENANTPILOT_SECRET_KEY [none; required, except with --demo]
      32-byte key, base64, that seals tenant secrets
  TENANTPILOT_NEW_SECRET_KEY [none]
      the new key, for `secrets rotate-key` only
  TENANTPILOT_ADMIN_TOKEN [none; --demo makes one up]
      a value (16+ characters) accepted as an admin token
  TENANTPILOT_GRAPH_URL [https://graph.microsoft.com]
      Microsoft Graph base URL
  TENANTPILOT_LOGIN_URL [https://login.microsoftonline.com]
      token authority
  TENANTPILOT_WORKERS [4]
      runs a process executes at once (role worker)
  TENANTPILOT_RESTORE_APPROVALS [1]
      admins who must agree to apply a restore, the applier included (1 to 5)
  TENANTPILOT_LEASE_SECONDS [60]
      how long a worker's claim on a run lasts without a heartbeat
  TENANTPILOT_WORKER_POLL_MS [1000]
      how often an idle worker looks for queued runs
  TENANTPILOT_GRAPH_CONCURRENCY_PER_TENANT [4]
      Graph requests in flight at once for one tenant
  TENANTPILOT_GRAPH_CONCURRENCY [32]
      Graph requests in flight at once over every tenant
  TENANTPILOT_GRAPH_REQUESTS_PER_20S [800]
      Graph requests one tenant may start per 20 seconds (Intune allows about 1,000)
  TENANTPILOT_GRAPH_WRITES_PER_20S [100]
      Graph writes (restore) one tenant may start per 20 seconds (Intune allows 100
      per app and tenant)
  TENANTPILOT_GRAPH_RETRY_WAIT_SECONDS [60]
      how long one Graph request may wait between retries in total (Intune's 429s
      come without Retry-After and its window is 20 seconds)
  TENANTPILOT_TICK_SECONDS [60]
      dispatcher tick interval; ticks align to its multiples
  TENANTPILOT_GRACE_SECONDS [300]
      a slot older than this when dispatched is skipped as missed
  TENANTPILOT_PROJECTOR_POLL_MS [500]
      how often consumers (and the webhook sender) look for work of other instances
  TENANTPILOT_PURGE_AFTER_DAYS [30]
      days after its soft delete that a backup set is purged for good (role consumers)
  TENANTPILOT_WEBHOOK_ALLOW_PRIVATE [0]
      1: webhook URLs may point at loopback, private and link-local addresses (--demo sets it)
  TENANTPILOT_WEBHOOK_TIMEOUT_MS [10000]
      how long one webhook attempt may take, connection to last byte
  TENANTPILOT_WEBHOOK_CONCURRENCY [64]
      webhook attempts in flight at once in this process (role webhooks)
  TENANTPILOT_WEBHOOK_CONCURRENCY_PER_ENDPOINT [8]
      webhook attempts in flight at once to one endpoint
  TENANTPILOT_WEBHOOK_LOG_DAYS [30]
      days finished webhook messages and their attempts are kept
  TENANTPILOT_AUDIT_ANCHOR_SECONDS [3600]
      how often the event log's head is anchored for tamper evidence (role consumers)
  TENANTPILOT_LOG_FORMAT [pretty]
      pretty or json
  RUST_LOG [info]
      log filter (tracing EnvFilter syntax)";

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::BTreeSet;

    use clap::CommandFactory;

    use super::super::Cli;
    use crate::config::Settings;

    /// Lines that start with an environment variable's name (capitals, digits, `_`).
    fn variable_names(text: &str) -> BTreeSet<String> {
        text.lines()
            .filter_map(|line| line.split_whitespace().next())
            .filter(|word| {
                word.contains('_')
                    && word
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            })
            .map(str::to_owned)
            .collect()
    }

    fn serve_help() -> String {
        let mut cli = Cli::command();
        let serve = cli
            .find_subcommand_mut("serve")
            .expect("serve is a command");
        serve.render_long_help().to_string()
    }

    /// The first column of README.md's table under "## Configuration".
    fn readme_variables() -> BTreeSet<String> {
        let readme = include_str!("../../README.md");
        let section = readme
            .split("\n## Configuration\n")
            .nth(1)
            .expect("README has a Configuration section");
        let section = section.split("\n## ").next().unwrap_or(section);
        section
            .lines()
            .filter_map(|line| line.strip_prefix("| `"))
            .filter_map(|rest| rest.split('`').next())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn serve_help_and_the_readme_list_the_same_variables() {
        let help = variable_names(&serve_help());
        let readme = readme_variables();
        assert!(help.contains("DATABASE_URL"), "serve --help lists {help:?}");
        assert_eq!(
            help.difference(&readme).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "in serve --help but not in README's Configuration table"
        );
        assert_eq!(
            readme.difference(&help).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "in README's Configuration table but not in serve --help"
        );
    }

    #[test]
    fn every_variable_the_settings_read_is_documented() {
        let read = RefCell::new(BTreeSet::new());
        Settings::from_lookup(|name| {
            read.borrow_mut().insert(name.to_owned());
            None
        })
        .expect("defaults are valid");
        let documented = variable_names(super::ENVIRONMENT_HELP);
        let undocumented: Vec<_> = read.borrow().difference(&documented).cloned().collect();
        assert!(undocumented.is_empty(), "undocumented: {undocumented:?}");
    }
}
