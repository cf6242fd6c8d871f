//! The command line: `serve`, `migrate`, `projections rebuild`, `openapi`.

use std::fmt;

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Serve,
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
  serve                  run the API and the background workers (configured by environment)
  migrate                create the database if needed and apply migrations, then exit
  dispatch [--at T]      one dispatcher tick at RFC 3339 instant T (default now); prints a
                         JSON summary of the slots claimed and skipped
  projections rebuild    rebuild every read model from the event log, then exit
  openapi                print the OpenAPI document

Configuration is read from the environment; see README.md.";

pub fn parse(args: &[String]) -> Result<Command, UsageError> {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["serve"] => Ok(Command::Serve),
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
        assert_eq!(parse(&args("serve")), Ok(Command::Serve));
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
