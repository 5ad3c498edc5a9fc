//! The one error type of the nodes: why a mode could not start or keep
//! running. Every mode's `run` returns it; `quiesce-node` prints it on
//! stderr and exits 1.
//!
//! Each message already ends with its OS error, so print an error with
//! `{}` alone; walking [`source`](std::error::Error::source) as well would
//! say the OS error twice.

use std::io;
use std::net::SocketAddr;

/// Why a node could not start or keep running.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The Tokio runtime could not be built.
    #[error("cannot start the Tokio runtime: {0}")]
    Runtime(#[source] io::Error),
    /// The SIGTERM/SIGINT handlers could not be installed.
    #[error("cannot install SIGTERM/SIGINT handlers: {0}")]
    Signals(#[source] io::Error),
    /// A socket could not be bound.
    #[error("cannot bind the {what} on {addr}: {source}")]
    Bind {
        /// Which socket, e.g. `TCP listener`.
        what: &'static str,
        /// The address asked for.
        addr: SocketAddr,
        /// The OS error.
        source: io::Error,
    },
    /// The OS could not tell a bound socket's address.
    #[error("cannot read a bound socket's address: {0}")]
    LocalAddr(#[source] io::Error),
    /// The node's sockets, runtime or threads could not be set up.
    #[error("cannot start the {mode} node: {source}")]
    Start {
        /// The mode, e.g. `mesh`.
        mode: &'static str,
        /// The OS error.
        source: io::Error,
    },
    /// One of the node's tasks stopped; the node cannot go on without it.
    #[error("the node stopped unexpectedly: {0}")]
    TaskEnded(String),
    /// The leader's election core ended.
    #[error("the election core stopped: {0}")]
    CoreEnded(String),
    /// `rpc client --needed` is zero or more than the storage peers.
    #[error("--needed {needed} must be between 1 and the number of storage peers ({peers})")]
    Needed {
        /// As given.
        needed: usize,
        /// How many storage peers there are.
        peers: usize,
    },
}

impl NodeError {
    /// A [`NodeError::Bind`] for the socket `what` on `addr`, for `map_err`.
    pub fn bind(what: &'static str, addr: SocketAddr) -> impl FnOnce(io::Error) -> NodeError {
        move |source| NodeError::Bind { what, addr, source }
    }

    /// A [`NodeError::Start`] for `mode`, for `map_err`.
    pub fn start(mode: &'static str) -> impl FnOnce(io::Error) -> NodeError {
        move |source| NodeError::Start { mode, source }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_socket_and_the_os_error_once() {
        let addr: SocketAddr = "127.0.0.1:7000".parse().expect("an address");
        let err = NodeError::bind("TCP listener", addr)(io::Error::from(io::ErrorKind::AddrInUse));
        assert_eq!(err.to_string(), "cannot bind the TCP listener on 127.0.0.1:7000: address in use");
        let err = NodeError::start("mesh")(io::Error::other("no threads"));
        assert_eq!(err.to_string(), "cannot start the mesh node: no threads");
        assert_eq!(
            NodeError::Needed { needed: 4, peers: 3 }.to_string(),
            "--needed 4 must be between 1 and the number of storage peers (3)"
        );
    }
}
