//! Clustering: matched pairs join records into clusters, must-links (a reviewer's "same"
//! override) first, then strongest score first. A link that would put two records of one page
//! in one cluster, or two records an override says are different, is cut instead
//! (cannot-link). A chain A~B~C with A and C kept apart therefore splits at its weakest link.
//!
//! Constraints are modelled as exclusion groups: a page is a group of records no two of which
//! may share a cluster, and a cannot-link pair is a group of two. Each cluster keeps the
//! sorted groups of its members, so checking a union is one merge-walk of two sorted lists.

/// A link clustering may take.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Link {
    /// First record.
    pub a: u32,
    /// Second record.
    pub b: u32,
    /// Match score: stronger links are taken first.
    pub score: f64,
    /// A must-link (an override "same"): taken before any scored link.
    pub must: bool,
}

/// Two records that may not share a cluster, and why (in words, for outputs).
#[derive(Debug, Clone, PartialEq)]
pub struct CannotLink {
    /// First record.
    pub a: u32,
    /// Second record.
    pub b: u32,
    /// Why, e.g. "an override says ... are different".
    pub reason: String,
}

/// A link that was not taken, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct CutLink {
    /// The link.
    pub link: Link,
    /// Why it was cut.
    pub reason: String,
}

/// What happened to a link clustering considered.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// It joined two clusters.
    Joined,
    /// Its records were already in one cluster (through stronger links).
    AlreadyJoined,
    /// A constraint cut it; the reason says which.
    Cut(String),
}

/// What clustering produced.
#[derive(Debug, Clone, Default)]
pub struct Clustering {
    /// Clusters as sorted member lists, ordered by their first member.
    pub clusters: Vec<Vec<u32>>,
    /// Cluster index of each record.
    pub cluster_of: Vec<u32>,
    /// Links not taken because of a constraint.
    pub cut: Vec<CutLink>,
    /// Every link in the order it was considered, with its outcome.
    pub log: Vec<(Link, Outcome)>,
}

struct UnionFind {
    parent: Vec<u32>,
    /// Exclusion groups held by each root, sorted.
    groups: Vec<Vec<u32>>,
}

impl UnionFind {
    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            self.parent[x as usize] = self.parent[p as usize];
            x = p;
        }
        x
    }

    fn union(&mut self, ra: u32, rb: u32) {
        let (keep, gone) = if ra < rb { (ra, rb) } else { (rb, ra) };
        self.parent[gone as usize] = keep;
        let moved = std::mem::take(&mut self.groups[gone as usize]);
        let merged = &mut self.groups[keep as usize];
        merged.extend(moved);
        merged.sort_unstable();
    }
}

fn share_any(a: &[u32], b: &[u32]) -> Option<u32> {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => return Some(a[i]),
        }
    }
    None
}

/// Clusters records from their `links`; `page_of[i]` is record i's page, `cannot` the
/// cannot-link pairs besides the same-page rule. `page_name` names a page in a cut reason.
pub fn cluster(
    page_of: &[u32],
    links: &[Link],
    cannot: &[CannotLink],
    page_name: &dyn Fn(u32) -> String,
) -> Clustering {
    let n = page_of.len();
    // Groups 0..pages are pages; pages+k is cannot-link k.
    let pages = page_of.iter().map(|&p| p + 1).max().unwrap_or(0);
    let mut groups: Vec<Vec<u32>> = page_of.iter().map(|&p| vec![p]).collect();
    for (k, c) in cannot.iter().enumerate() {
        for r in [c.a, c.b] {
            if let Some(g) = groups.get_mut(r as usize) {
                g.push(pages + k as u32);
                g.sort_unstable();
            }
        }
    }
    let mut uf = UnionFind {
        parent: (0..n as u32).collect(),
        groups,
    };
    let group_reason = |g: u32| -> String {
        if g < pages {
            format!("cannot-link: taking it would join two records of page {}", page_name(g))
        } else {
            format!(
                "cannot-link: taking it would join {}",
                cannot[(g - pages) as usize].reason
            )
        }
    };
    let mut order: Vec<&Link> = links.iter().collect();
    // Must-links first, then strongest; ties in a fixed order so that thread count and input
    // order cannot matter.
    order.sort_by(|x, y| {
        y.must
            .cmp(&x.must)
            .then(y.score.total_cmp(&x.score))
            .then((x.a, x.b).cmp(&(y.a, y.b)))
    });
    let mut cut = Vec::new();
    let mut log = Vec::with_capacity(order.len());
    for link in order {
        let (ra, rb) = (uf.find(link.a), uf.find(link.b));
        let outcome = if ra == rb {
            Outcome::AlreadyJoined
        } else if let Some(g) = share_any(&uf.groups[ra as usize], &uf.groups[rb as usize]) {
            let reason = group_reason(g);
            cut.push(CutLink {
                link: *link,
                reason: reason.clone(),
            });
            Outcome::Cut(reason)
        } else {
            uf.union(ra, rb);
            Outcome::Joined
        };
        log.push((*link, outcome));
    }
    let mut index_of_root = vec![u32::MAX; n];
    let mut clusters: Vec<Vec<u32>> = Vec::new();
    let mut cluster_of = vec![0; n];
    for i in 0..n as u32 {
        let r = uf.find(i) as usize;
        if index_of_root[r] == u32::MAX {
            index_of_root[r] = clusters.len() as u32;
            clusters.push(Vec::new());
        }
        clusters[index_of_root[r] as usize].push(i);
        cluster_of[i as usize] = index_of_root[r];
    }
    Clustering {
        clusters,
        cluster_of,
        cut,
        log,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(p: u32) -> String {
        format!("p{p}")
    }

    fn link(a: u32, b: u32, score: f64) -> Link {
        Link {
            a,
            b,
            score,
            must: false,
        }
    }

    #[test]
    fn a_chain_through_one_page_splits_at_its_weakest_link() {
        // A (page 0) ~ B (page 1) ~ C (page 0): A and C may not share a cluster.
        let links = [link(0, 1, 0.99), link(1, 2, 0.93)];
        let c = cluster(&[0, 1, 0], &links, &[], &name);
        assert_eq!(c.clusters, vec![vec![0, 1], vec![2]]);
        assert_eq!(c.cut.len(), 1);
        assert_eq!((c.cut[0].link.a, c.cut[0].link.b), (1, 2));
        assert!(c.cut[0].reason.contains("p0"));
        assert_eq!(c.log[0].1, Outcome::Joined);
    }

    #[test]
    fn unconstrained_links_join_transitively() {
        let links = [link(0, 1, 0.95), link(1, 2, 0.95)];
        let c = cluster(&[0, 1, 2, 3], &links, &[], &name);
        assert_eq!(c.clusters, vec![vec![0, 1, 2], vec![3]]);
        assert_eq!(c.cluster_of, vec![0, 0, 0, 1]);
    }

    #[test]
    fn a_cannot_link_splits_a_chain_at_its_weakest_link() {
        // Three pages; an override says 0 and 2 differ: 0~1 (0.97) stays, 1~2 (0.91) is cut.
        let links = [link(0, 1, 0.97), link(1, 2, 0.91)];
        let cannot = [CannotLink {
            a: 0,
            b: 2,
            reason: "r0 and r2, which an override says are different".into(),
        }];
        let c = cluster(&[0, 1, 2], &links, &cannot, &name);
        assert_eq!(c.clusters, vec![vec![0, 1], vec![2]]);
        assert!(c.cut[0].reason.contains("override"), "{}", c.cut[0].reason);
    }

    #[test]
    fn must_links_are_taken_before_stronger_scores() {
        // 1~2 scores higher, but the must-link 0~2 comes first; 0 and 1 share a page, so the
        // scored link is the one cut.
        let links = [
            link(1, 2, 0.99),
            Link {
                a: 0,
                b: 2,
                score: 0.1,
                must: true,
            },
        ];
        let c = cluster(&[0, 0, 1], &links, &[], &name);
        assert_eq!(c.clusters, vec![vec![0, 2], vec![1]]);
        assert_eq!((c.cut[0].link.a, c.cut[0].link.b), (1, 2));
    }
}
