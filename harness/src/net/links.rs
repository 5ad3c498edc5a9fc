//! Which node pairs are wired together.

/// A symmetric adjacency matrix of nodes.
#[derive(Debug, Clone)]
pub struct LinkMatrix {
    nodes: usize,
    linked: Vec<bool>,
}

impl LinkMatrix {
    /// Every pair linked.
    pub fn full_mesh(nodes: usize) -> LinkMatrix {
        LinkMatrix { nodes, linked: vec![true; nodes * nodes] }
    }

    /// Only the given undirected pairs linked.
    pub fn pairs(nodes: usize, pairs: &[(usize, usize)]) -> LinkMatrix {
        let mut linked = vec![false; nodes * nodes];
        for &(a, b) in pairs {
            linked[a * nodes + b] = true;
            linked[b * nodes + a] = true;
        }
        LinkMatrix { nodes, linked }
    }

    /// Whether `from` and `to` are linked.
    pub fn linked(&self, from: usize, to: usize) -> bool {
        self.linked[from * self.nodes + to]
    }

    /// The nodes linked to `node`, in index order.
    pub fn neighbours(&self, node: usize) -> impl Iterator<Item = usize> + '_ {
        (0..self.nodes).filter(move |&o| o != node && self.linked(node, o))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_symmetric_and_exclusive() {
        let m = LinkMatrix::pairs(4, &[(0, 1), (2, 3)]);
        assert!(m.linked(1, 0) && m.linked(0, 1) && m.linked(3, 2));
        assert!(!m.linked(0, 2));
        assert_eq!(m.neighbours(0).collect::<Vec<_>>(), vec![1]);
        assert_eq!(LinkMatrix::full_mesh(3).neighbours(1).collect::<Vec<_>>(), vec![0, 2]);
    }
}
