//! The apartments a subscription order can take (the Subscriptions page's Purchase Details):
//! never-activated ones for an activation, activated ones for a renewal, across the
//! communities the installer picks, in community, building and APT order.

use memchr::memmem;

use crate::directory::{Actor, Directory};
use crate::error::Result;
use crate::model::subscription::MAX_ORDER_APARTMENTS;
use crate::model::{Apartment, Community, Id, OrderKind, SubscriptionOrder};
use crate::ops::apartments::{ApartmentView, apartment_view};
use crate::ops::listing::{Page, PageRequest, natural_cmp, page_of};
use crate::store::Store;

#[derive(Debug, Clone)]
pub struct CandidateFilter {
    pub kind: OrderKind,
    /// Empty: every community of the installer.
    pub communities: Vec<Id>,
    /// Case-insensitive part of the APT number, APT name, resident's name or email.
    pub text: String,
    /// Renewal: only apartments whose service ends before then.
    pub expires_before_ms: Option<i64>,
}

/// One candidate row: the apartment and its community's name.
#[derive(Debug, Clone)]
pub struct OrderCandidate {
    pub view: ApartmentView,
    pub community_name: String,
}

/// A page of candidates, their total, and (when asked) the ids of the first
/// `MAX_ORDER_APARTMENTS` matches, for "select all".
#[derive(Debug, Clone)]
pub struct Candidates {
    pub page: Page<OrderCandidate>,
    pub matching_ids: Vec<Id>,
}

impl Store {
    pub fn order_candidates(
        &self,
        actor: &Actor,
        filter: &CandidateFilter,
        page: PageRequest,
        with_ids: bool,
    ) -> Result<Candidates> {
        let now = self.now_ms();
        self.read(|dir| {
            let communities = chosen_communities(dir, actor, &filter.communities)?;
            let needle = filter.text.trim().to_lowercase();
            let finder = (!needle.is_empty()).then(|| memmem::Finder::new(needle.as_bytes()));
            let wanted = |a: &Apartment| {
                let kind_fits = match filter.kind {
                    OrderKind::Activation => !a.activated,
                    OrderKind::Renewal => {
                        a.activated
                            && filter
                                .expires_before_ms
                                .is_none_or(|before| a.expires_at_ms.is_some_and(|at| at < before))
                    }
                };
                kind_fits && finder.as_ref().is_none_or(|f| text_matches(dir, a, f))
            };
            // Sorted and filtered once; the page and the "select all" ids both read it.
            let matches: Vec<(&Community, &Apartment)> = communities
                .iter()
                .flat_map(|c| {
                    ordered_apartments(dir, c.id)
                        .into_iter()
                        .filter(|a| wanted(a))
                        .map(move |a| (*c, a))
                })
                .collect();
            let matching_ids = if with_ids {
                matches
                    .iter()
                    .take(MAX_ORDER_APARTMENTS)
                    .map(|(_, a)| a.id)
                    .collect()
            } else {
                Vec::new()
            };
            let (rows, total) = page_of(matches.into_iter(), page);
            Ok(Candidates {
                page: Page {
                    items: rows
                        .into_iter()
                        .map(|(c, a)| OrderCandidate {
                            view: apartment_view(dir, a, now),
                            community_name: c.name.clone(),
                        })
                        .collect(),
                    total,
                },
                matching_ids,
            })
        })
    }
}

impl Store {
    /// An order's apartments as they are now, in the order's order; `None` for one deleted
    /// since (the order keeps its id).
    pub fn order_apartments(&self, order: &SubscriptionOrder) -> Vec<(Id, Option<OrderCandidate>)> {
        let now = self.now_ms();
        self.read(|dir| {
            order
                .apartments
                .iter()
                .map(|&id| {
                    let row = dir.apartment(id).map(|a| OrderCandidate {
                        view: apartment_view(dir, a, now),
                        community_name: dir.community_name(a.community_id).unwrap_or_default(),
                    });
                    (id, row)
                })
                .collect()
        })
    }
}

/// The installer's communities (all of them, or the chosen ones, each checked), by name.
fn chosen_communities<'d>(
    dir: &'d Directory,
    actor: &Actor,
    chosen: &[Id],
) -> Result<Vec<&'d Community>> {
    let mut list: Vec<&Community> = if chosen.is_empty() {
        dir.communities_seen_by(actor)
    } else {
        let mut ids = chosen.to_vec();
        ids.sort_unstable();
        ids.dedup();
        ids.iter()
            .map(|id| dir.community_of(actor, *id))
            .collect::<Result<_>>()?
    };
    list.sort_by(|a, b| natural_cmp(&a.name, &b.name).then(a.id.cmp(&b.id)));
    Ok(list)
}

/// A community's apartments by building name, then APT number.
fn ordered_apartments(dir: &Directory, community_id: Id) -> Vec<&Apartment> {
    let mut buildings: Vec<_> = dir.buildings_in(community_id).collect();
    buildings.sort_by(|a, b| natural_cmp(&a.name, &b.name).then(a.id.cmp(&b.id)));
    buildings
        .into_iter()
        .flat_map(|b| {
            let mut apartments: Vec<&Apartment> = dir.apartments_in(b.id).collect();
            apartments.sort_by(|x, y| natural_cmp(&x.number, &y.number));
            apartments
        })
        .collect()
}

fn text_matches(dir: &Directory, a: &Apartment, finder: &memmem::Finder<'_>) -> bool {
    let found = |s: &str| finder.find(s.to_lowercase().as_bytes()).is_some();
    found(&a.number)
        || found(&a.name)
        || dir
            .search_row(a.id)
            .is_some_and(|row| finder.find(row.text.as_bytes()).is_some())
}
