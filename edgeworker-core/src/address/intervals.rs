//! A set of `u128` numbers kept as runs of consecutive members: the used positions of a pool.
//!
//! Allocations cluster (a sequential fill is one run, a random fill of a small pool merges
//! into few), so storing runs instead of members makes the common cases both smaller and
//! shallower; the worst case (no two members adjacent) costs one entry per member, as a set
//! of members would.

use super::tree::{Tree, Weighted};

/// A run's length, which is also its weight: the tree's weights then count members.
impl Weighted for u64 {
    fn weight(&self) -> u64 {
        *self
    }
}

/// A set of `u128`s with O(log n) insert, remove, membership, count and k-th non-member, in
/// the number of runs; O(1) clone.
#[derive(Clone)]
pub(crate) struct Intervals {
    /// Run start → run length (at least 1). Runs never overlap or touch: two runs with no gap
    /// between them are always merged, so a member's run is unique.
    runs: Tree<u128, u64>,
}

impl Intervals {
    pub(crate) fn new() -> Self {
        Self { runs: Tree::new() }
    }

    /// How many numbers are members.
    pub(crate) fn count(&self) -> u64 {
        self.runs.weight()
    }

    /// The run holding `value`, as (start, length).
    fn run_of(&self, value: u128) -> Option<(u128, u64)> {
        let (&start, &len) = self.runs.last_at_or_below(|key| value.cmp(key))?;
        (value - start < u128::from(len)).then_some((start, len))
    }

    pub(crate) fn contains(&self, value: u128) -> bool {
        self.run_of(value).is_some()
    }

    /// Adds `value`; returns whether it was absent.
    pub(crate) fn insert(&mut self, value: u128) -> bool {
        let (below, above) = self.runs.neighbours(|key| value.cmp(key));
        let left = match below {
            Some((&start, &len)) => {
                let offset = value - start;
                if offset < u128::from(len) {
                    return false;
                }
                // The run ends right below `value`: extend it.
                (offset == u128::from(len)).then_some((start, len))
            }
            None => None,
        };
        // The run starts right above `value`: join it.
        let right = above
            .filter(|&(&start, _)| value.checked_add(1) == Some(start))
            .map(|(&start, &len)| (start, len));
        match (left, right) {
            (Some((start, len)), Some((next, more))) => {
                self.runs.remove_present(|key| next.cmp(key));
                self.runs.insert(start, len + 1 + more);
            }
            (Some((start, len)), None) => {
                self.runs.insert(start, len + 1);
            }
            (None, Some((next, more))) => {
                self.runs.remove_present(|key| next.cmp(key));
                self.runs.insert(value, more + 1);
            }
            (None, None) => {
                self.runs.insert(value, 1);
            }
        }
        true
    }

    /// Removes `value`; returns whether it was a member.
    pub(crate) fn remove(&mut self, value: u128) -> bool {
        let Some((start, len)) = self.run_of(value) else {
            return false;
        };
        // `value` splits its run into the part below it and the part above it.
        let below = value - start;
        let above = u128::from(len) - below - 1;
        if below == 0 {
            self.runs.remove_present(|key| start.cmp(key));
        } else {
            self.runs.insert(start, narrow(below));
        }
        if above > 0 {
            self.runs.insert(value + 1, narrow(above));
        }
        true
    }

    /// The `k`-th (from 0) number in `0..` that is **not** a member, saturating at
    /// `u128::MAX`.
    ///
    /// With runs in order, `start - (members below start)` counts the non-members below a run
    /// and never decreases from one run to the next; the runs below the answer are exactly
    /// those where it is at most `k`. One descent finds the last of them, and the answer is
    /// `k` plus every member up to that run's end.
    pub(crate) fn nth_gap(&self, k: u128) -> u128 {
        self.runs
            .last_where(|&start, members_below| {
                start.saturating_sub(u128::from(members_below)) <= k
            })
            .map_or(k, |(_, &len, members_below)| {
                k.saturating_add(u128::from(members_below) + u128::from(len))
            })
    }
}

/// A part of a run is shorter than the run, whose length is a `u64`.
fn narrow(len: u128) -> u64 {
    u64::try_from(len).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use proptest::prelude::*;

    use super::*;

    fn runs(set: &Intervals) -> Vec<(u128, u64)> {
        set.runs.iter().map(|(k, v)| (*k, *v)).collect()
    }

    #[test]
    fn a_sequential_fill_is_one_run() {
        let mut set = Intervals::new();
        for value in 0..10_000 {
            assert!(set.insert(value));
        }
        assert_eq!(runs(&set), [(0, 10_000)]);
        assert!(set.remove(5_000));
        assert_eq!(runs(&set), [(0, 5_000), (5_001, 4_999)]);
        assert!(!set.remove(5_000));
        assert!(set.insert(5_000));
        assert_eq!(runs(&set), [(0, 10_000)]);
        assert!(!set.insert(9_999));
        assert_eq!(set.nth_gap(0), 10_000);
    }

    #[test]
    fn neighbours_merge_from_either_side() {
        let mut set = Intervals::new();
        for value in [10, 12, 14] {
            set.insert(value);
        }
        set.insert(11);
        assert_eq!(runs(&set), [(10, 3), (14, 1)]);
        set.insert(15);
        set.insert(9);
        assert_eq!(runs(&set), [(9, 4), (14, 2)]);
        set.insert(13);
        assert_eq!(runs(&set), [(9, 7)]);
        assert_eq!(set.count(), 7);
    }

    #[test]
    fn nth_gap_skips_members() {
        let mut set = Intervals::new();
        for value in [0u128, 1, 3, 4, 5, 9] {
            set.insert(value);
        }
        let gaps: Vec<u128> = (0..6).map(|k| set.nth_gap(k)).collect();
        assert_eq!(gaps, vec![2, 6, 7, 8, 10, 11]);
        assert_eq!(Intervals::new().nth_gap(7), 7);
    }

    #[test]
    fn the_top_of_the_range_does_not_overflow() {
        let mut set = Intervals::new();
        assert!(set.insert(u128::MAX));
        assert!(set.insert(u128::MAX - 1));
        assert_eq!(runs(&set), [(u128::MAX - 1, 2)]);
        assert!(set.contains(u128::MAX));
        assert_eq!(set.nth_gap(u128::MAX - 2), u128::MAX - 2);
        assert_eq!(set.nth_gap(u128::MAX - 1), u128::MAX);
        assert!(set.remove(u128::MAX));
        assert_eq!(runs(&set), [(u128::MAX - 1, 1)]);
    }

    proptest! {
        #[test]
        fn behaves_like_a_btreeset(ops in proptest::collection::vec((any::<bool>(), 0u128..300), 0..800)) {
            let mut set = Intervals::new();
            let mut model = BTreeSet::new();
            for (insert, value) in ops {
                if insert {
                    prop_assert_eq!(set.insert(value), model.insert(value));
                } else {
                    prop_assert_eq!(set.remove(value), model.remove(&value));
                }
                prop_assert_eq!(set.count(), model.len() as u64);
                prop_assert_eq!(set.contains(value), model.contains(&value));
                // Runs are maximal: no two touch.
                let runs = runs(&set);
                prop_assert!(runs.windows(2).all(|w| w[0].0 + u128::from(w[0].1) < w[1].0));
                let gaps: Vec<u128> = (0u128..310).filter(|v| !model.contains(v)).collect();
                for (k, gap) in gaps.iter().enumerate().step_by(7) {
                    prop_assert_eq!(set.nth_gap(k as u128), *gap);
                }
            }
        }
    }
}
