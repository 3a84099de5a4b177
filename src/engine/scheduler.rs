//! A dependency queue over the plan graph: it knows nodes and edges, not what
//! a node does. Nodes become ready when every predecessor finished well.

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};

pub struct DependencyQueue {
    waiting_on: Vec<usize>,
    ready: Vec<NodeIndex>,
    done: usize,
    total: usize,
}

impl DependencyQueue {
    pub fn new<N, E>(graph: &DiGraph<N, E>) -> DependencyQueue {
        let waiting_on: Vec<usize> = graph
            .node_indices()
            .map(|n| graph.neighbors_directed(n, Direction::Incoming).count())
            .collect();
        // Reverse so that popping from the end yields nodes in index (plan) order.
        let ready = graph
            .node_indices()
            .filter(|n| waiting_on[n.index()] == 0)
            .rev()
            .collect();
        DependencyQueue {
            waiting_on,
            ready,
            done: 0,
            total: graph.node_count(),
        }
    }

    /// Take every node that can start now.
    pub fn take_ready(&mut self) -> Vec<NodeIndex> {
        let mut out = std::mem::take(&mut self.ready);
        out.reverse();
        out
    }

    /// Record that `node` finished well; its dependents may become ready.
    pub fn finish<N, E>(&mut self, graph: &DiGraph<N, E>, node: NodeIndex) {
        self.done += 1;
        let mut newly: Vec<NodeIndex> = Vec::new();
        for next in graph.neighbors_directed(node, Direction::Outgoing) {
            let w = &mut self.waiting_on[next.index()];
            *w -= 1;
            if *w == 0 {
                newly.push(next);
            }
        }
        newly.sort();
        for n in newly.into_iter().rev() {
            self.ready.push(n);
        }
    }

    pub fn all_done(&self) -> bool {
        self.done == self.total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diamond_releases_join_only_after_both_branches() {
        let mut g: DiGraph<&str, ()> = DiGraph::new();
        let a = g.add_node("a");
        let b = g.add_node("b");
        let c = g.add_node("c");
        let d = g.add_node("d");
        g.add_edge(a, b, ());
        g.add_edge(a, c, ());
        g.add_edge(b, d, ());
        g.add_edge(c, d, ());
        let mut q = DependencyQueue::new(&g);
        assert_eq!(q.take_ready(), vec![a]);
        q.finish(&g, a);
        assert_eq!(q.take_ready(), vec![b, c]);
        q.finish(&g, b);
        assert!(q.take_ready().is_empty());
        q.finish(&g, c);
        assert_eq!(q.take_ready(), vec![d]);
        q.finish(&g, d);
        assert!(q.all_done());
    }
}
