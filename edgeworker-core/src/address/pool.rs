//! Address pools: a network, the inclusive ranges handed out from it, and the order.
//!
//! A pool is checked once, when it is built; an [`AddressPool`] value is always consistent:
//! ranges are inside the network, non-empty, of the network's family, sorted and disjoint.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::excerpt::excerpt;

/// The smallest IPv4 network a pool may have (a /30 has two host addresses).
pub const MIN_IPV4_PREFIX_ROOM: u8 = 30;

/// The smallest IPv6 network a pool may have: like IPv4, room for two addresses besides the
/// network's own.
pub const MIN_IPV6_PREFIX_ROOM: u8 = 126;

/// How the allocator picks a free address.
///
/// ```
/// use edgeworker_core::address::AllocationOrder;
/// assert_eq!("sequential".parse::<AllocationOrder>()?, AllocationOrder::Sequential);
/// assert_eq!(AllocationOrder::default(), AllocationOrder::Random);
/// assert!("Random".parse::<AllocationOrder>().is_err());
/// # Ok::<(), edgeworker_core::address::PoolError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AllocationOrder {
    /// Uniformly random among the free addresses (sysinv's default).
    #[default]
    Random,
    /// The lowest free address.
    Sequential,
}

impl AllocationOrder {
    /// The name sysinv uses.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Random => "random",
            Self::Sequential => "sequential",
        }
    }
}

impl fmt::Display for AllocationOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AllocationOrder {
    type Err = PoolError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "random" => Ok(Self::Random),
            "sequential" => Ok(Self::Sequential),
            other => Err(PoolError::InvalidOrder {
                order: other.to_owned(),
            }),
        }
    }
}

/// An inclusive range of addresses of one family, `start <= end`.
///
/// ```
/// use edgeworker_core::address::AddressRange;
/// let range = AddressRange::new("10.0.0.2".parse()?, "10.0.0.9".parse()?)?;
/// assert_eq!(range.len(), 8);
/// assert!(range.contains("10.0.0.9".parse()?));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AddressRange {
    start: IpAddr,
    end: IpAddr,
}

impl AddressRange {
    /// Builds a range.
    ///
    /// # Errors
    ///
    /// [`PoolError::MixedFamily`] when the ends differ in family, [`PoolError::RangeReversed`]
    /// when `start > end`.
    pub fn new(start: IpAddr, end: IpAddr) -> Result<Self, PoolError> {
        if start.is_ipv4() != end.is_ipv4() {
            return Err(PoolError::MixedFamily);
        }
        if ip_to_u128(start) > ip_to_u128(end) {
            return Err(PoolError::RangeReversed { start, end });
        }
        Ok(Self { start, end })
    }

    /// The first address.
    #[must_use]
    pub fn start(&self) -> IpAddr {
        self.start
    }

    /// The last address (inclusive).
    #[must_use]
    pub fn end(&self) -> IpAddr {
        self.end
    }

    /// The number of addresses, saturating at `u128::MAX` (only `::/0` entire overflows).
    #[must_use]
    pub fn len(&self) -> u128 {
        (ip_to_u128(self.end) - ip_to_u128(self.start)).saturating_add(1)
    }

    /// Never true: a range holds at least its start. Present for the `len` convention.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Whether `ip` is inside the range (and of its family).
    #[must_use]
    pub fn contains(&self, ip: IpAddr) -> bool {
        ip.is_ipv4() == self.start.is_ipv4()
            && (ip_to_u128(self.start)..=ip_to_u128(self.end)).contains(&ip_to_u128(ip))
    }
}

/// A validated address pool.
///
/// ```
/// use edgeworker_core::address::{AddressPool, AllocationOrder};
///
/// let pool = AddressPool::new("management", "192.168.204.0/24".parse()?, None, AllocationOrder::Random)?;
/// assert_eq!(pool.ranges()[0].start().to_string(), "192.168.204.1");
/// assert_eq!(pool.ranges()[0].end().to_string(), "192.168.204.254");
/// assert!(pool.contains("192.168.204.7".parse()?));
/// assert!(!pool.contains("192.168.205.7".parse()?));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "PoolSpec", into = "PoolSpec")]
pub struct AddressPool {
    name: String,
    network: IpNet,
    ranges: Vec<AddressRange>,
    order: AllocationOrder,
}

impl AddressPool {
    /// Builds a pool; `ranges: None` means the network's first to last host address.
    ///
    /// # Errors
    ///
    /// A [`PoolError`] naming the first problem: empty name, host bits set in the network, a
    /// network too small, a range of the wrong family, reversed, outside the network,
    /// starting at the network address, ending at an IPv4 broadcast address or overlapping
    /// another, or an empty range list.
    pub fn new(
        name: impl Into<String>,
        network: IpNet,
        ranges: Option<Vec<AddressRange>>,
        order: AllocationOrder,
    ) -> Result<Self, PoolError> {
        let name = name.into();
        if name.is_empty() {
            return Err(PoolError::InvalidName);
        }
        if network.network() != network.addr() {
            return Err(PoolError::HostBitsSet { network });
        }
        let too_small = match network {
            IpNet::V4(n) => n.prefix_len() > MIN_IPV4_PREFIX_ROOM,
            IpNet::V6(n) => n.prefix_len() > MIN_IPV6_PREFIX_ROOM,
        };
        if too_small {
            return Err(PoolError::NetworkTooSmall { network });
        }
        let mut ranges = match ranges {
            Some(ranges) => ranges,
            None => vec![default_range(network)],
        };
        if ranges.is_empty() {
            return Err(PoolError::NoRanges);
        }
        for range in &ranges {
            if range.start.is_ipv4() != network.addr().is_ipv4() {
                return Err(PoolError::MixedFamily);
            }
            if !network.contains(&range.start) || !network.contains(&range.end) {
                return Err(PoolError::RangeOutsideNetwork {
                    range: *range,
                    network,
                });
            }
            // sysinv `address_pool.py` `_check_valid_range`: the network address, and the
            // broadcast address of an IPv4 network, are never handed out.
            if range.start == network.network() {
                return Err(PoolError::RangeIncludesNetwork {
                    range: *range,
                    network,
                });
            }
            if let IpNet::V4(v4) = network
                && range.end == IpAddr::V4(v4.broadcast())
            {
                return Err(PoolError::RangeIncludesBroadcast {
                    range: *range,
                    network,
                });
            }
        }
        ranges.sort_by_key(|r| ip_to_u128(r.start));
        if let Some(pair) = ranges
            .windows(2)
            .find(|pair| ip_to_u128(pair[0].end) >= ip_to_u128(pair[1].start))
        {
            return Err(PoolError::RangeOverlap {
                first: pair[0],
                second: pair[1],
            });
        }
        Ok(Self {
            name,
            network,
            ranges,
            order,
        })
    }

    /// The pool's name (`management`).
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The network the ranges lie in.
    #[must_use]
    pub fn network(&self) -> IpNet {
        self.network
    }

    /// The ranges, sorted by start and disjoint.
    #[must_use]
    pub fn ranges(&self) -> &[AddressRange] {
        &self.ranges
    }

    /// The default allocation order.
    #[must_use]
    pub fn order(&self) -> AllocationOrder {
        self.order
    }

    /// Whether the pool is IPv4.
    #[must_use]
    pub fn is_ipv4(&self) -> bool {
        self.network.addr().is_ipv4()
    }

    /// Whether `ip` lies in one of the ranges. O(log ranges).
    #[must_use]
    pub fn contains(&self, ip: IpAddr) -> bool {
        if ip.is_ipv4() != self.is_ipv4() {
            return false;
        }
        let v = ip_to_u128(ip);
        let after = self.ranges.partition_point(|r| ip_to_u128(r.start) <= v);
        after > 0 && v <= ip_to_u128(self.ranges[after - 1].end)
    }

    /// How many addresses the ranges hold, saturating at `u128::MAX`.
    #[must_use]
    pub fn size(&self) -> u128 {
        self.ranges
            .iter()
            .fold(0u128, |sum, r| sum.saturating_add(r.len()))
    }
}

/// The first to the last host address: for IPv4 without the network and broadcast
/// addresses; for IPv6 without the subnet-router anycast (network) address.
fn default_range(network: IpNet) -> AddressRange {
    match network {
        IpNet::V4(n) => AddressRange {
            start: IpAddr::V4(Ipv4Addr::from(u32::from(n.network()) + 1)),
            end: IpAddr::V4(Ipv4Addr::from(u32::from(n.broadcast()) - 1)),
        },
        IpNet::V6(n) => AddressRange {
            start: IpAddr::V6(Ipv6Addr::from(u128::from(n.network()) + 1)),
            end: IpAddr::V6(n.broadcast()),
        },
    }
}

/// An address as a number, for range arithmetic (IPv4 in the low 32 bits).
#[must_use]
pub(crate) fn ip_to_u128(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// The JSON shape of a pool, as in the context file and the pool file:
/// `{"name": "management", "network": "192.168.204.0/24",
///   "ranges": [["192.168.204.2", "192.168.204.254"]], "order": "random"}`.
///
/// ```
/// use edgeworker_core::address::AddressPool;
/// let pool: AddressPool = serde_json::from_str(
///     r#"{"name": "mgmt", "network": "fd00::/64", "ranges": [["fd00::10", "fd00::ff"]]}"#,
/// )?;
/// assert_eq!(pool.size(), 240);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolSpec {
    /// The pool's name.
    pub name: String,
    /// The network, `address/prefix`.
    pub network: String,
    /// Inclusive `[start, end]` pairs; absent means the default range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ranges: Option<Vec<[String; 2]>>,
    /// `random` (default) or `sequential`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
}

impl TryFrom<PoolSpec> for AddressPool {
    type Error = PoolError;

    fn try_from(spec: PoolSpec) -> Result<Self, Self::Error> {
        let network: IpNet = spec
            .network
            .parse()
            .map_err(|_| PoolError::InvalidNetwork {
                value: spec.network.clone(),
            })?;
        let order = match spec.order.as_deref() {
            Some(order) => order.parse()?,
            None => AllocationOrder::default(),
        };
        let ranges = spec
            .ranges
            .map(|ranges| {
                ranges
                    .iter()
                    .map(|[start, end]| AddressRange::new(parse_ip(start)?, parse_ip(end)?))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        Self::new(spec.name, network, ranges, order)
    }
}

impl From<AddressPool> for PoolSpec {
    fn from(pool: AddressPool) -> Self {
        Self {
            network: pool.network.to_string(),
            ranges: Some(
                pool.ranges
                    .iter()
                    .map(|r| [r.start.to_string(), r.end.to_string()])
                    .collect(),
            ),
            order: Some(pool.order.as_str().to_owned()),
            name: pool.name,
        }
    }
}

fn parse_ip(value: &str) -> Result<IpAddr, PoolError> {
    value.parse().map_err(|_| PoolError::InvalidAddress {
        value: value.to_owned(),
    })
}

/// Why a pool cannot be built. Each variant has its own stable [`code`](PoolError::code).
///
/// ```
/// use edgeworker_core::address::{AllocationOrder, PoolError};
/// let err = "fifo".parse::<AllocationOrder>().unwrap_err();
/// assert_eq!(err.code(), "pool.invalid_order");
/// assert_eq!(err.status(), 400);
/// assert_eq!(err.to_string(), "Address pool allocation order fifo is not valid");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PoolError {
    /// A network's second pool is of its first pool's family: a network has at most one
    /// pool per family (sysinv's primary and secondary pools).
    #[error(
        "Address pool {} is of the same family as pool {}: a network has one pool per family",
        excerpt(.secondary), excerpt(.primary)
    )]
    SameFamily {
        /// The primary pool's name.
        primary: String,
        /// The secondary pool's name.
        secondary: String,
    },
    /// The name is empty.
    #[error("Address pool name must not be empty")]
    InvalidName,
    /// The network is not `address/prefix`.
    #[error("Address pool network '{}' is not a valid network", excerpt(.value))]
    InvalidNetwork {
        /// The text given.
        value: String,
    },
    /// The network address has host bits set (`192.168.204.5/24`).
    #[error("Address pool network {network} has host bits set")]
    HostBitsSet {
        /// The network given.
        network: IpNet,
    },
    /// An IPv4 network smaller than /30 or an IPv6 network smaller than /126.
    #[error("Address pool network {network} is too small")]
    NetworkTooSmall {
        /// The network given.
        network: IpNet,
    },
    /// A range end is not an IP address.
    #[error("Address pool range address '{}' is not a valid IP address", excerpt(.value))]
    InvalidAddress {
        /// The text given.
        value: String,
    },
    /// A range's ends, or a range and the network, differ in family.
    #[error("Address pool ranges must be of the network's address family")]
    MixedFamily,
    /// A range ends before it starts.
    #[error("Address pool range start {start} is greater than its end {end}")]
    RangeReversed {
        /// The start given.
        start: IpAddr,
        /// The end given.
        end: IpAddr,
    },
    /// A range reaches outside the network.
    #[error("Address pool range {}-{} is not within network {network}", range.start, range.end)]
    RangeOutsideNetwork {
        /// The range.
        range: AddressRange,
        /// The pool's network.
        network: IpNet,
    },
    /// A range starts at the network address (sysinv `_check_valid_range`, 409).
    #[error("Address pool range cannot include network address")]
    RangeIncludesNetwork {
        /// The range.
        range: AddressRange,
        /// The pool's network.
        network: IpNet,
    },
    /// A range ends at an IPv4 network's broadcast address (sysinv `_check_valid_range`, 409).
    #[error("Address pool range cannot include broadcast address")]
    RangeIncludesBroadcast {
        /// The range.
        range: AddressRange,
        /// The pool's network.
        network: IpNet,
    },
    /// Two ranges share addresses.
    #[error(
        "Address pool range {}-{} overlaps range {}-{}",
        first.start, first.end, second.start, second.end
    )]
    RangeOverlap {
        /// The lower range.
        first: AddressRange,
        /// The range overlapping it.
        second: AddressRange,
    },
    /// `ranges` was given but empty.
    #[error("Address pool must have at least one range")]
    NoRanges,
    /// The order is neither `random` nor `sequential`.
    #[error("Address pool allocation order {} is not valid", excerpt(.order))]
    InvalidOrder {
        /// The text given.
        order: String,
    },
}

impl PoolError {
    /// The stable code of this failure.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidName => "pool.invalid_name",
            Self::InvalidNetwork { .. } => "pool.invalid_network",
            Self::HostBitsSet { .. } => "pool.host_bits_set",
            Self::NetworkTooSmall { .. } => "pool.network_too_small",
            Self::InvalidAddress { .. } => "pool.invalid_address",
            Self::MixedFamily => "pool.mixed_family",
            Self::RangeReversed { .. } => "pool.range_reversed",
            Self::RangeOutsideNetwork { .. } => "pool.range_outside_network",
            Self::RangeIncludesNetwork { .. } => "pool.range_includes_network",
            Self::RangeIncludesBroadcast { .. } => "pool.range_includes_broadcast",
            Self::RangeOverlap { .. } => "pool.range_overlap",
            Self::NoRanges => "pool.no_ranges",
            Self::InvalidOrder { .. } => "pool.invalid_order",
            Self::SameFamily { .. } => "pool.same_family",
        }
    }

    /// The HTTP status sysinv would answer: 409 (its `Conflict`) where this crate follows
    /// sysinv's own check and message, 400 for the rest.
    #[must_use]
    pub fn status(&self) -> u16 {
        match self {
            Self::RangeIncludesNetwork { .. } | Self::RangeIncludesBroadcast { .. } => 409,
            _ => 400,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(network: &str, ranges: Option<&[[&str; 2]]>) -> PoolSpec {
        PoolSpec {
            name: "management".into(),
            network: network.into(),
            ranges: ranges.map(|r| r.iter().map(|[a, b]| [(*a).into(), (*b).into()]).collect()),
            order: None,
        }
    }

    fn code(spec: PoolSpec) -> &'static str {
        AddressPool::try_from(spec).unwrap_err().code()
    }

    /// sysinv `address_pool.py` `_check_valid_range`: a range may not start at the network
    /// address, nor end at the IPv4 broadcast address (409, sysinv's messages); an IPv6
    /// range may end on the network's last address.
    #[test]
    fn sysinv_check_valid_range_network_and_broadcast() {
        for (network, range, message) in [
            (
                "192.168.204.0/24",
                ["192.168.204.0", "192.168.204.254"],
                "Address pool range cannot include network address",
            ),
            (
                "192.168.204.0/24",
                ["192.168.204.2", "192.168.204.255"],
                "Address pool range cannot include broadcast address",
            ),
            (
                "192.168.204.0/24",
                ["192.168.204.0", "192.168.204.255"],
                "Address pool range cannot include network address",
            ),
            (
                "fd00::/64",
                ["fd00::", "fd00::ff"],
                "Address pool range cannot include network address",
            ),
        ] {
            let err = AddressPool::try_from(spec(network, Some(&[range]))).unwrap_err();
            assert_eq!(err.to_string(), message, "{network} {range:?}");
            assert_eq!(err.status(), 409);
        }
        let v6 =
            AddressPool::try_from(spec("fd00::/120", Some(&[["fd00::1", "fd00::ff"]]))).unwrap();
        assert!(v6.contains("fd00::ff".parse().unwrap()));
        let ok = AddressPool::try_from(spec(
            "192.168.204.0/24",
            Some(&[["192.168.204.1", "192.168.204.254"]]),
        ))
        .unwrap();
        assert!(!ok.contains("192.168.204.0".parse().unwrap()));
        assert!(!ok.contains("192.168.204.255".parse().unwrap()));
    }

    #[test]
    fn default_ranges() {
        let v4 = AddressPool::try_from(spec("10.0.0.0/30", None)).unwrap();
        assert_eq!(
            v4.ranges(),
            &[
                AddressRange::new("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap())
                    .unwrap()
            ]
        );
        let v6 = AddressPool::try_from(spec("fd00::/64", None)).unwrap();
        assert_eq!(v6.size(), (1u128 << 64) - 1);
        assert!(!v6.contains("fd00::".parse().unwrap()));
        assert!(v6.contains("fd00::ffff:ffff:ffff:ffff".parse().unwrap()));
    }

    #[test]
    fn each_failure_has_its_code() {
        assert_eq!(
            code(PoolSpec {
                name: String::new(),
                ..spec("10.0.0.0/24", None)
            }),
            "pool.invalid_name"
        );
        assert_eq!(code(spec("10.0.0.0/33", None)), "pool.invalid_network");
        assert_eq!(code(spec("10.0.0.0", None)), "pool.invalid_network");
        assert_eq!(code(spec("10.0.0.1/24", None)), "pool.host_bits_set");
        assert_eq!(code(spec("10.0.0.0/31", None)), "pool.network_too_small");
        assert_eq!(code(spec("fd00::/127", None)), "pool.network_too_small");
        assert_eq!(
            code(spec("10.0.0.0/24", Some(&[["10.0.0.x", "10.0.0.9"]]))),
            "pool.invalid_address"
        );
        assert_eq!(
            code(spec("10.0.0.0/24", Some(&[["10.0.0.1", "fd00::1"]]))),
            "pool.mixed_family"
        );
        assert_eq!(
            code(spec("10.0.0.0/24", Some(&[["fd00::1", "fd00::2"]]))),
            "pool.mixed_family"
        );
        assert_eq!(
            code(spec("10.0.0.0/24", Some(&[["10.0.0.9", "10.0.0.1"]]))),
            "pool.range_reversed"
        );
        assert_eq!(
            code(spec("10.0.0.0/24", Some(&[["10.0.0.9", "10.0.1.1"]]))),
            "pool.range_outside_network"
        );
        assert_eq!(
            code(spec(
                "10.0.0.0/24",
                Some(&[["10.0.0.20", "10.0.0.30"], ["10.0.0.1", "10.0.0.20"]])
            )),
            "pool.range_overlap"
        );
        assert_eq!(code(spec("10.0.0.0/24", Some(&[]))), "pool.no_ranges");
        assert_eq!(
            code(spec("10.0.0.0/24", Some(&[["10.0.0.0", "10.0.0.9"]]))),
            "pool.range_includes_network"
        );
        assert_eq!(
            code(spec("10.0.0.0/24", Some(&[["10.0.0.9", "10.0.0.255"]]))),
            "pool.range_includes_broadcast"
        );
        assert_eq!(
            code(PoolSpec {
                order: Some("fifo".into()),
                ..spec("10.0.0.0/24", None)
            }),
            "pool.invalid_order"
        );
    }

    #[test]
    fn contains_follows_the_ranges() {
        let pool = AddressPool::try_from(spec(
            "10.0.0.0/24",
            Some(&[["10.0.0.50", "10.0.0.60"], ["10.0.0.2", "10.0.0.10"]]),
        ))
        .unwrap();
        let inside = |s: &str| pool.contains(s.parse().unwrap());
        assert!(
            inside("10.0.0.2") && inside("10.0.0.10") && inside("10.0.0.50") && inside("10.0.0.60")
        );
        assert!(
            !inside("10.0.0.1")
                && !inside("10.0.0.11")
                && !inside("10.0.0.49")
                && !inside("10.0.0.61")
        );
        assert!(!inside("::a00:2"));
        assert_eq!(pool.size(), 9 + 11);
        assert_eq!(pool.ranges()[0].start().to_string(), "10.0.0.2");
    }

    #[test]
    fn json_round_trip() {
        let json = r#"{"name":"management","network":"192.168.204.0/24","ranges":[["192.168.204.2","192.168.204.254"]],"order":"sequential"}"#;
        let pool: AddressPool = serde_json::from_str(json).unwrap();
        assert_eq!(serde_json::to_string(&pool).unwrap(), json);
        let err = serde_json::from_str::<AddressPool>(
            r#"{"name":"m","network":"10.0.0.0/24","extra":1}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("unknown field"), "{err}");
    }
}
