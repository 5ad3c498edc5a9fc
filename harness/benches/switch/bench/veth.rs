//! The baseline link: veth pairs, each between two fresh namespaces, made
//! with rtnetlink.
//!
//! Each pair is created inside its first namespace and its peer moved to
//! the second, so nothing ever appears in the root namespace; pair `i`'s
//! addresses (10.78.i.1/24 and 10.78.i.2/24) live only inside its two
//! namespaces. Closing the namespace fds removes both ends.

use std::net::{IpAddr, Ipv4Addr};
use std::os::fd::{AsRawFd, OwnedFd};

use futures::TryStreamExt;
use rtnetlink::{Handle, LinkUnspec, LinkVeth};

use super::error::BenchError;
use super::nodes::Nodes;
use quiesce::net::ifconfig;

const NAMES: [&str; 2] = ["veth0", "veth1"];

/// `count` veth pairs of `mtu`: nodes `2i` and `2i + 1` are the ends of
/// pair `i`, as [`Nodes::pairwise`] routes. Must be called on a tokio
/// runtime.
pub async fn pairs(count: usize, mtu: u32) -> Result<Nodes, BenchError> {
    let (mut ns, mut addrs) = (Vec::new(), Vec::new());
    for i in 0..count {
        let ends = addresses(i)?;
        ns.extend(pair(mtu, ends).await?);
        addrs.extend(ends);
    }
    Ok(Nodes::joined(ns, addrs))
}

/// The addresses of pair `i`.
fn addresses(i: usize) -> Result<[Ipv4Addr; 2], BenchError> {
    let third = u8::try_from(i).map_err(|_| BenchError::Environment(format!("veth pair {i}: at most 256 pairs")))?;
    Ok([Ipv4Addr::new(10, 78, third, 1), Ipv4Addr::new(10, 78, third, 2)])
}

/// Two namespaces joined by a veth pair of `mtu` with addresses `addrs`.
async fn pair(mtu: u32, addrs: [Ipv4Addr; 2]) -> Result<[OwnedFd; 2], BenchError> {
    let ns = [new_namespace()?, new_namespace()?];
    let first = connect(&ns[0]).await?;
    let err = |what: &str| {
        let what = format!("{what} ({} to {})", addrs[0], addrs[1]);
        move |e: rtnetlink::Error| BenchError::Setup { what, source: std::io::Error::other(e.to_string()) }
    };
    first.link().add(LinkVeth::new(NAMES[0], NAMES[1]).build()).execute().await.map_err(err("the veth pair"))?;
    let peer = index(&first, NAMES[1]).await?;
    let to_second = LinkUnspec::new_with_index(peer).setns_by_fd(ns[1].as_raw_fd()).build();
    first.link().set(to_second).execute().await.map_err(err("moving veth1"))?;
    let second = connect(&ns[1]).await?;
    for (i, handle) in [first, second].iter().enumerate() {
        let link = index(handle, NAMES[i]).await?;
        handle.address().add(link, IpAddr::V4(addrs[i]), 24).execute().await.map_err(err("a veth address"))?;
        let up = LinkUnspec::new_with_index(link).mtu(mtu).up().build();
        handle.link().set(up).execute().await.map_err(err("veth MTU and up"))?;
    }
    Ok(ns)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_pair_has_its_own_subnet() {
        assert_eq!(addresses(0).unwrap(), [Ipv4Addr::new(10, 78, 0, 1), Ipv4Addr::new(10, 78, 0, 2)]);
        assert_eq!(addresses(3).unwrap()[1], Ipv4Addr::new(10, 78, 3, 2));
        assert!(addresses(256).unwrap_err().to_string().contains("at most 256"));
    }
}
