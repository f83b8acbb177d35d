//! Minimum-cost flow, exact on integer costs and capacities: successive shortest paths
//! with node potentials (the primal–dual method). Each round finds shortest distances
//! from the source with Dijkstra on reduced costs, lifts the potentials, and sends a
//! maximum flow (Dinic) along the edges whose reduced cost is now zero. Every round
//! sends at least one unit, so there are at most as many rounds as units of supply.
//!
//! Invariant between calls: every edge with residual capacity has a non-negative reduced
//! cost `cost + pot[from] - pot[to]`. With it, the flow is of minimum cost for its value
//! (no negative cycle in the residual graph), and the two incremental steps below
//! ([`Graph::add_unit`], [`Graph::remove_unit`]) restore optimality with one shortest
//! path each.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A distance no path reaches.
const UNREACHED: i64 = i64::MAX / 4;

/// A flow network. Edge `e` and its reverse `e ^ 1` are stored side by side; the flow on
/// a forward edge is the residual capacity of its reverse.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    out: Vec<Vec<u32>>,
    to: Vec<u32>,
    cap: Vec<i64>,
    cost: Vec<i64>,
    pot: Vec<i64>,
}

impl Graph {
    /// A network of `n` nodes and no edges.
    pub fn new(n: usize) -> Graph {
        Graph {
            out: vec![Vec::new(); n],
            pot: vec![0; n],
            ..Graph::default()
        }
    }

    pub fn nodes(&self) -> usize {
        self.out.len()
    }

    pub fn edges(&self) -> usize {
        self.to.len() / 2
    }

    /// A new node, with a potential that keeps the invariant for the edges it will get
    /// (set by [`Graph::add_edge`]).
    pub fn add_node(&mut self) -> usize {
        self.out.push(Vec::new());
        self.pot.push(i64::MIN / 4);
        self.out.len() - 1
    }

    /// An edge `u → v` carrying up to `cap` at `cost` per unit (`cost ≥ 0`); returns its id.
    /// An edge out of a node added after solving lifts that node's potential so its
    /// reduced cost is not negative.
    pub fn add_edge(&mut self, u: usize, v: usize, cap: i64, cost: i64) -> usize {
        debug_assert!(cost >= 0 && cap >= 0);
        let e = self.to.len();
        self.to.push(v as u32);
        self.cap.push(cap);
        self.cost.push(cost);
        self.to.push(u as u32);
        self.cap.push(0);
        self.cost.push(-cost);
        self.out[u].push(e as u32);
        self.out[v].push(e as u32 + 1);
        if self.pot[u] < self.pot[v] - cost {
            self.pot[u] = self.pot[v] - cost;
        }
        if self.pot[v] == i64::MIN / 4 {
            // A node with edges only into it: any potential at or below its tails'
            // keeps the reduced costs non-negative; give it its tail's.
            self.pot[v] = self.pot[u] + cost;
        }
        e
    }

    /// Raises (or lowers) the capacity of edge `e` by `delta`.
    pub fn add_capacity(&mut self, e: usize, delta: i64) {
        self.cap[e] += delta;
    }

    /// Units flowing on edge `e`.
    pub fn flow(&self, e: usize) -> i64 {
        self.cap[e ^ 1]
    }

    /// The node edge `e` leaves.
    pub fn tail(&self, e: usize) -> usize {
        self.to[e ^ 1] as usize
    }

    /// The node edge `e` enters.
    pub fn head(&self, e: usize) -> usize {
        self.to[e] as usize
    }

    pub fn cost(&self, e: usize) -> i64 {
        self.cost[e]
    }

    /// The forward edges out of `u`, in the order they were added.
    pub fn out_edges(&self, u: usize) -> impl Iterator<Item = usize> + '_ {
        self.out[u]
            .iter()
            .map(|&e| e as usize)
            .filter(|e| e & 1 == 0)
    }

    /// The total cost of the flow.
    pub fn total_cost(&self) -> i128 {
        (0..self.to.len())
            .step_by(2)
            .map(|e| i128::from(self.flow(e)) * i128::from(self.cost[e]))
            .sum()
    }

    fn reduced(&self, e: usize, u: usize) -> i64 {
        self.cost[e] + self.pot[u] - self.pot[self.to[e] as usize]
    }

    /// Sends as much flow from `s` to `t` as the capacities allow, at the least cost.
    /// Returns the number of rounds.
    pub fn solve(&mut self, s: usize, t: usize) -> usize {
        let mut rounds = 0;
        let mut dist = Vec::new();
        let mut parent = Vec::new();
        loop {
            self.dijkstra(s, &mut dist, &mut parent);
            let d = dist[t];
            if d >= UNREACHED {
                return rounds;
            }
            self.lift(&dist, d);
            self.max_flow_admissible(s, t);
            rounds += 1;
        }
    }

    /// Shortest distances from `root` on reduced costs over residual edges; `parent`
    /// holds the edge each node was reached by. Edges into `root` are never needed (a
    /// shortest path does not return to its start), and are skipped: the one edge whose
    /// reduced cost may be negative during an incremental step enters the root.
    fn dijkstra(&self, root: usize, dist: &mut Vec<i64>, parent: &mut Vec<u32>) {
        let n = self.out.len();
        dist.clear();
        dist.resize(n, UNREACHED);
        parent.clear();
        parent.resize(n, u32::MAX);
        let mut heap = BinaryHeap::new();
        dist[root] = 0;
        heap.push(Reverse((0i64, root as u32)));
        while let Some(Reverse((d, u))) = heap.pop() {
            let u = u as usize;
            if d > dist[u] {
                continue;
            }
            for &e in &self.out[u] {
                let e = e as usize;
                if self.cap[e] == 0 {
                    continue;
                }
                let v = self.to[e] as usize;
                if v == root {
                    continue;
                }
                let nd = d + self.reduced(e, u);
                if nd < dist[v] {
                    dist[v] = nd;
                    parent[v] = e as u32;
                    heap.push(Reverse((nd, v as u32)));
                }
            }
        }
    }

    /// Raises each potential by its distance, capped at `cap`: reduced costs stay
    /// non-negative, and those on shortest paths up to `cap` become zero.
    fn lift(&mut self, dist: &[i64], cap: i64) {
        for (p, &d) in self.pot.iter_mut().zip(dist) {
            *p += d.min(cap);
        }
    }

    /// Dinic's maximum flow from `s` to `t` over edges of zero reduced cost.
    fn max_flow_admissible(&mut self, s: usize, t: usize) {
        let n = self.out.len();
        let mut level = vec![u32::MAX; n];
        let mut next = vec![0usize; n];
        let mut queue = Vec::with_capacity(n);
        loop {
            level.fill(u32::MAX);
            level[s] = 0;
            queue.clear();
            queue.push(s);
            let mut head = 0;
            while head < queue.len() {
                let u = queue[head];
                head += 1;
                for &e in &self.out[u] {
                    let e = e as usize;
                    let v = self.to[e] as usize;
                    if self.cap[e] > 0 && level[v] == u32::MAX && self.reduced(e, u) == 0 {
                        level[v] = level[u] + 1;
                        queue.push(v);
                    }
                }
            }
            if level[t] == u32::MAX {
                return;
            }
            next.fill(0);
            // Blocking flow: walk forward along level-increasing admissible edges; at
            // `t`, push the path's bottleneck; at a dead end, step back and skip the edge.
            let mut path: Vec<usize> = Vec::new();
            let mut u = s;
            loop {
                if u == t {
                    let push = path.iter().map(|&e| self.cap[e]).min().unwrap_or(0);
                    for &e in &path {
                        self.cap[e] -= push;
                        self.cap[e ^ 1] += push;
                    }
                    // Back to the first saturated edge's tail.
                    let keep = path.iter().position(|&e| self.cap[e] == 0).unwrap_or(0);
                    path.truncate(keep);
                    u = path.last().map_or(s, |&e| self.to[e] as usize);
                    continue;
                }
                let mut advanced = false;
                while next[u] < self.out[u].len() {
                    let e = self.out[u][next[u]] as usize;
                    let v = self.to[e] as usize;
                    if self.cap[e] > 0 && level[v] == level[u] + 1 && self.reduced(e, u) == 0 {
                        path.push(e);
                        u = v;
                        advanced = true;
                        break;
                    }
                    next[u] += 1;
                }
                if !advanced {
                    if u == s {
                        break;
                    }
                    // A dead end: no path to `t` through `u` at this level.
                    level[u] = u32::MAX;
                    let e = path.pop().unwrap_or(0);
                    u = self.to[e ^ 1] as usize;
                    next[u] += 1;
                }
            }
        }
    }

    /// One more unit of supply on `supply`, an edge out of the source, routed at the
    /// least extra cost: the shortest path from the edge's head to `t`. Every edge out
    /// of the source must be full, as after [`Graph::solve`] when every unit can go
    /// somewhere. Returns the edges the unit took after `supply`, or `None`
    /// when `t` cannot be reached (the capacity is then left unchanged).
    pub fn add_unit(&mut self, supply: usize, t: usize) -> Option<Vec<usize>> {
        let root = self.to[supply] as usize;
        let mut dist = Vec::new();
        let mut parent = Vec::new();
        self.dijkstra(root, &mut dist, &mut parent);
        let d = dist[t];
        if d >= UNREACHED {
            return None;
        }
        let path = self.path_to(root, t, &parent);
        self.lift(&dist, d);
        self.cap[supply ^ 1] += 1;
        for &e in &path {
            self.cap[e] -= 1;
            self.cap[e ^ 1] += 1;
        }
        // The unit now flows back from the head to the source as residual room. With
        // every supply edge full, nothing leaves the source, so lowering its potential
        // to keep that edge's reduced cost from going negative breaks no other.
        let source = self.to[supply ^ 1] as usize;
        self.pot[source] = self.pot[source].min(self.pot[root]);
        Some(path)
    }

    /// Takes one unit of supply away: the unit that flows on `supply` and then along
    /// `path` (ending at `t`). When the last edge of `path` had been full, the room it
    /// frees may let the rest be rearranged at a lower cost; the one cycle through it
    /// that lowers the cost most is pushed. Returns the edges of that cycle (from `t`
    /// back to `t`), empty when nothing cheaper exists.
    pub fn remove_unit(&mut self, supply: usize, path: &[usize], t: usize) -> Vec<usize> {
        self.cap[supply ^ 1] -= 1;
        for &e in path {
            self.cap[e] += 1;
            self.cap[e ^ 1] -= 1;
        }
        let Some(&last) = path.last() else {
            return Vec::new();
        };
        let tail = self.to[last ^ 1] as usize;
        let mut dist = Vec::new();
        let mut parent = Vec::new();
        self.dijkstra(t, &mut dist, &mut parent);
        let d = dist[tail];
        let before = self.reduced(last, tail);
        let lowers = d < UNREACHED && d + before < 0;
        // Lifting by the distance (or, when `tail` cannot be reached, by what the freed
        // edge lacks) keeps every reduced cost non-negative, the freed edge's too.
        let cap = if d < UNREACHED { d } else { (-before).max(0) };
        self.lift(&dist, cap);
        if !lowers {
            return Vec::new();
        }
        let mut cycle = self.path_to(t, tail, &parent);
        cycle.push(last);
        for &e in &cycle {
            self.cap[e] -= 1;
            self.cap[e ^ 1] += 1;
        }
        cycle
    }

    fn path_to(&self, root: usize, target: usize, parent: &[u32]) -> Vec<usize> {
        let mut path = Vec::new();
        let mut v = target;
        // A shortest-path tree has fewer edges than nodes, so this walk ends.
        for _ in 0..self.out.len() {
            if v == root {
                break;
            }
            let e = parent[v] as usize;
            path.push(e);
            v = self.to[e ^ 1] as usize;
        }
        path.reverse();
        path
    }

    /// True when no residual edge has a negative reduced cost: the flow is of minimum
    /// cost for its value.
    pub fn optimal(&self) -> bool {
        (0..self.out.len()).all(|u| {
            self.out[u]
                .iter()
                .all(|&e| self.cap[e as usize] == 0 || self.reduced(e as usize, u) >= 0)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every way of sending the units on a tiny network, the cheapest found by brute
    /// force over assignments of each unit of supply to one of its edges.
    #[test]
    fn a_small_transport_problem_costs_what_brute_force_finds() {
        // Sources a (2 units), b (1 unit); sinks x (cap 1), y (cap 2).
        let costs = [[4, 1], [2, 5]];
        let mut g = Graph::new(6);
        let (s, t, a, b, x, y) = (0, 1, 2, 3, 4, 5);
        g.add_edge(s, a, 2, 0);
        g.add_edge(s, b, 1, 0);
        for (i, from) in [a, b].into_iter().enumerate() {
            for (j, to) in [x, y].into_iter().enumerate() {
                g.add_edge(from, to, 9, costs[i][j]);
            }
        }
        g.add_edge(x, t, 1, 0);
        g.add_edge(y, t, 2, 0);
        g.solve(s, t);
        let mut best = i64::MAX;
        // a's two units and b's unit each pick x (0) or y (1).
        for pick in 0..8u32 {
            let units = [(0, pick & 1), (0, (pick >> 1) & 1), (1, (pick >> 2) & 1)];
            let on_x = units.iter().filter(|u| u.1 == 0).count();
            if on_x > 1 {
                continue;
            }
            let c = units.iter().map(|&(i, j)| costs[i][j as usize]).sum();
            best = best.min(c);
        }
        assert_eq!(g.total_cost(), i128::from(best));
        assert!(g.optimal());
    }

    #[test]
    fn removing_and_adding_a_unit_keeps_the_flow_optimal() {
        let mut g = Graph::new(5);
        let (s, t, a, b, x) = (0, 1, 2, 3, 4);
        let sa = g.add_edge(s, a, 1, 0);
        let sb = g.add_edge(s, b, 1, 0);
        let ax = g.add_edge(a, x, 1, 1);
        g.add_edge(a, t, 1, 100);
        g.add_edge(b, x, 1, 1);
        g.add_edge(b, t, 1, 50);
        let xt = g.add_edge(x, t, 1, 0);
        g.solve(s, t);
        // One place at x: the one who would cost more to leave out (a) takes it.
        assert_eq!(g.flow(ax), 1);
        assert_eq!(g.total_cost(), 51);
        // a withdraws: b moves into x.
        let cycle = g.remove_unit(sa, &[ax, xt], t);
        assert!(!cycle.is_empty());
        assert_eq!(g.total_cost(), 1);
        assert!(g.optimal());
        // a comes back: it takes x again, b goes back out.
        let path = g.add_unit(sa, t).expect("a reaches the sink");
        assert!(!path.is_empty());
        assert_eq!(g.total_cost(), 51);
        assert!(g.optimal());
        let _ = sb;
    }
}
