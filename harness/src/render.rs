//! Rendering templates (`{name}`, `{addr}`, ...) for one node.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use crate::suite::plan::{Piece, Template};

/// What a node's templates are rendered with.
#[derive(Debug, Clone)]
pub struct NodeContext<'a> {
    /// The node's name.
    pub name: &'a str,
    /// The node's index.
    pub index: usize,
    /// Every node's address, by index.
    pub addrs: &'a [Ipv4Addr],
    /// The indices of the nodes linked to this one.
    pub peers: &'a [usize],
    /// The variant's values.
    pub variant: &'a BTreeMap<String, String>,
    /// Every node's folder, by index (see [`node_dirs`]).
    pub dirs: &'a [PathBuf],
}

/// The folders of a run's nodes: `<run folder>/nodes/<name>`, one each,
/// made before the first start and kept across restarts (`{dir}`).
pub fn node_dirs(run_folder: &Path, names: impl IntoIterator<Item = impl AsRef<str>>) -> Vec<PathBuf> {
    names.into_iter().map(|n| run_folder.join("nodes").join(n.as_ref())).collect()
}

impl NodeContext<'_> {
    /// Renders `template`. Validation guarantees every placeholder resolves;
    /// a variant key missing anyway renders empty.
    pub fn render(&self, template: &Template) -> String {
        let mut out = String::new();
        for piece in &template.0 {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Name => out.push_str(self.name),
                Piece::Addr => out.push_str(&self.addrs[self.index].to_string()),
                Piece::Index => out.push_str(&self.index.to_string()),
                Piece::Peers => {
                    let peers: Vec<String> = self.peers.iter().map(|&p| self.addrs[p].to_string()).collect();
                    out.push_str(&peers.join(","));
                }
                Piece::Variant(key) => out.push_str(self.variant.get(key).map_or("", String::as_str)),
                Piece::AddrOf(node) => out.push_str(&self.addrs[*node].to_string()),
                Piece::Dir => out.push_str(&self.dirs[self.index].display().to_string()),
                Piece::DirOf(node) => out.push_str(&self.dirs[*node].display().to_string()),
            }
        }
        out
    }

    /// Renders each template of a list.
    pub fn render_all(&self, templates: &[Template]) -> Vec<String> {
        templates.iter().map(|t| self.render(t)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_placeholder() {
        let addrs = [Ipv4Addr::new(10, 77, 0, 1), Ipv4Addr::new(10, 77, 0, 2), Ipv4Addr::new(10, 77, 0, 3)];
        let variant = BTreeMap::from([("rules".to_string(), "pre".to_string())]);
        let dirs = node_dirs(Path::new("/run/1"), ["a", "b", "c"]);
        let cx = NodeContext { name: "b", index: 1, addrs: &addrs, peers: &[0, 2], variant: &variant, dirs: &dirs };
        let t = Template(vec![
            Piece::Name,
            Piece::Text(" ".into()),
            Piece::Addr,
            Piece::Text(" ".into()),
            Piece::Peers,
            Piece::Text(" ".into()),
            Piece::Index,
            Piece::Text(" ".into()),
            Piece::Variant("rules".into()),
            Piece::Text(" ".into()),
            Piece::AddrOf(2),
            Piece::Text(" ".into()),
            Piece::Dir,
            Piece::Text(" ".into()),
            Piece::DirOf(0),
        ]);
        assert_eq!(cx.render(&t), "b 10.77.0.2 10.77.0.1,10.77.0.3 1 pre 10.77.0.3 /run/1/nodes/b /run/1/nodes/a");
    }
}
