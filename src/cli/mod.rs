//! The command line (clap): what the binary accepts. Carrying a command out is in `run`;
//! settings stay in the environment (`config::Settings::from_env`), documented in
//! `environment`.

mod environment;
mod graph_sim;
mod restore;
mod run;
mod tokens;

use chrono::{DateTime, Utc};
use clap::{CommandFactory, Parser, Subcommand};
use uuid::Uuid;

use crate::domain::token::{Grant, InvalidGrant, Role, TokenName};

pub use environment::ENVIRONMENT_HELP;
pub use run::{run, run_offline};

#[derive(Debug, Parser)]
#[command(
    name = "tenantpilot",
    version,
    about = "Scheduled, immutable, tenant-scoped backups of Microsoft Intune configuration",
    after_help = "Configuration is read from the environment: `tenantpilot serve --help` lists \
                  the variables."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Run the API, the dispatcher and the consumers (which ones: TENANTPILOT_ROLES)
    #[command(after_help = ENVIRONMENT_HELP)]
    Serve {
        /// Make up a secret key (if none is set) and an admin token, and print the token
        #[arg(long)]
        demo: bool,
    },
    /// Create the database if needed and apply migrations, then exit
    Migrate,
    /// Run one dispatcher tick and print the slots claimed and skipped as JSON
    Dispatch {
        /// The instant to tick at, RFC 3339 (default: now)
        #[arg(long, value_name = "T", value_parser = parse_instant)]
        at: Option<DateTime<Utc>>,
    },
    /// Read-model maintenance
    #[command(subcommand)]
    Projections(ProjectionsCommand),
    /// API tokens
    #[command(subcommand)]
    Tokens(TokensCommand),
    /// The key that seals tenant secrets at rest
    #[command(subcommand)]
    Secrets(SecretsCommand),
    /// Backup set maintenance
    #[command(subcommand)]
    Backups(BackupsCommand),
    /// Print the OpenAPI document
    Openapi,
    /// Run the Graph simulator (Microsoft login and Graph beta for synthetic tenants) for
    /// demos and manual tests; prints its URLs and the tenants' credentials
    GraphSim(GraphSimArgs),
    /// Tamper evidence for the event log: verify its hash chain, record an anchor
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Restores through a running service's API (token: TENANTPILOT_API_TOKEN): plan a
    /// backup set back into a tenant, apply the plan, show a restore
    #[command(subcommand)]
    Restore(RestoreCommand),
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum RestoreCommand {
    /// Plan a restore (a dry run: nothing is written to Graph) and print it as JSON
    Plan(RestorePlanArgs),
    /// Apply a planned restore (admins) and print it as JSON; exit 1 when it ends partial
    /// or failed (with --wait)
    Apply(RestoreTarget),
    /// Print a restore with its items as JSON
    Show(RestoreTarget),
}

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct RestorePlanArgs {
    /// The service's base URL
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:8080")]
    pub api_url: String,
    /// The tenant written into
    #[arg(long, value_name = "ID")]
    pub tenant: Uuid,
    /// The backup set restored from (of this tenant or another one)
    #[arg(long, value_name = "SET_ID")]
    pub from_set: Uuid,
    /// A policy type to restore (repeat for several; none and no --item: the whole set)
    #[arg(long = "type", value_name = "KEY")]
    pub types: Vec<String>,
    /// An item of the set to restore (repeat for several)
    #[arg(long = "item", value_name = "ITEM_ID")]
    pub items: Vec<Uuid>,
    /// Across tenants: SOURCE_GROUP_ID=TARGET_GROUP_ID (repeat)
    #[arg(long = "map-group", value_name = "SRC=DST")]
    pub map_groups: Vec<String>,
    /// Across tenants: map the other assigned groups to the target group of the same
    /// display name (needs Group.Read.All in both tenants)
    #[arg(long)]
    pub match_groups_by_name: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct RestoreTarget {
    /// The service's base URL
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:8080")]
    pub api_url: String,
    /// The tenant written into
    #[arg(long, value_name = "ID")]
    pub tenant: Uuid,
    /// The restore's id
    pub restore: Uuid,
    /// Wait until the restore finishes (apply only)
    #[arg(long)]
    pub wait: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum AuditCommand {
    /// Check the event log's hash chain and anchors (after the last verified position, or
    /// all of it with --full); print the report as JSON; exit 1 when it is broken
    Verify {
        /// Check the whole log, not only what the last successful run did not
        #[arg(long)]
        full: bool,
    },
    /// Record an anchor of the log's head now (unless nothing was written since the last
    /// one); print it as JSON
    Anchor,
}

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct GraphSimArgs {
    /// The port to listen on (0 picks a free one)
    #[arg(long, default_value_t = 9100)]
    pub port: u16,
    /// The address to listen on
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// A simulator configuration (JSON, see examples/graph-sim.json; default: the demo tenant)
    #[arg(long, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum ProjectionsCommand {
    /// Rebuild every read model from the event log in one transaction, then exit
    Rebuild,
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum BackupsCommand {
    /// Purge backup sets soft-deleted more than N days ago (and the content no other set
    /// uses), print what was removed as JSON, then exit
    Purge {
        /// Days since the soft delete (default: TENANTPILOT_PURGE_AFTER_DAYS)
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=3650))]
        older_than_days: Option<u32>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum TokensCommand {
    /// Issue an API token and print it (with its id) as JSON
    Create(CreateToken),
}

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct CreateToken {
    /// admin, operator, auditor or viewer
    #[arg(long, value_parser = parse_role)]
    pub role: Role,
    /// A tenant the token may see (repeat for several; none: every tenant)
    #[arg(long = "tenant", value_name = "ID", value_parser = parse_tenant_id)]
    pub tenants: Vec<Uuid>,
    /// A label for the token (default: "<role> (command line)")
    #[arg(long, value_parser = parse_token_name)]
    pub name: Option<TokenName>,
}

impl CreateToken {
    pub fn grant(&self) -> Result<Grant, InvalidGrant> {
        let tenants = (!self.tenants.is_empty()).then(|| self.tenants.clone());
        Grant::new(self.role, tenants)
    }

    pub fn name(&self) -> Result<TokenName, String> {
        match &self.name {
            Some(name) => Ok(name.clone()),
            None => TokenName::parse(&format!("{} (command line)", self.role)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum SecretsCommand {
    /// Print a new random key for TENANTPILOT_SECRET_KEY
    GenerateKey,
    /// Re-seal every tenant secret from TENANTPILOT_SECRET_KEY to TENANTPILOT_NEW_SECRET_KEY
    /// (all or nothing; safe to re-run)
    RotateKey,
}

/// Parses the process arguments. Prints help or the version and exits 0 when asked; prints
/// the problem and exits 2 on bad arguments.
pub fn parse() -> Command {
    try_parse_from(std::env::args_os()).unwrap_or_else(|error| error.exit())
}

/// Parses `args` (the first is the program name), arguments that only make sense together
/// included, so every usage error is reported the same way.
pub fn try_parse_from<I, T>(args: I) -> Result<Command, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let command = Cli::try_parse_from(args)?.command;
    if let Command::Tokens(TokensCommand::Create(create)) = &command {
        if let Err(invalid) = create.grant() {
            return Err(grant_error(invalid));
        }
    }
    Ok(command)
}

/// A role and tenants that do not fit together, said in terms of the options, with the
/// usage of `tokens create`.
fn grant_error(invalid: InvalidGrant) -> clap::Error {
    let message = match invalid {
        InvalidGrant::AdminWithTenants => {
            "an admin token sees every tenant: leave out --tenant".to_owned()
        }
        InvalidGrant::OperatorWithoutTenants => {
            "an operator token needs at least one --tenant".to_owned()
        }
        InvalidGrant::DuplicateTenant(id) => format!("--tenant {id} is given twice"),
        InvalidGrant::EmptyTenantList => invalid.to_string(),
    };
    let mut cli = Cli::command();
    cli.build(); // gives subcommands their full names for the usage line
    let create = cli
        .find_subcommand_mut("tokens")
        .and_then(|tokens| tokens.find_subcommand_mut("create"));
    match create {
        Some(create) => create.error(clap::error::ErrorKind::ArgumentConflict, message),
        None => Cli::command().error(clap::error::ErrorKind::ArgumentConflict, message),
    }
}

fn parse_instant(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|_| "--at must be an RFC 3339 instant such as 2026-03-29T01:30:00Z".to_owned())
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text).ok_or_else(|| "--role must be admin, operator, auditor or viewer".to_owned())
}

fn parse_tenant_id(text: &str) -> Result<Uuid, String> {
    Uuid::parse_str(text).map_err(|_| "--tenant must be a tenant id (a UUID)".to_owned())
}

fn parse_token_name(text: &str) -> Result<TokenName, String> {
    TokenName::parse(text)
}

#[cfg(test)]
mod tests {
    use clap::error::ErrorKind;

    use super::*;

    fn parse(text: &str) -> Result<Command, clap::Error> {
        try_parse_from(std::iter::once("tenantpilot").chain(text.split_whitespace()))
    }

    fn kind(text: &str) -> ErrorKind {
        parse(text).expect_err("a usage error").kind()
    }

    #[test]
    fn the_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_command_parses() {
        assert_eq!(parse("serve").unwrap(), Command::Serve { demo: false });
        assert_eq!(
            parse("serve --demo").unwrap(),
            Command::Serve { demo: true }
        );
        assert_eq!(parse("migrate").unwrap(), Command::Migrate);
        assert_eq!(
            parse("projections rebuild").unwrap(),
            Command::Projections(ProjectionsCommand::Rebuild)
        );
        assert_eq!(parse("openapi").unwrap(), Command::Openapi);
        assert_eq!(
            parse("graph-sim").unwrap(),
            Command::GraphSim(GraphSimArgs {
                port: 9100,
                bind: [127, 0, 0, 1].into(),
                config: None
            })
        );
        assert_eq!(
            parse("graph-sim --port 0 --bind 0.0.0.0 --config sim.json").unwrap(),
            Command::GraphSim(GraphSimArgs {
                port: 0,
                bind: [0, 0, 0, 0].into(),
                config: Some("sim.json".into())
            })
        );
        assert_eq!(kind("graph-sim --port x"), ErrorKind::ValueValidation);
        assert_eq!(
            parse("secrets generate-key").unwrap(),
            Command::Secrets(SecretsCommand::GenerateKey)
        );
        assert_eq!(
            parse("secrets rotate-key").unwrap(),
            Command::Secrets(SecretsCommand::RotateKey)
        );
        assert_eq!(
            parse("audit verify").unwrap(),
            Command::Audit(AuditCommand::Verify { full: false })
        );
        assert_eq!(
            parse("audit verify --full").unwrap(),
            Command::Audit(AuditCommand::Verify { full: true })
        );
        assert_eq!(
            parse("audit anchor").unwrap(),
            Command::Audit(AuditCommand::Anchor)
        );
        assert_eq!(kind("audit verify --fast"), ErrorKind::UnknownArgument);
    }

    #[test]
    fn tokens_create_takes_a_role_tenants_and_a_name() {
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let Command::Tokens(TokensCommand::Create(create)) = parse(&format!(
            "tokens create --role operator --tenant {a} --tenant {b} --name ci"
        ))
        .unwrap() else {
            panic!("not tokens create");
        };
        assert_eq!(create.role, Role::Operator);
        assert_eq!(create.tenants, [a, b]);
        assert_eq!(create.name().unwrap().as_str(), "ci");
        assert_eq!(
            create.grant().unwrap().scope().tenant_ids(),
            Some(&[a, b][..])
        );
    }

    #[test]
    fn a_token_name_defaults_to_the_role() {
        let Command::Tokens(TokensCommand::Create(create)) =
            parse("tokens create --role admin").unwrap()
        else {
            panic!("not tokens create");
        };
        assert_eq!(create.name().unwrap().as_str(), "admin (command line)");
    }

    #[test]
    fn bad_token_options_are_usage_errors() {
        let tenant = Uuid::new_v4();
        assert_eq!(
            kind(&format!("tokens create --tenant {tenant}")),
            ErrorKind::MissingRequiredArgument
        );
        assert_eq!(kind("tokens create --role"), ErrorKind::InvalidValue);
        assert_eq!(
            kind("tokens create --role root"),
            ErrorKind::ValueValidation
        );
        assert_eq!(
            kind("tokens create --role viewer --tenant nope"),
            ErrorKind::ValueValidation
        );
        // the role and the scope do not fit together
        assert_eq!(
            kind("tokens create --role operator"),
            ErrorKind::ArgumentConflict
        );
        assert_eq!(
            kind(&format!("tokens create --role admin --tenant {tenant}")),
            ErrorKind::ArgumentConflict
        );
        let twice = parse(&format!(
            "tokens create --role viewer --tenant {tenant} --tenant {tenant}"
        ))
        .unwrap_err();
        assert!(twice.to_string().contains("given twice"), "{twice}");
    }

    #[test]
    fn unknown_commands_and_options_are_usage_errors() {
        assert_eq!(kind("backup"), ErrorKind::InvalidSubcommand);
        assert_eq!(kind("serve --nope"), ErrorKind::UnknownArgument);
        assert_eq!(
            kind("projections"),
            ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
        );
        assert_eq!(
            kind(""),
            ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
        );
    }

    #[test]
    fn dispatch_takes_an_optional_rfc3339_instant() {
        assert_eq!(parse("dispatch").unwrap(), Command::Dispatch { at: None });
        let at = Some(
            DateTime::parse_from_rfc3339("2026-03-29T01:30:00Z")
                .unwrap()
                .with_timezone(&Utc),
        );
        assert_eq!(
            parse("dispatch --at 2026-03-29T03:30:00+02:00").unwrap(),
            Command::Dispatch { at }
        );
        assert_eq!(
            parse("dispatch --at=2026-03-29T01:30:00Z").unwrap(),
            Command::Dispatch { at }
        );
        let error = parse("dispatch --at tomorrow").unwrap_err();
        assert_eq!(error.kind(), ErrorKind::ValueValidation);
        assert!(error
            .to_string()
            .contains("--at must be an RFC 3339 instant"));
        assert_eq!(kind("dispatch --at"), ErrorKind::InvalidValue);
    }

    #[test]
    fn help_and_version_are_not_failures() {
        assert_eq!(kind("--help"), ErrorKind::DisplayHelp);
        assert_eq!(kind("serve --help"), ErrorKind::DisplayHelp);
        assert_eq!(kind("--version"), ErrorKind::DisplayVersion);
        assert_eq!(parse("--help").unwrap_err().exit_code(), 0);
        assert_eq!(parse("backup").unwrap_err().exit_code(), 2);
    }
}
