//! URLs of probes and `http` steps. The run's HTTP client ([`crate::http`])
//! connects to an IPv4 address and resolves no host names, so a URL whose
//! host, once rendered, is neither an address nor `localhost` would only
//! fail at run time, after the namespaces are made. Validation renders each
//! URL as the run will ([`crate::render`]), for every node that may send it
//! in every variant, and parses it with the client's own parser
//! ([`crate::http::parse_target`]): `quiesce check` accepts exactly the URLs
//! the run can send. Pure: nothing is resolved or connected to.

use std::net::Ipv4Addr;

use crate::http::{parse_target, UrlError};
use crate::net::{LinkMatrix, Subnet};
use crate::render::NodeContext;

use super::checker::Checker;
use super::locate::Path;
use super::plan::{Links, NodeId, NodePlan, Piece, Targets, Template, Variant};

/// The help for a URL the client cannot send.
const HOST_HELP: &str = "use `{addr}`, `{addr:NODE}` or a literal address such as `127.0.0.1` (the node's own \
                         loopback): the run resolves no host names";

/// Reports a URL text that does not start with `http://`; whether it does.
pub fn scheme(cx: &mut Checker<'_>, text: &str, path: &Path) -> bool {
    if text.starts_with("http://") {
        return true;
    }
    let help = match text.starts_with("https://") {
        true => "only plain `http://` is supported",
        false => "write it like `http://{addr}:8080/path` or `http://127.0.0.1:8080/path`",
    };
    cx.at(path, "the URL must start with `http://`", Some(help.into()));
    false
}

/// What URLs are rendered with: each node's name, address and peers, and
/// the variants, as the run will have them.
pub struct Urls<'a> {
    nodes: &'a [NodePlan],
    /// `None` when the nodes do not fit in the subnet (reported elsewhere).
    addrs: Option<Vec<Ipv4Addr>>,
    peers: Vec<Vec<NodeId>>,
    variants: &'a [Variant],
}

impl<'a> Urls<'a> {
    /// The rendering context of a suite's nodes, links and variants.
    pub fn new(subnet: (Ipv4Addr, u8), nodes: &'a [NodePlan], links: &Links, variants: &'a [Variant]) -> Self {
        let subnet = Subnet::new(subnet.0, subnet.1);
        let count = nodes.len();
        let links = match links {
            Links::FullMesh => LinkMatrix::full_mesh(count),
            Links::Pairs(pairs) => LinkMatrix::pairs(count, pairs),
        };
        let addrs = (count <= subnet.capacity()).then(|| (0..count).map(|i| subnet.addr(i)).collect());
        let peers = (0..count).map(|i| links.neighbours(i).collect()).collect();
        Urls { nodes, addrs, peers, variants }
    }

    /// The nodes that may send a step's request: the named ones, or any
    /// node for a target word.
    pub fn senders(&self, targets: &Targets) -> Vec<NodeId> {
        match targets {
            Targets::Nodes(ids) => ids.clone(),
            Targets::Spec(_) | Targets::Where(_) => (0..self.nodes.len()).collect(),
        }
    }

    /// The nodes that run `program`, and so send its probe.
    pub fn running(&self, program: &str) -> Vec<NodeId> {
        self.nodes.iter().enumerate().filter(|(_, n)| n.program == program).map(|(i, _)| i).collect()
    }

    /// Checks `url` (at `path`) as each of `senders` renders it in each
    /// variant, reporting the first rendering the client cannot send. An
    /// empty template (an invalid one, reported already), a URL without
    /// `http://` (reported by [`scheme`]) and a variant without a key the
    /// URL uses (reported by the variant check) are passed over.
    pub fn check(&self, cx: &mut Checker<'_>, url: &Template, senders: &[NodeId], path: &Path) {
        let Some(addrs) = &self.addrs else { return };
        if url.0.is_empty() {
            return;
        }
        let has_keys =
            |v: &&Variant| url.0.iter().all(|p| !matches!(p, Piece::Variant(key) if !v.values.contains_key(key)));
        for variant in self.variants.iter().filter(has_keys) {
            for &node in senders {
                let name = &self.nodes[node].name;
                let dirs =
                    crate::render::node_dirs(std::path::Path::new("<run folder>"), self.nodes.iter().map(|n| &n.name));
                let context = NodeContext {
                    name,
                    index: node,
                    addrs,
                    peers: &self.peers[node],
                    variant: &variant.values,
                    dirs: &dirs,
                };
                let rendered = context.render(url);
                if let Err(error) = parse_target(&rendered) {
                    let rendering = Rendering { url, rendered: &rendered, node: name, variant: &variant.name };
                    report(cx, error, rendering, path);
                    return;
                }
            }
        }
    }
}

/// A URL as one node rendered it.
struct Rendering<'r> {
    url: &'r Template,
    rendered: &'r str,
    node: &'r str,
    variant: &'r str,
}

impl Rendering<'_> {
    /// How the URL rendered, for a template with placeholders: the node, and
    /// the variant if the URL uses one.
    fn context(&self) -> String {
        let Rendering { url, rendered, node, variant } = self;
        if url.0.iter().all(|p| matches!(p, Piece::Text(_))) {
            String::new()
        } else if url.0.iter().any(|p| matches!(p, Piece::Variant(_))) {
            format!(" (it renders as `{rendered}` for node `{node}` in variant `{variant}`)")
        } else {
            format!(" (it renders as `{rendered}` for node `{node}`)")
        }
    }
}

fn report(cx: &mut Checker<'_>, error: UrlError, rendering: Rendering<'_>, path: &Path) {
    let context = rendering.context();
    match error {
        UrlError::Scheme => {}
        UrlError::Host(host) => {
            cx.at(path, format!("the URL's host `{host}` is not an IPv4 address{context}"), Some(HOST_HELP.into()))
        }
        UrlError::Port(port) => cx.at(
            path,
            format!("the URL's port `{port}` is not a port number{context}"),
            Some("a port is a number up to 65535, e.g. `http://{addr}:8080/path`".into()),
        ),
    }
}
