//! Clustering: matched pairs join records into clusters, strongest link first, and a link
//! that would put two records of one page in one cluster is cut instead (cannot-link). A
//! chain A~B~C with A and C on one page therefore splits at its weakest link.

/// A matched pair, as clustering sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Link {
    /// First record.
    pub a: u32,
    /// Second record.
    pub b: u32,
    /// Match score: stronger links are taken first.
    pub score: f64,
}

/// A link that was not taken, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct CutLink {
    /// The link.
    pub link: Link,
    /// Why it was cut.
    pub reason: String,
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
}

struct UnionFind {
    parent: Vec<u32>,
    /// Pages held by each root, sorted.
    pages: Vec<Vec<u32>>,
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

/// Clusters `n` records from their matched `links`; `page_of[i]` is record i's page.
/// `page_name` names a page in the reason of a cut link.
pub fn cluster(page_of: &[u32], links: &[Link], page_name: &dyn Fn(u32) -> String) -> Clustering {
    let n = page_of.len();
    let mut uf = UnionFind {
        parent: (0..n as u32).collect(),
        pages: page_of.iter().map(|&p| vec![p]).collect(),
    };
    let mut order: Vec<&Link> = links.iter().collect();
    // Strongest first; ties in a fixed order so that thread count and input order cannot matter.
    order.sort_by(|x, y| y.score.total_cmp(&x.score).then((x.a, x.b).cmp(&(y.a, y.b))));
    let mut cut = Vec::new();
    for link in order {
        let (ra, rb) = (uf.find(link.a), uf.find(link.b));
        if ra == rb {
            continue;
        }
        if let Some(page) = share_any(&uf.pages[ra as usize], &uf.pages[rb as usize]) {
            cut.push(CutLink {
                link: *link,
                reason: format!(
                    "cannot-link: taking it would join two records of page {}",
                    page_name(page)
                ),
            });
            continue;
        }
        let (keep, gone) = if ra < rb { (ra, rb) } else { (rb, ra) };
        uf.parent[gone as usize] = keep;
        let moved = std::mem::take(&mut uf.pages[gone as usize]);
        let merged = &mut uf.pages[keep as usize];
        merged.extend(moved);
        merged.sort_unstable();
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(p: u32) -> String {
        format!("p{p}")
    }

    #[test]
    fn a_chain_through_one_page_splits_at_its_weakest_link() {
        // A (page 0) ~ B (page 1) ~ C (page 0): A and C may not share a cluster.
        let links = [
            Link {
                a: 0,
                b: 1,
                score: 0.99,
            },
            Link {
                a: 1,
                b: 2,
                score: 0.93,
            },
        ];
        let c = cluster(&[0, 1, 0], &links, &name);
        assert_eq!(c.clusters, vec![vec![0, 1], vec![2]]);
        assert_eq!(c.cut.len(), 1);
        assert_eq!((c.cut[0].link.a, c.cut[0].link.b), (1, 2));
        assert!(c.cut[0].reason.contains("p0"));
    }

    #[test]
    fn unconstrained_links_join_transitively() {
        let links = [
            Link {
                a: 0,
                b: 1,
                score: 0.95,
            },
            Link {
                a: 1,
                b: 2,
                score: 0.95,
            },
        ];
        let c = cluster(&[0, 1, 2, 3], &links, &name);
        assert_eq!(c.clusters, vec![vec![0, 1, 2], vec![3]]);
        assert_eq!(c.cluster_of, vec![0, 0, 0, 1]);
    }
}
