//! The command line: `serve`, `migrate`, `projections rebuild`, `openapi`.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Serve,
    Migrate,
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
        [] => Err(UsageError("no command given".to_owned())),
        _ => Err(UsageError(format!("unknown command: {}", words.join(" ")))),
    }
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
}
