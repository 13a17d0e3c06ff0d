//! A persistent, weighted B+tree: the index behind [`AllocatedPool`](super::AllocatedPool).
//!
//! Why this shape:
//! - *Wide nodes.* A node holds up to [`CAP`]` - 1` entries (or children) in one contiguous
//!   buffer, so a search touches a handful of nodes (4 levels for a million entries) instead
//!   of the ~40 scattered nodes of a binary tree: the treap this replaces spent most of a
//!   fill waiting on cache misses.
//! - *Weights.* Every child records the summed [`Weighted::weight`] of its subtree, so the
//!   allocator finds the k-th **free** address in one descent (see [`Tree::last_where`]) and
//!   counts in O(1) at the root.
//! - *Persistence.* Nodes sit behind `Arc` and are copied on write with `Arc::make_mut`, so a
//!   clone is O(1) (a store hands out snapshots without copying a million rows) and a writer
//!   copies only the nodes on its path. A tree nothing else shares is changed in place.
//!
//! Nodes never fall below [`MIN`] entries (except the root), so the depth is O(log n) in the
//! entries and memory is proportional to them, whatever the order of operations.

use std::cmp::Ordering;
use std::sync::Arc;

/// A node splits in two halves when it reaches this many entries (or children).
const CAP: usize = 32;
/// A node below this many entries (or children) is merged with a neighbour or refilled.
const MIN: usize = CAP / 4;

/// What an entry counts for in its subtree's weight.
pub(crate) trait Weighted {
    /// This entry's weight.
    fn weight(&self) -> u64;
}

/// A subtree as its parent sees it: its smallest key and its total weight, kept beside the
/// pointer so a descent reads them without visiting the node.
#[derive(Clone)]
struct Child<K, V> {
    key: K,
    weight: u64,
    node: Arc<Node<K, V>>,
}

#[derive(Clone)]
enum Node<K, V> {
    /// Entries in key order.
    Leaf(Vec<(K, V)>),
    /// Subtrees in key order, at least one.
    Branch(Vec<Child<K, V>>),
}

impl<K: Clone, V: Clone + Weighted> Node<K, V> {
    fn len(&self) -> usize {
        match self {
            Self::Leaf(entries) => entries.len(),
            Self::Branch(children) => children.len(),
        }
    }

    fn first_key(&self) -> Option<&K> {
        match self {
            Self::Leaf(entries) => entries.first().map(|(key, _)| key),
            Self::Branch(children) => children.first().map(|child| &child.key),
        }
    }

    /// Moves the entries from `at` on into a new node; returns it with its weight.
    fn split_off(&mut self, at: usize) -> (Self, u64) {
        match self {
            Self::Leaf(entries) => {
                let right = entries.split_off(at);
                let weight = right.iter().map(|(_, value)| value.weight()).sum();
                (Self::Leaf(right), weight)
            }
            Self::Branch(children) => {
                let right = children.split_off(at);
                let weight = right.iter().map(|child| child.weight).sum();
                (Self::Branch(right), weight)
            }
        }
    }

    /// Appends `right`'s entries; both are at the same depth, so both are leaves or both
    /// are branches.
    fn append(&mut self, right: Self) {
        match (self, right) {
            (Self::Leaf(entries), Self::Leaf(mut more)) => entries.append(&mut more),
            (Self::Branch(children), Self::Branch(mut more)) => children.append(&mut more),
            // Unreachable: siblings share a depth. Dropping `right` would lose entries, so
            // keep the tree well-formed instead: the parent's weights stay exact either way.
            (Self::Leaf(_) | Self::Branch(_), _) => debug_assert!(false, "siblings differ"),
        }
    }
}

impl<K: Ord + Clone, V: Clone + Weighted> Child<K, V> {
    fn leaf(key: K, value: V) -> Self {
        Self {
            key: key.clone(),
            weight: value.weight(),
            node: Arc::new(Node::Leaf(vec![(key, value)])),
        }
    }

    /// Inserts `key`, or replaces its value. Returns the replaced value and, when the node
    /// reached [`CAP`], the new right half to insert beside it.
    fn insert(&mut self, key: K, value: V) -> (Option<V>, Option<Self>) {
        if key < self.key {
            self.key = key.clone();
        }
        let added = value.weight();
        let node = Arc::make_mut(&mut self.node);
        let old = match node {
            Node::Leaf(entries) => match entries.binary_search_by(|(k, _)| k.cmp(&key)) {
                Ok(at) => entries
                    .get_mut(at)
                    .map(|(_, slot)| std::mem::replace(slot, value)),
                Err(at) => {
                    entries.insert(at, (key, value));
                    None
                }
            },
            Node::Branch(children) => {
                let at = children
                    .partition_point(|child| child.key <= key)
                    .saturating_sub(1);
                if let Some(child) = children.get_mut(at) {
                    let (old, split) = child.insert(key, value);
                    if let Some(right) = split {
                        children.insert(at + 1, right);
                    }
                    old
                } else {
                    children.push(Self::leaf(key, value));
                    None
                }
            }
        };
        self.weight = self.weight + added - old.as_ref().map_or(0, Weighted::weight);
        let split = (node.len() >= CAP).then(|| self.split_half());
        (old, split)
    }

    /// Removes the key `target` finds, fixing up any child left below [`MIN`].
    fn remove(&mut self, target: &impl Fn(&K) -> Ordering) -> Option<V> {
        let node = Arc::make_mut(&mut self.node);
        let value = match node {
            Node::Leaf(entries) => {
                let at = entries
                    .binary_search_by(|(k, _)| target(k).reverse())
                    .ok()?;
                entries.remove(at).1
            }
            Node::Branch(children) => {
                let at = children
                    .partition_point(|child| target(&child.key) != Ordering::Less)
                    .checked_sub(1)?;
                let child = children.get_mut(at)?;
                let value = child.remove(target)?;
                if child.node.len() < MIN {
                    rebalance(children, at);
                }
                value
            }
        };
        self.weight -= value.weight();
        if target(&self.key) == Ordering::Equal
            && let Some(first) = node.first_key()
        {
            self.key = first.clone();
        }
        Some(value)
    }

    /// Splits this node in two halves; returns the right one.
    fn split_half(&mut self) -> Self {
        let node = Arc::make_mut(&mut self.node);
        let (right, weight) = node.split_off(node.len() / 2);
        self.weight -= weight;
        let key = right.first_key().unwrap_or(&self.key).clone();
        Self {
            key,
            weight,
            node: Arc::new(right),
        }
    }
}

/// Merges the child at `at` with a neighbour, then splits the pair evenly if it is too big
/// to stay one node: both halves then hold at least `CAP / 2` entries.
fn rebalance<K: Ord + Clone, V: Clone + Weighted>(children: &mut Vec<Child<K, V>>, at: usize) {
    let left = if at + 1 < children.len() {
        at
    } else if let Some(before) = at.checked_sub(1) {
        before
    } else {
        return;
    };
    let right = children.remove(left + 1);
    let Some(merged) = children.get_mut(left) else {
        return;
    };
    Arc::make_mut(&mut merged.node).append(Arc::unwrap_or_clone(right.node));
    merged.weight += right.weight;
    if merged.node.len() >= CAP {
        let right = merged.split_half();
        children.insert(left + 1, right);
    }
}

/// An entry found by a search, if any.
type Entry<'a, K, V> = Option<(&'a K, &'a V)>;

/// The first entry of a subtree: down its left edge.
fn first_entry<K, V>(mut child: &Child<K, V>) -> Option<(&K, &V)> {
    loop {
        match &*child.node {
            Node::Leaf(entries) => return entries.first().map(|(k, v)| (k, v)),
            Node::Branch(children) => child = children.first()?,
        }
    }
}

/// An ordered map with subtree weights and O(1) clones.
#[derive(Clone)]
pub(crate) struct Tree<K, V> {
    root: Option<Child<K, V>>,
}

impl<K: Ord + Clone, V: Clone + Weighted> Tree<K, V> {
    pub(crate) fn new() -> Self {
        Self { root: None }
    }

    /// The summed weight of all entries.
    pub(crate) fn weight(&self) -> u64 {
        self.root.as_ref().map_or(0, |root| root.weight)
    }

    /// The value of the key for which `target` answers `Equal`; `target(key)` says where the
    /// wanted key lies relative to `key` (so keys need not be borrowable as a query type).
    pub(crate) fn find(&self, target: impl Fn(&K) -> Ordering) -> Option<&V> {
        let (key, value) = self.last_at_or_below(&target)?;
        (target(key) == Ordering::Equal).then_some(value)
    }

    /// The entry with the greatest key at or below the wanted one (see [`Tree::find`]).
    pub(crate) fn last_at_or_below(&self, target: impl Fn(&K) -> Ordering) -> Option<(&K, &V)> {
        let mut child = self.root.as_ref()?;
        loop {
            match &*child.node {
                Node::Leaf(entries) => {
                    let at = entries
                        .partition_point(|(k, _)| target(k) != Ordering::Less)
                        .checked_sub(1)?;
                    return entries.get(at).map(|(k, v)| (k, v));
                }
                Node::Branch(children) => {
                    let at = children
                        .partition_point(|child| target(&child.key) != Ordering::Less)
                        .checked_sub(1)?;
                    child = children.get(at)?;
                }
            }
        }
    }

    /// The entry with the greatest key at or below the wanted one and the entry with the
    /// least key above it (see [`Tree::find`]), in one descent (plus, when the second lies in
    /// the next leaf, a walk down that leaf's left edge).
    pub(crate) fn neighbours(
        &self,
        target: impl Fn(&K) -> Ordering,
    ) -> (Entry<'_, K, V>, Entry<'_, K, V>) {
        let Some(mut child) = self.root.as_ref() else {
            return (None, None);
        };
        // The subtree right after the current one at the deepest level that has one: where
        // the entry above lies when the current leaf has nothing above the wanted key.
        let mut after: Option<&Child<K, V>> = None;
        loop {
            match &*child.node {
                Node::Leaf(entries) => {
                    let at = entries.partition_point(|(k, _)| target(k) != Ordering::Less);
                    let below = at
                        .checked_sub(1)
                        .and_then(|i| entries.get(i))
                        .map(|(k, v)| (k, v));
                    let above = match entries.get(at) {
                        Some((k, v)) => Some((k, v)),
                        None => after.and_then(|next| first_entry(next)),
                    };
                    return (below, above);
                }
                Node::Branch(children) => {
                    let at = children.partition_point(|c| target(&c.key) != Ordering::Less);
                    let Some(below) = at.checked_sub(1).and_then(|i| children.get(i)) else {
                        // Every key is above the wanted one.
                        return (None, children.first().and_then(first_entry));
                    };
                    if let Some(next) = children.get(at) {
                        after = Some(next);
                    }
                    child = below;
                }
            }
        }
    }

    /// The last entry, in key order, for which `holds(key, weight_before)` is true, where
    /// `weight_before` is the summed weight of the entries with smaller keys; returned with
    /// that weight. `holds` must be true on a prefix of the entries and false after it.
    pub(crate) fn last_where(&self, holds: impl Fn(&K, u64) -> bool) -> Option<(&K, &V, u64)> {
        let root = self.root.as_ref()?;
        if !holds(&root.key, 0) {
            return None;
        }
        let mut before = 0;
        let mut node = &*root.node;
        loop {
            match node {
                Node::Leaf(entries) => {
                    let mut found = None;
                    for (key, value) in entries {
                        if !holds(key, before) {
                            break;
                        }
                        found = Some((key, value, before));
                        before += value.weight();
                    }
                    return found;
                }
                Node::Branch(children) => {
                    let mut found = None;
                    for child in children {
                        if !holds(&child.key, before) {
                            break;
                        }
                        found = Some((child, before));
                        before += child.weight;
                    }
                    let (child, weight_before) = found?;
                    before = weight_before;
                    node = &child.node;
                }
            }
        }
    }

    /// Inserts `key` or replaces its value; returns the value replaced.
    pub(crate) fn insert(&mut self, key: K, value: V) -> Option<V> {
        let Some(root) = &mut self.root else {
            self.root = Some(Child::leaf(key, value));
            return None;
        };
        let (old, split) = root.insert(key, value);
        if let Some(right) = split {
            let left = root.clone();
            *root = Child {
                key: left.key.clone(),
                weight: left.weight + right.weight,
                node: Arc::new(Node::Branch(vec![left, right])),
            };
        }
        old
    }

    /// Removes the key `target` finds (see [`Tree::find`]); an absent key leaves the tree,
    /// and any nodes it shares, untouched.
    pub(crate) fn remove_by(&mut self, target: impl Fn(&K) -> Ordering) -> Option<V> {
        self.find(&target)?;
        self.remove_present(target)
    }

    /// Removes a key the caller has just found present, skipping the lookup
    /// [`Tree::remove_by`] makes to leave shared nodes untouched on a miss. (An absent key
    /// is still not removed, but the nodes on its path may have been copied.)
    pub(crate) fn remove_present(&mut self, target: impl Fn(&K) -> Ordering) -> Option<V> {
        let value = self.root.as_mut()?.remove(&target)?;
        self.shrink_root();
        Some(value)
    }

    /// A root branch left with one child gives way to it; an empty root leaf to nothing.
    fn shrink_root(&mut self) {
        loop {
            let Some(root) = &self.root else { return };
            match &*root.node {
                Node::Branch(children) if children.len() == 1 => {
                    self.root = children.first().cloned();
                }
                Node::Leaf(entries) if entries.is_empty() => self.root = None,
                Node::Leaf(_) | Node::Branch(_) => return,
            }
        }
    }

    /// Every entry, in key order.
    pub(crate) fn iter(&self) -> Iter<'_, K, V> {
        let mut iter = Iter {
            branches: Vec::new(),
            leaf: [].iter(),
        };
        if let Some(root) = &self.root {
            iter.descend(&root.node);
        }
        iter
    }
}

/// In-order iteration: one slice iterator per level (depth O(log n)).
pub(crate) struct Iter<'a, K, V> {
    branches: Vec<std::slice::Iter<'a, Child<K, V>>>,
    leaf: std::slice::Iter<'a, (K, V)>,
}

impl<'a, K, V> Iter<'a, K, V> {
    fn descend(&mut self, mut node: &'a Node<K, V>) {
        loop {
            match node {
                Node::Leaf(entries) => {
                    self.leaf = entries.iter();
                    return;
                }
                Node::Branch(children) => {
                    let mut children = children.iter();
                    let first = children.next();
                    self.branches.push(children);
                    match first {
                        Some(child) => node = &child.node,
                        None => return,
                    }
                }
            }
        }
    }
}

impl<'a, K, V> Iterator for Iter<'a, K, V> {
    type Item = (&'a K, &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some((key, value)) = self.leaf.next() {
                return Some((key, value));
            }
            let next = self.branches.last_mut()?.next();
            match next {
                Some(child) => self.descend(&child.node),
                None => {
                    self.branches.pop();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    /// Checks every invariant below `child`; returns the subtree's depth.
    fn check<K: Ord + Clone + std::fmt::Debug, V: Clone + Weighted>(
        child: &Child<K, V>,
        is_root: bool,
    ) -> usize {
        let node = &*child.node;
        assert!(node.len() < CAP, "node of {} entries", node.len());
        if !is_root {
            assert!(node.len() >= MIN, "node of {} entries", node.len());
        }
        assert_eq!(node.first_key(), Some(&child.key));
        match node {
            Node::Leaf(entries) => {
                assert!(entries.windows(2).all(|w| w[0].0 < w[1].0));
                let weight: u64 = entries.iter().map(|(_, v)| v.weight()).sum();
                assert_eq!(child.weight, weight);
                1
            }
            Node::Branch(children) => {
                assert!(children.len() >= 2 || !is_root);
                assert!(children.windows(2).all(|w| w[0].key < w[1].key));
                assert_eq!(child.weight, children.iter().map(|c| c.weight).sum::<u64>());
                let depths: Vec<usize> = children.iter().map(|c| check(c, false)).collect();
                assert!(depths.windows(2).all(|w| w[0] == w[1]), "{depths:?}");
                1 + depths.first().copied().unwrap_or(0)
            }
        }
    }

    fn depth<K: Ord + Clone + std::fmt::Debug, V: Clone + Weighted>(tree: &Tree<K, V>) -> usize {
        tree.root.as_ref().map_or(0, |root| check(root, true))
    }

    #[test]
    fn sorted_insertions_stay_shallow_and_removals_shrink_it() {
        let mut tree = Tree::new();
        for key in 0..100_000u128 {
            assert_eq!(tree.insert(key, 1u64), None);
        }
        // 100,000 entries in nodes of at least 16 (sorted input leaves the halves of each
        // split behind): 5 levels at most.
        assert!(depth(&tree) <= 5, "depth {}", depth(&tree));
        assert_eq!(tree.weight(), 100_000);
        for key in (0..100_000u128).filter(|k| k % 1000 != 0) {
            assert_eq!(tree.remove_by(|k| key.cmp(k)), Some(1));
        }
        assert_eq!(tree.weight(), 100);
        assert!(depth(&tree) <= 2, "depth {}", depth(&tree));
        for key in (0..100_000u128).step_by(1000) {
            assert_eq!(tree.remove_by(|k| key.cmp(k)), Some(1));
        }
        assert!(tree.root.is_none());
    }

    #[test]
    fn clones_are_independent() {
        let mut a = Tree::new();
        for key in [5u128, 1, 9, 3] {
            a.insert(key, u64::try_from(key).unwrap() * 10);
        }
        let mut b = a.clone();
        b.insert(4, 40);
        assert_eq!(b.remove_by(|k| 1u128.cmp(k)), Some(10));
        let keys = |t: &Tree<u128, u64>| t.iter().map(|(k, _)| *k).collect::<Vec<_>>();
        assert_eq!(keys(&a), vec![1, 3, 5, 9]);
        assert_eq!(keys(&b), vec![3, 4, 5, 9]);
        assert_eq!((a.weight(), b.weight()), (180, 210));
    }

    #[test]
    fn last_where_sees_the_weight_before_each_key() {
        let mut tree = Tree::new();
        // key → weight; weights before: 10 → 0, 20 → 3, 30 → 5, 40 → 12.
        for (key, weight) in [(10u128, 3u64), (20, 2), (30, 7), (40, 1)] {
            tree.insert(key, weight);
        }
        let before = |limit: u64| tree.last_where(|_, before| before <= limit);
        assert_eq!(before(0), Some((&10, &3, 0)));
        assert_eq!(before(4), Some((&20, &2, 3)));
        assert_eq!(before(11), Some((&30, &7, 5)));
        assert_eq!(before(99), Some((&40, &1, 12)));
        assert_eq!(tree.last_where(|key, _| *key < 10), None);
        assert_eq!(Tree::<u128, u64>::new().last_where(|_, _| true), None);
    }

    proptest! {
        #[test]
        fn behaves_like_a_btreemap(ops in proptest::collection::vec((0u8..3, 0u128..400, 1u64..5), 0..600)) {
            let mut tree = Tree::new();
            let mut model = BTreeMap::new();
            let mut snapshots = Vec::new();
            for (i, (op, key, value)) in ops.into_iter().enumerate() {
                if i % 50 == 0 {
                    snapshots.push((tree.clone(), model.clone()));
                }
                match op {
                    0 | 1 => prop_assert_eq!(tree.insert(key, value), model.insert(key, value)),
                    _ => prop_assert_eq!(tree.remove_by(|k| key.cmp(k)), model.remove(&key)),
                }
                depth(&tree);
                prop_assert_eq!(tree.weight(), model.values().sum::<u64>());
                let probe = key.wrapping_add(u128::from(value)) % 400;
                prop_assert_eq!(tree.find(|k| probe.cmp(k)), model.get(&probe));
                prop_assert_eq!(
                    tree.last_at_or_below(|k| probe.cmp(k)),
                    model.range(..=probe).next_back()
                );
                prop_assert_eq!(
                    tree.neighbours(|k| probe.cmp(k)),
                    (model.range(..=probe).next_back(), model.range(probe + 1..).next())
                );
                // The last key whose weight-before is at most `limit`.
                let limit = u64::try_from(key).unwrap_or(0);
                let mut before = 0;
                let mut want = None;
                for (k, v) in &model {
                    if before > limit {
                        break;
                    }
                    want = Some((k, v, before));
                    before += v;
                }
                prop_assert_eq!(tree.last_where(|_, before| before <= limit), want);
            }
            // Every snapshot still reads as it did when taken.
            for (old_tree, old_model) in snapshots {
                let entries: Vec<(u128, u64)> = old_tree.iter().map(|(k, v)| (*k, *v)).collect();
                let expected: Vec<(u128, u64)> = old_model.into_iter().collect();
                prop_assert_eq!(entries, expected);
            }
        }
    }
}
