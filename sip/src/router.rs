//! The router: what a dialed call rings, in which order. The directory answers who the
//! dialed string reaches (`Store::call_destination`); this module turns that into stages
//! the proxy carries out, by the apartment's call type (the manual's codes):
//!
//! | code | stages |
//! |---|---|
//! | 0 | SmartPlus and indoor monitors together |
//! | 1 | phone and indoor monitors together |
//! | 2 | SmartPlus and indoor monitors, then phone |
//! | 3 | indoor monitors, then SmartPlus |
//! | 4 | indoor monitors, then phone |
//! | 5 | indoor monitors, then SmartPlus, then phone |
//!
//! A stage with nothing registered is skipped at once, so an apartment whose monitors are
//! offline falls through to the app without waiting.

use std::net::{IpAddr, SocketAddr};

use porter_store::{ApartmentCall, CallDestination};

use crate::message::{Host, Scheme, Uri};
use crate::proxy::{Hop, Stage, TrunkCredentials};
use crate::registrar::{Binding, Transport};

/// The answering points of an apartment, as the call types name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Point {
    Monitors,
    SmartPlus,
    Phone,
}

/// The stages of a call type, each a set of points rung together.
fn order(call_type: u8) -> &'static [&'static [Point]] {
    use Point::*;
    match call_type {
        1 => &[&[Monitors, Phone]],
        2 => &[&[Monitors, SmartPlus], &[Phone]],
        3 => &[&[Monitors], &[SmartPlus]],
        4 => &[&[Monitors], &[Phone]],
        5 => &[&[Monitors], &[SmartPlus], &[Phone]],
        _ => &[&[Monitors, SmartPlus]],
    }
}

/// Where the landline trunk is: phone numbers go out as `sip:NUMBER@host` to `addr`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trunk {
    pub addr: SocketAddr,
    pub transport: Transport,
    pub host: String,
    /// Porter's account with the trunk, when it asks for one.
    pub credentials: Option<TrunkCredentials>,
}

/// The stages for a destination; `account_hops` says where an account is rung (its live
/// contacts here, `hop`, and the other nodes that hold some in a cluster).
pub fn stages(
    destination: &CallDestination,
    ring_ms: u64,
    trunk: Option<&Trunk>,
    account_hops: impl Fn(&str) -> Vec<Hop>,
) -> Vec<Stage> {
    match destination {
        CallDestination::Account { number } => vec![Stage {
            hops: account_hops(number),
            ring_ms,
        }],
        CallDestination::Apartment(apartment) => order(apartment.call_type)
            .iter()
            .map(|points| Stage {
                hops: points
                    .iter()
                    .flat_map(|p| point_hops(*p, apartment, trunk, &account_hops))
                    .collect(),
                ring_ms,
            })
            .collect(),
    }
}

fn point_hops(
    point: Point,
    apartment: &ApartmentCall,
    trunk: Option<&Trunk>,
    account_hops: &dyn Fn(&str) -> Vec<Hop>,
) -> Vec<Hop> {
    match point {
        Point::Monitors => apartment
            .monitors
            .iter()
            .flat_map(|m| account_hops(m))
            .collect(),
        Point::SmartPlus => apartment
            .app
            .as_deref()
            .map(account_hops)
            .unwrap_or_default(),
        Point::Phone => match trunk {
            Some(t) => apartment.phones.iter().map(|n| trunk_hop(t, n)).collect(),
            None => Vec::new(),
        },
    }
}

fn trunk_hop(trunk: &Trunk, number: &str) -> Hop {
    let host = Host::parse(&trunk.host).unwrap_or(Host::Name(trunk.host.clone()));
    Hop {
        aor: number.to_owned(),
        uri: Uri::sip(Some(number), host, Some(trunk.addr.port())),
        to: crate::registrar::Source {
            transport: trunk.transport,
            addr: trunk.addr,
        },
        fallback: None,
        credentials: trunk.credentials.clone(),
        peer_signature: None,
    }
}

/// Where a binding is reached. Over UDP a contact on the address the REGISTER came from is
/// taken at its word (a device listening on another port than it sends from); a contact
/// on another address is behind NAT and is reached where its REGISTER came from. Over a
/// connection the registering connection is used, and the contact is where to connect if
/// that connection is gone.
pub fn hop(aor: &str, b: &Binding) -> Hop {
    let (to, fallback) = match (b.source.transport, udp_contact_without_nat(b)) {
        (Transport::Udp, Some(c)) => (
            crate::registrar::Source {
                transport: Transport::Udp,
                addr: c,
            },
            None,
        ),
        (Transport::Udp, None) => (b.source, None),
        // Even the registering address itself: a device that sent from its listening port
        // is reached there again once that connection is gone.
        _ => (b.source, contact_addr(&b.contact.uri)),
    };
    Hop {
        credentials: None,
        peer_signature: None,
        aor: aor.to_owned(),
        uri: b.contact.uri.clone(),
        to,
        fallback,
    }
}

/// `b` as a contact any node may send to: UDP, registered from the IP address its Contact
/// names (no NAT between; `hop` sends there too). None otherwise.
pub fn direct_contact(b: &Binding) -> Option<crate::cluster::DirectContact> {
    udp_contact_without_nat(b).map(|addr| crate::cluster::DirectContact {
        uri: b.contact.uri.clone(),
        addr,
    })
}

/// Whether `b` is a `direct_contact`.
pub fn is_direct(b: &Binding) -> bool {
    udp_contact_without_nat(b).is_some()
}

/// A UDP binding whose Contact names the IP address it registered from: no NAT stands
/// between, and the contact's own address is where it listens. The one home of that rule.
fn udp_contact_without_nat(b: &Binding) -> Option<SocketAddr> {
    if b.source.transport != Transport::Udp {
        return None;
    }
    contact_addr(&b.contact.uri).filter(|c| c.ip() == b.source.addr.ip())
}

/// A contact another node holds that this node rings itself (`direct_contact`).
pub fn direct_hop(aor: &str, c: &crate::cluster::DirectContact) -> Hop {
    Hop {
        credentials: None,
        peer_signature: None,
        aor: aor.to_owned(),
        uri: c.uri.clone(),
        to: crate::registrar::Source {
            transport: Transport::Udp,
            addr: c.addr,
        },
        fallback: None,
    }
}

/// Another node of the cluster that holds bindings of `aor`: the INVITE goes there over
/// TCP as `sip:AOR@node`, signed, and that node rings its own contacts of the account.
pub fn peer_hop(aor: &str, node: SocketAddr, signature: String) -> Hop {
    let host = match node.ip() {
        IpAddr::V4(v4) => Host::V4(v4),
        IpAddr::V6(v6) => Host::V6(v6),
    };
    let mut uri = Uri::sip(Some(aor), host, Some(node.port()));
    uri.params.set("transport", Some("tcp"));
    Hop {
        aor: aor.to_owned(),
        uri,
        to: crate::registrar::Source {
            transport: Transport::Tcp,
            addr: node,
        },
        // The node's listening address: a connection to it is opened when none is up.
        fallback: Some(node),
        credentials: None,
        peer_signature: Some(signature),
    }
}

/// A contact URI's socket address when its host is an IP literal.
fn contact_addr(uri: &Uri) -> Option<SocketAddr> {
    let ip: IpAddr = uri.host.ip()?;
    let tls = uri.scheme == Scheme::Sips
        || uri
            .transport()
            .is_some_and(|t| t.eq_ignore_ascii_case("tls"));
    let port = uri.port.unwrap_or(if tls { 5061 } else { 5060 });
    Some(SocketAddr::new(ip, port))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::NameAddr;
    use crate::registrar::Source;

    fn binding(contact: &str, source: &str, transport: Transport) -> Binding {
        Binding {
            contact: NameAddr::parse(contact, "Contact").expect("contact"),
            expires_at_ms: u64::MAX,
            call_id: "c".into(),
            cseq: 1,
            source: Source {
                transport,
                addr: source.parse().expect("addr"),
            },
            instance: None,
        }
    }

    fn apartment(call_type: u8) -> CallDestination {
        CallDestination::Apartment(ApartmentCall {
            apartment_id: 1,
            call_type,
            monitors: vec!["m1".into(), "m2".into()],
            app: Some("app".into()),
            phones: vec!["+4930123".into()],
        })
    }

    fn shape(call_type: u8) -> Vec<Vec<String>> {
        let trunk = Trunk {
            addr: "192.0.2.9:5060".parse().expect("addr"),
            transport: Transport::Udp,
            host: "trunk.example".into(),
            credentials: None,
        };
        let lookup = |aor: &str| {
            if aor == "m2" {
                return Vec::new();
            }
            let b = binding(
                &format!("<sip:{aor}@192.0.2.1:5070>"),
                "192.0.2.1:5070",
                Transport::Udp,
            );
            vec![hop(aor, &b)]
        };
        stages(&apartment(call_type), 30_000, Some(&trunk), lookup)
            .into_iter()
            .map(|s| s.hops.into_iter().map(|h| h.aor).collect())
            .collect()
    }

    #[test]
    fn call_types_ring_in_the_manuals_order() {
        assert_eq!(shape(0), vec![vec!["m1", "app"]]);
        assert_eq!(shape(1), vec![vec!["m1", "+4930123"]]);
        assert_eq!(shape(2), vec![vec!["m1", "app"], vec!["+4930123"]]);
        assert_eq!(shape(3), vec![vec!["m1"], vec!["app"]]);
        assert_eq!(shape(4), vec![vec!["m1"], vec!["+4930123"]]);
        assert_eq!(shape(5), vec![vec!["m1"], vec!["app"], vec!["+4930123"]]);
    }

    #[test]
    fn no_trunk_means_no_phone_branch() {
        let s = stages(&apartment(4), 1000, None, |_| Vec::new());
        assert!(s.iter().all(|s| s.hops.is_empty()));
    }

    #[test]
    fn a_contact_behind_nat_is_reached_where_it_registered_from() {
        let local = hop(
            "a",
            &binding("<sip:a@127.0.0.1:5090>", "127.0.0.1:40000", Transport::Udp),
        );
        assert_eq!(local.to.addr, "127.0.0.1:5090".parse().expect("addr"));
        let nat = hop(
            "a",
            &binding("<sip:a@10.0.0.5:5060>", "203.0.113.7:40000", Transport::Udp),
        );
        assert_eq!(nat.to.addr, "203.0.113.7:40000".parse().expect("addr"));
        let tcp = hop(
            "a",
            &binding(
                "<sip:a@127.0.0.1:5090;transport=tcp>",
                "127.0.0.1:40001",
                Transport::Tcp,
            ),
        );
        assert_eq!(tcp.to.addr, "127.0.0.1:40001".parse().expect("addr"));
        assert_eq!(tcp.fallback, Some("127.0.0.1:5090".parse().expect("addr")));
        let ws = hop(
            "a",
            &binding(
                "<sip:a@df7jal23ls0d.invalid;transport=ws>",
                "127.0.0.1:40002",
                Transport::Ws,
            ),
        );
        assert_eq!(ws.fallback, None);
    }
}
