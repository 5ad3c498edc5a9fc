//! Service definitions: a service name and the one check it carries,
//! written `NAME=CHECK` on the command line (`--register`) and in the body
//! of `PUT /v1/agent/service/register` (one definition per line):
//!
//! | `CHECK` | check |
//! |---|---|
//! | `tcp:IP:PORT` | passing when a TCP connection to `IP:PORT` opens |
//! | `http://IP:PORT/PATH` | passing on a 2xx answer to `GET /PATH`, warning on 429 |
//! | `alias:SERVICE` | mirrors the checks of `SERVICE` on this agent |
//!
//! The check's id is `service:NAME`, as consul names service checks.

use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;

/// A service and its check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    /// The service's name: letters, digits, `-`, `_` and `.`.
    pub service: String,
    /// What its check does.
    pub check: CheckKind,
}

/// What a check does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckKind {
    /// Connects to the address.
    Tcp(SocketAddr),
    /// `GET`s the path from the address.
    Http {
        /// Where the server listens.
        addr: SocketAddr,
        /// The request target, from `/`.
        path: String,
    },
    /// Mirrors the checks of another service on this agent.
    Alias(String),
}

impl Definition {
    /// The check's id: `service:NAME`.
    pub fn check_id(&self) -> String {
        format!("service:{}", self.service)
    }
}

impl CheckKind {
    /// `tcp`, `http` or `alias`.
    pub fn kind(&self) -> &'static str {
        match self {
            CheckKind::Tcp(_) => "tcp",
            CheckKind::Http { .. } => "http",
            CheckKind::Alias(_) => "alias",
        }
    }

    /// What it checks: an address, a URL or a service name.
    pub fn target(&self) -> String {
        match self {
            CheckKind::Tcp(addr) => addr.to_string(),
            CheckKind::Http { addr, path } => format!("http://{addr}{path}"),
            CheckKind::Alias(service) => service.clone(),
        }
    }
}

impl fmt::Display for Definition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.check {
            CheckKind::Tcp(addr) => write!(f, "{}=tcp:{addr}", self.service),
            CheckKind::Http { .. } => write!(f, "{}={}", self.service, self.check.target()),
            CheckKind::Alias(service) => write!(f, "{}=alias:{service}", self.service),
        }
    }
}

/// Why a definition was rejected; the message quotes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionError {
    text: String,
    reason: &'static str,
}

impl fmt::Display for DefinitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid service definition `{}`: {} (expected NAME=tcp:IP:PORT, NAME=http://IP:PORT/PATH or NAME=alias:SERVICE)",
            self.text, self.reason
        )
    }
}

impl std::error::Error for DefinitionError {}

impl FromStr for Definition {
    type Err = DefinitionError;

    fn from_str(text: &str) -> Result<Self, DefinitionError> {
        let bad = |reason| DefinitionError { text: text.to_owned(), reason };
        let (service, check) = text.trim().split_once('=').ok_or_else(|| bad("there is no `=`"))?;
        if !is_name(service) {
            return Err(bad("the service name is empty or has characters other than letters, digits, -, _ and ."));
        }
        let check = if let Some(addr) = check.strip_prefix("tcp:") {
            CheckKind::Tcp(addr.parse().map_err(|_| bad("the TCP address is not IP:PORT"))?)
        } else if let Some(rest) = check.strip_prefix("http://") {
            let (authority, path) = rest.find('/').map_or((rest, "/"), |at| rest.split_at(at));
            let addr = authority.parse().map_err(|_| bad("the HTTP URL does not start with http://IP:PORT"))?;
            CheckKind::Http { addr, path: path.to_owned() }
        } else if let Some(aliased) = check.strip_prefix("alias:") {
            if !is_name(aliased) {
                return Err(bad("the aliased service name is not a valid name"));
            }
            CheckKind::Alias(aliased.to_owned())
        } else {
            return Err(bad("the check is not tcp:, http:// or alias:"));
        };
        Ok(Definition { service: service.to_owned(), check })
    }
}

/// Parses a request body: one definition per line, blank lines ignored.
pub fn parse_lines(body: &str) -> Result<Vec<Definition>, DefinitionError> {
    body.lines().filter(|l| !l.trim().is_empty()).map(str::parse).collect()
}

fn is_name(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Definition {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn the_three_kinds() {
        let tcp = parse("web=tcp:10.77.0.2:7000");
        assert_eq!(tcp.check, CheckKind::Tcp("10.77.0.2:7000".parse().unwrap()));
        assert_eq!(tcp.check_id(), "service:web");
        let http = parse("api=http://127.0.0.1:8080/health?full=1");
        assert_eq!(
            http.check,
            CheckKind::Http { addr: "127.0.0.1:8080".parse().unwrap(), path: "/health?full=1".into() }
        );
        assert_eq!(parse("api=http://127.0.0.1:8080").check.target(), "http://127.0.0.1:8080/");
        assert_eq!(parse("web-sidecar=alias:web").check, CheckKind::Alias("web".into()));
    }

    #[test]
    fn displays_as_written() {
        for text in ["web=tcp:10.77.0.2:7000", "api=http://127.0.0.1:8080/health", "s.1=alias:web_2"] {
            assert_eq!(parse(text).to_string(), text);
        }
    }

    #[test]
    fn rejected_with_the_text_quoted() {
        for text in [
            "web",
            "=tcp:1.2.3.4:5",
            "w b=alias:x",
            "web=tcp:nowhere",
            "web=udp:1.2.3.4:5",
            "web=alias:",
            "web=http://host/x",
        ] {
            let err = text.parse::<Definition>().expect_err(text);
            assert!(err.to_string().contains(&format!("`{text}`")), "{err}");
        }
    }

    #[test]
    fn bodies_hold_one_definition_per_line() {
        let defs = parse_lines("web=tcp:10.0.0.1:80\n\n  web-sidecar=alias:web  \r\n").unwrap();
        assert_eq!(defs.len(), 2);
        assert_eq!(defs[1].service, "web-sidecar");
        assert!(parse_lines("web=tcp:10.0.0.1:80\nbroken").is_err());
    }
}
