//! The baseline link: a veth pair between two fresh namespaces, made with
//! rtnetlink.
//!
//! The pair is created inside the first namespace and its peer moved to
//! the second, so nothing ever appears in the root namespace; the
//! addresses (10.78.0.1/24 and 10.78.0.2/24) live only inside the two
//! namespaces. Closing the namespace fds removes both ends.

use std::net::{IpAddr, Ipv4Addr};
use std::os::fd::{AsRawFd, OwnedFd};

use futures::TryStreamExt;
use rtnetlink::{Handle, LinkUnspec, LinkVeth};

use super::error::BenchError;
use super::pair::Pair;
use quiesce::net::ifconfig;

const ADDRS: [Ipv4Addr; 2] = [Ipv4Addr::new(10, 78, 0, 1), Ipv4Addr::new(10, 78, 0, 2)];
const NAMES: [&str; 2] = ["veth0", "veth1"];

/// Two namespaces joined by a veth pair of `mtu`. Must be called on a
/// tokio runtime.
pub async fn pair(mtu: u32) -> Result<Pair, BenchError> {
    let ns = [new_namespace()?, new_namespace()?];
    let first = connect(&ns[0]).await?;
    let err = |what: &str| {
        let what = what.to_string();
        move |e: rtnetlink::Error| BenchError::Setup { what, source: std::io::Error::other(e.to_string()) }
    };
    first.link().add(LinkVeth::new(NAMES[0], NAMES[1]).build()).execute().await.map_err(err("the veth pair"))?;
    let peer = index(&first, NAMES[1]).await?;
    let to_second = LinkUnspec::new_with_index(peer).setns_by_fd(ns[1].as_raw_fd()).build();
    first.link().set(to_second).execute().await.map_err(err("moving veth1"))?;
    let second = connect(&ns[1]).await?;
    for (i, handle) in [first, second].iter().enumerate() {
        let link = index(handle, NAMES[i]).await?;
        handle.address().add(link, IpAddr::V4(ADDRS[i]), 24).execute().await.map_err(err("a veth address"))?;
        let up = LinkUnspec::new_with_index(link).mtu(mtu).up().build();
        handle.link().set(up).execute().await.map_err(err("veth MTU and up"))?;
    }
    Ok(Pair::joined(ns, ADDRS))
}

/// A fresh namespace with `lo` up, made on a short-lived thread.
fn new_namespace() -> Result<OwnedFd, BenchError> {
    let made = std::thread::spawn(|| -> std::io::Result<OwnedFd> {
        nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET).map_err(std::io::Error::from)?;
        let ns: OwnedFd = std::fs::File::open("/proc/thread-self/ns/net")?.into();
        ifconfig::set_up("lo")?;
        Ok(ns)
    });
    made.join()
        .map_err(|_| BenchError::Setup {
            what: "a namespace".into(),
            source: std::io::Error::other("thread panicked"),
        })?
        .map_err(BenchError::setup("a namespace"))
}

/// An rtnetlink handle whose socket lives in `ns` (a socket belongs to the
/// namespace of the thread that opens it).
async fn connect(ns: &OwnedFd) -> Result<Handle, BenchError> {
    let ns = ns.try_clone().map_err(BenchError::setup("a netlink socket"))?;
    let runtime = tokio::runtime::Handle::current();
    let opened = std::thread::spawn(move || {
        let _guard = runtime.enter();
        nix::sched::setns(&ns, nix::sched::CloneFlags::CLONE_NEWNET).map_err(std::io::Error::from)?;
        rtnetlink::new_connection()
    });
    let (connection, handle, _) = opened
        .join()
        .map_err(|_| BenchError::Setup {
            what: "a netlink socket".into(),
            source: std::io::Error::other("thread panicked"),
        })?
        .map_err(BenchError::setup("a netlink socket"))?;
    tokio::spawn(connection);
    Ok(handle)
}

async fn index(handle: &Handle, name: &str) -> Result<u32, BenchError> {
    let mut links = handle.link().get().match_name(name.to_string()).execute();
    match links.try_next().await {
        Ok(Some(link)) => Ok(link.header.index),
        Ok(None) => Err(BenchError::Setup { what: name.into(), source: std::io::Error::other("no such link") }),
        Err(e) => Err(BenchError::Setup { what: name.into(), source: std::io::Error::other(e.to_string()) }),
    }
}
