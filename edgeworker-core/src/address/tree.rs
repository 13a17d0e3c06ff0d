//! A persistent order-statistic treap: the index behind [`AllocatedPool`](super::AllocatedPool).
//!
//! Why this shape:
//! - *Order statistics* (subtree sizes) let the allocator find the k-th **free** address in
//!   O(log n) by descending over the used ones, so random allocation is uniform over free
//!   addresses and sequential allocation never scans.
//! - *Persistence* (nodes behind `Arc`, copied on write with `Arc::make_mut`) makes a clone
//!   O(1): a store hands out snapshots without copying a million rows, and a writer copies
//!   only the O(log n) nodes on its path. When nothing else holds a node it is changed in
//!   place, so a tree that is never cloned pays no copies at all.
//! - *Random priorities* from a per-tree generator seeded by the OS keep the expected depth
//!   O(log n) whatever order keys arrive in (an attacker choosing addresses cannot build a
//!   list). Priorities shape the tree only; no result depends on them.
//!
//! Recursion depth is the tree's depth, O(log n) expected.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;

type Link<K, V> = Option<Arc<Node<K, V>>>;

#[derive(Clone)]
struct Node<K, V> {
    key: K,
    value: V,
    priority: u64,
    /// Nodes in this subtree, itself included.
    size: u64,
    left: Link<K, V>,
    right: Link<K, V>,
}

impl<K, V> Node<K, V> {
    fn resize(&mut self) {
        self.size = 1 + size(&self.left) + size(&self.right);
    }
}

fn size<K, V>(link: &Link<K, V>) -> u64 {
    link.as_ref().map_or(0, |node| node.size)
}

/// An ordered map with subtree counts and O(1) clones.
#[derive(Clone)]
pub(crate) struct Tree<K, V> {
    root: Link<K, V>,
    /// State of the splitmix64 sequence that draws priorities.
    seed: u64,
}

impl<K: Ord + Clone, V: Clone> Tree<K, V> {
    pub(crate) fn new() -> Self {
        Self {
            root: None,
            seed: RandomState::new().hash_one(0x5eed_u64),
        }
    }

    pub(crate) fn len(&self) -> u64 {
        size(&self.root)
    }

    pub(crate) fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        let mut link = &self.root;
        while let Some(node) = link {
            match key.cmp(node.key.borrow()) {
                Ordering::Less => link = &node.left,
                Ordering::Greater => link = &node.right,
                Ordering::Equal => return Some(&node.value),
            }
        }
        None
    }

    /// The value of the key for which `target` answers `Equal`; `target(key)` says where the
    /// wanted key lies relative to `key` (for keys that cannot be borrowed as a query type).
    pub(crate) fn find(&self, target: impl Fn(&K) -> Ordering) -> Option<&V> {
        let mut link = &self.root;
        while let Some(node) = link {
            match target(&node.key) {
                Ordering::Less => link = &node.left,
                Ordering::Greater => link = &node.right,
                Ordering::Equal => return Some(&node.value),
            }
        }
        None
    }

    /// Removes the key `target` finds (see [`Tree::find`]); an absent key leaves the tree
    /// untouched.
    pub(crate) fn remove_by(&mut self, target: impl Fn(&K) -> Ordering + Copy) -> Option<V> {
        self.find(target)?;
        remove_by(&mut self.root, target)
    }

    /// Inserts a key the caller has just found absent, skipping the lookup `insert` makes.
    /// (A present key would be duplicated: callers check first.)
    pub(crate) fn insert_absent(&mut self, key: K, value: V) {
        debug_assert!(self.find(|k| key.cmp(k)).is_none());
        let priority = self.next_priority();
        insert(&mut self.root, key, value, priority);
    }

    /// Inserts `key` unless present; returns whether it was inserted. A present key leaves
    /// the tree (and any shared nodes) untouched.
    #[cfg(test)]
    pub(crate) fn insert(&mut self, key: K, value: V) -> bool {
        if self.get(&key).is_some() {
            return false;
        }
        let priority = self.next_priority();
        insert(&mut self.root, key, value, priority);
        true
    }

    /// Removes `key`, returning its value; an absent key leaves the tree untouched.
    pub(crate) fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.get(key)?;
        remove_by(&mut self.root, |k: &K| key.cmp(k.borrow()))
    }

    /// Every entry, in key order.
    pub(crate) fn iter(&self) -> Iter<'_, K, V> {
        let mut iter = Iter { stack: Vec::new() };
        iter.push_left(&self.root);
        iter
    }

    fn next_priority(&mut self) -> u64 {
        // splitmix64: cheap, and every seed gives a well-mixed sequence.
        self.seed = self.seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

impl<V: Clone> Tree<u128, V> {
    /// The `k`-th (from 0) number in `0..` that is **not** a key.
    ///
    /// With keys `u_0 < u_1 < …`, `u_i - i` counts the non-keys below `u_i` and never
    /// decreases, so the keys below the answer are exactly those with `u_i - i <= k`: one
    /// descent finds how many there are, and the answer is `k` plus that many.
    pub(crate) fn nth_gap(&self, k: u128) -> u128 {
        let mut below: u128 = 0;
        let mut link = &self.root;
        while let Some(node) = link {
            let index = below + u128::from(size(&node.left));
            if node.key.saturating_sub(index) <= k {
                below = index + 1;
                link = &node.right;
            } else {
                link = &node.left;
            }
        }
        k.saturating_add(below)
    }
}

fn insert<K: Ord + Clone, V: Clone>(link: &mut Link<K, V>, key: K, value: V, priority: u64) {
    let goes_here = link.as_ref().is_none_or(|node| priority > node.priority);
    if goes_here {
        let (left, right) = split(link.take(), &key);
        let mut node = Node {
            key,
            value,
            priority,
            size: 1,
            left,
            right,
        };
        node.resize();
        *link = Some(Arc::new(node));
        return;
    }
    if let Some(arc) = link {
        let node = Arc::make_mut(arc);
        if key < node.key {
            insert(&mut node.left, key, value, priority);
        } else {
            insert(&mut node.right, key, value, priority);
        }
        node.resize();
    }
}

/// Splits into keys below `key` and keys at or above it.
fn split<K: Ord + Clone, V: Clone>(link: Link<K, V>, key: &K) -> (Link<K, V>, Link<K, V>) {
    let Some(mut arc) = link else {
        return (None, None);
    };
    let node = Arc::make_mut(&mut arc);
    if node.key < *key {
        let (below, above) = split(node.right.take(), key);
        node.right = below;
        node.resize();
        (Some(arc), above)
    } else {
        let (below, above) = split(node.left.take(), key);
        node.left = above;
        node.resize();
        (below, Some(arc))
    }
}

/// Joins two trees where every key of `low` is below every key of `high`.
fn merge<K: Clone, V: Clone>(low: Link<K, V>, high: Link<K, V>) -> Link<K, V> {
    match (low, high) {
        (None, high) => high,
        (low, None) => low,
        (Some(mut low), Some(mut high)) => {
            if low.priority > high.priority {
                let node = Arc::make_mut(&mut low);
                node.right = merge(node.right.take(), Some(high));
                node.resize();
                Some(low)
            } else {
                let node = Arc::make_mut(&mut high);
                node.left = merge(Some(low), node.left.take());
                node.resize();
                Some(high)
            }
        }
    }
}

fn remove_by<K, V>(link: &mut Link<K, V>, target: impl Fn(&K) -> Ordering + Copy) -> Option<V>
where
    K: Clone,
    V: Clone,
{
    let arc = link.as_mut()?;
    let node = Arc::make_mut(arc);
    match target(&node.key) {
        Ordering::Less => {
            let value = remove_by(&mut node.left, target)?;
            node.resize();
            Some(value)
        }
        Ordering::Greater => {
            let value = remove_by(&mut node.right, target)?;
            node.resize();
            Some(value)
        }
        Ordering::Equal => {
            let value = node.value.clone();
            let (left, right) = (node.left.take(), node.right.take());
            *link = merge(left, right);
            Some(value)
        }
    }
}

/// In-order iteration with an explicit stack (depth O(log n)).
pub(crate) struct Iter<'a, K, V> {
    stack: Vec<&'a Node<K, V>>,
}

impl<'a, K, V> Iter<'a, K, V> {
    fn push_left(&mut self, mut link: &'a Link<K, V>) {
        while let Some(node) = link {
            self.stack.push(node);
            link = &node.left;
        }
    }
}

impl<'a, K, V> Iterator for Iter<'a, K, V> {
    type Item = (&'a K, &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        let node = self.stack.pop()?;
        self.push_left(&node.right);
        Some((&node.key, &node.value))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    fn depth<K, V>(link: &Link<K, V>) -> usize {
        link.as_ref()
            .map_or(0, |n| 1 + depth(&n.left).max(depth(&n.right)))
    }

    fn check_invariants<K: Ord, V>(link: &Link<K, V>) {
        if let Some(node) = link {
            assert_eq!(node.size, 1 + size(&node.left) + size(&node.right));
            for child in [&node.left, &node.right].into_iter().flatten() {
                assert!(child.priority <= node.priority);
            }
            if let Some(left) = &node.left {
                assert!(left.key < node.key);
            }
            if let Some(right) = &node.right {
                assert!(right.key > node.key);
            }
            check_invariants(&node.left);
            check_invariants(&node.right);
        }
    }

    #[test]
    fn sorted_insertions_stay_shallow() {
        let mut tree = Tree::new();
        for key in 0..100_000u128 {
            assert!(tree.insert(key, ()));
        }
        check_invariants(&tree.root);
        // A list would be 100,000 deep; a treap is ~2.5 ln n ≈ 30 on average.
        assert!(depth(&tree.root) < 80, "depth {}", depth(&tree.root));
    }

    #[test]
    fn clones_are_independent() {
        let mut a = Tree::new();
        for key in [5u128, 1, 9, 3] {
            a.insert(key, key * 10);
        }
        let mut b = a.clone();
        b.insert(4, 40);
        assert_eq!(b.remove(&1), Some(10));
        assert_eq!(
            a.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
            vec![1, 3, 5, 9]
        );
        assert_eq!(
            b.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
            vec![3, 4, 5, 9]
        );
        check_invariants(&a.root);
        check_invariants(&b.root);
    }

    #[test]
    fn nth_gap_skips_keys() {
        let mut tree = Tree::new();
        for key in [0u128, 1, 3, 4, 5, 9] {
            tree.insert(key, ());
        }
        let gaps: Vec<u128> = (0..6).map(|k| tree.nth_gap(k)).collect();
        assert_eq!(gaps, vec![2, 6, 7, 8, 10, 11]);
        assert_eq!(Tree::<u128, ()>::new().nth_gap(7), 7);
    }

    proptest! {
        #[test]
        fn behaves_like_a_btreemap(ops in proptest::collection::vec((any::<bool>(), 0u128..64), 0..200)) {
            let mut tree = Tree::new();
            let mut model = BTreeMap::new();
            let mut snapshots = Vec::new();
            for (insert, key) in ops {
                snapshots.push((tree.clone(), model.clone()));
                if insert {
                    prop_assert_eq!(tree.insert(key, key + 1), !model.contains_key(&key));
                    model.entry(key).or_insert(key + 1);
                } else {
                    prop_assert_eq!(tree.remove(&key), model.remove(&key));
                }
                check_invariants(&tree.root);
                prop_assert_eq!(tree.len(), model.len() as u64);
                let gaps: Vec<u128> = (0u128..70).filter(|k| !model.contains_key(k)).collect();
                for (k, gap) in gaps.iter().enumerate() {
                    prop_assert_eq!(tree.nth_gap(k as u128), *gap);
                }
            }
            // Every snapshot still reads as it did when taken.
            for (old_tree, old_model) in snapshots {
                let entries: Vec<(u128, u128)> = old_tree.iter().map(|(k, v)| (*k, *v)).collect();
                let expected: Vec<(u128, u128)> = old_model.into_iter().collect();
                prop_assert_eq!(entries, expected);
            }
        }
    }
}
