//! The command line: `serve`, `migrate`, `projections rebuild`, `openapi`.

use std::fmt;

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Serve {
        demo: bool,
    },
    /// `tokens create --role R [--tenant ID]... [--name N]`
    CreateToken {
        role: String,
        tenants: Vec<String>,
        name: String,
    },
    /// `secrets rotate-key`: re-seal every secret under TENANTPILOT_NEW_SECRET_KEY.
    RotateSecretKey,
    /// `secrets generate-key`: print a new random key.
    GenerateSecretKey,
    Migrate,
    /// One dispatcher tick, as if now were `at` (default: now).
    Dispatch {
        at: Option<DateTime<Utc>>,
    },
    RebuildProjections,
    PrintOpenApi,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\n\n{USAGE}", self.0)
    }
}

pub const USAGE: &str = "usage: tenantpilot <command>

commands:
  serve [--demo]         run the API and the background workers (configured by environment);
                         --demo makes up a secret key and prints an admin token if none is set
  tokens create --role R [--tenant ID]... [--name N]
                         issue an API token (admin, operator, auditor, viewer) and print it
  secrets generate-key   print a new random TENANTPILOT_SECRET_KEY
  secrets rotate-key     re-seal every tenant secret from TENANTPILOT_SECRET_KEY to
                         TENANTPILOT_NEW_SECRET_KEY (all or nothing; safe to re-run)
  migrate                create the database if needed and apply migrations, then exit
  dispatch [--at T]      one dispatcher tick at RFC 3339 instant T (default now); prints a
                         JSON summary of the slots claimed and skipped
  projections rebuild    rebuild every read model from the event log, then exit
  openapi                print the OpenAPI document

Configuration is read from the environment; see README.md.";

pub fn parse(args: &[String]) -> Result<Command, UsageError> {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["serve"] => Ok(Command::Serve { demo: false }),
        ["serve", "--demo"] => Ok(Command::Serve { demo: true }),
        ["secrets", "rotate-key"] => Ok(Command::RotateSecretKey),
        ["secrets", "generate-key"] => Ok(Command::GenerateSecretKey),
        ["tokens", "create", options @ ..] => parse_token_options(options),
        ["migrate"] => Ok(Command::Migrate),
        ["projections", "rebuild"] => Ok(Command::RebuildProjections),
        ["openapi"] => Ok(Command::PrintOpenApi),
        ["dispatch"] => Ok(Command::Dispatch { at: None }),
        ["dispatch", "--at", at] => parse_instant(at),
        ["dispatch", option] if option.starts_with("--at=") => parse_instant(&option[5..]),
        [] => Err(UsageError("no command given".to_owned())),
        _ => Err(UsageError(format!("unknown command: {}", words.join(" ")))),
    }
}

fn parse_token_options(options: &[&str]) -> Result<Command, UsageError> {
    let (mut role, mut tenants, mut name) = (None, Vec::new(), None);
    let mut rest = options.iter();
    while let Some(option) = rest.next() {
        let value = rest
            .next()
            .ok_or_else(|| UsageError(format!("{option} needs a value")))?;
        match *option {
            "--role" => role = Some(value.to_string()),
            "--tenant" => tenants.push(value.to_string()),
            "--name" => name = Some(value.to_string()),
            other => return Err(UsageError(format!("unknown option {other}"))),
        }
    }
    let role = role.ok_or_else(|| UsageError("tokens create needs --role".to_owned()))?;
    Ok(Command::CreateToken {
        name: name.unwrap_or_else(|| format!("{role} (command line)")),
        role,
        tenants,
    })
}

fn parse_instant(text: &str) -> Result<Command, UsageError> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| Command::Dispatch {
            at: Some(at.with_timezone(&Utc)),
        })
        .map_err(|_| {
            UsageError(format!(
                "--at must be an RFC 3339 instant such as 2026-03-29T01:30:00Z, got {text:?}"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn known_commands_parse() {
        assert_eq!(parse(&args("serve")), Ok(Command::Serve { demo: false }));
        assert_eq!(
            parse(&args("serve --demo")),
            Ok(Command::Serve { demo: true })
        );
        assert_eq!(
            parse(&args(
                "tokens create --role operator --tenant a --tenant b --name ci"
            )),
            Ok(Command::CreateToken {
                role: "operator".into(),
                tenants: vec!["a".into(), "b".into()],
                name: "ci".into(),
            })
        );
        assert!(parse(&args("tokens create --tenant a")).is_err());
        assert!(parse(&args("tokens create --role")).is_err());
        assert_eq!(
            parse(&args("projections rebuild")),
            Ok(Command::RebuildProjections)
        );
    }

    #[test]
    fn unknown_commands_are_usage_errors() {
        assert!(parse(&args("projections")).is_err());
        assert!(parse(&args("serve --nope")).is_err());
        assert!(parse(&[]).is_err());
    }

    #[test]
    fn dispatch_takes_an_optional_rfc3339_instant() {
        assert_eq!(parse(&args("dispatch")), Ok(Command::Dispatch { at: None }));
        let at = DateTime::parse_from_rfc3339("2026-03-29T01:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            parse(&args("dispatch --at 2026-03-29T03:30:00+02:00")),
            Ok(Command::Dispatch { at: Some(at) })
        );
        assert_eq!(
            parse(&args("dispatch --at=2026-03-29T01:30:00Z")),
            Ok(Command::Dispatch { at: Some(at) })
        );
        assert!(parse(&args("dispatch --at tomorrow")).is_err());
        assert!(parse(&args("dispatch --at")).is_err());
    }
}
