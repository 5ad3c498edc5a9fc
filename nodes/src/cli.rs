//! The command-line skeleton the peer modes share.
//!
//! `ping`, `mesh`, `swim` and `leader` are each a node among peers: it has a
//! name, listens on one address, knows its peers' addresses and answers
//! `GET /status`. Their argument structs flatten [`PeerArgs`] and add their
//! own flags (timings, `--rules`). `rpc` (a client and storage peers with
//! `--storage`, `--port` and a repeatable `--listen`) and `alias` (one
//! `--api` address for its HTTP API and status) have other shapes; they use
//! the same value types from [`args`](crate::args).

use std::net::SocketAddr;

use crate::args::{parse_peers, NodeName, PeerList};

/// `--name`, `--listen`, `--peers` and `--status`: who a peer is, where it
/// listens, whom it talks to and where it reports.
#[derive(Debug, Clone, clap::Args)]
pub struct PeerArgs {
    /// This node's name, unique among its peers: sent in its messages and reported in /status.
    #[arg(long)]
    pub name: NodeName,
    /// Address the node listens on for its peers.
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: SocketAddr,
    /// Comma-separated addresses of the peers, may be empty; a bare IP takes the --listen port.
    #[arg(long, value_name = "ADDR[:PORT],...", default_value = "", value_parser = parse_peers)]
    pub peers: PeerList,
    /// Address of the HTTP endpoint answering GET /status.
    #[arg(long, value_name = "ADDR:PORT")]
    pub status: SocketAddr,
}
