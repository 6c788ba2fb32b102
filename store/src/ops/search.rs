//! Lists with filters, sorting and pages: the apartments of a building and the residents of
//! a community.

use memchr::memmem;

use crate::directory::{Actor, Directory, SearchRow};
use crate::error::Result;
use crate::model::{ActiveStatus, Apartment, AppStatus, Id};
use crate::ops::apartments::{ApartmentView, apartment_view};
use crate::ops::listing::{Page, PageRequest, natural_cmp, page_of};
use crate::store::Store;

#[derive(Debug, Clone, Default)]
pub struct ResidentFilter {
    pub app_status: Option<AppStatus>,
    pub active: Option<ActiveStatus>,
    /// Case-insensitive substring of the resident's name or email.
    pub text: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ApartmentSort {
    #[default]
    NumberAsc,
    NumberDesc,
    NameAsc,
    NameDesc,
    CreatedAsc,
    CreatedDesc,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ResidentSort {
    #[default]
    NameAsc,
    NameDesc,
    CreatedAsc,
    CreatedDesc,
}

struct Matcher<'a> {
    filter: &'a ResidentFilter,
    finder: Option<memmem::Finder<'static>>,
    now_ms: i64,
}

impl<'a> Matcher<'a> {
    fn new(filter: &'a ResidentFilter, now_ms: i64) -> Self {
        let needle = filter.text.trim().to_lowercase();
        Matcher {
            filter,
            finder: (!needle.is_empty())
                .then(|| memmem::Finder::new(needle.as_bytes()).into_owned()),
            now_ms,
        }
    }

    /// True when nothing is filtered, so every resident counts.
    fn is_open(&self) -> bool {
        self.finder.is_none() && self.filter.active.is_none() && self.filter.app_status.is_none()
    }

    fn matches(&self, active: ActiveStatus, app: AppStatus, text: &str) -> bool {
        self.filter.active.is_none_or(|want| want == active)
            && self.filter.app_status.is_none_or(|want| want == app)
            && self
                .finder
                .as_ref()
                .is_none_or(|f| f.find(text.as_bytes()).is_some())
    }

    fn matches_row(&self, row: &SearchRow) -> bool {
        self.matches(row.active_status(self.now_ms), row.app_status, &row.text)
    }

    fn matches_apartment(&self, dir: &Directory, a: &Apartment) -> bool {
        match dir.search_row(a.id) {
            Some(row) => self.matches_row(row),
            None => self.matches(a.active_status(self.now_ms), AppStatus::Unregistered, ""),
        }
    }
}

/// Community search over one of the resident indexes, in order.
fn search_ids<'d>(
    dir: &'d Directory,
    ids: impl Iterator<Item = &'d Id>,
    len: usize,
    matcher: &Matcher<'_>,
    page: PageRequest,
) -> (Vec<Id>, u32) {
    if matcher.is_open() {
        let items = ids
            .skip(page.offset())
            .take(page.page_size as usize)
            .copied()
            .collect();
        return (items, len as u32);
    }
    page_of(
        ids.copied().filter(|id| {
            dir.search_row(*id)
                .is_some_and(|row| matcher.matches_row(row))
        }),
        page,
    )
}

impl Store {
    /// The APT list of a building.
    pub fn list_apartments(
        &self,
        actor: &Actor,
        building_id: Id,
        filter: &ResidentFilter,
        sort: ApartmentSort,
        page: PageRequest,
    ) -> Result<Page<ApartmentView>> {
        let now = self.now_ms();
        self.read(|dir| {
            dir.building_of(actor, building_id)?;
            let mut all: Vec<&Apartment> = dir.apartments_in(building_id).collect();
            match sort {
                ApartmentSort::NumberAsc | ApartmentSort::NumberDesc => {
                    all.sort_by(|a, b| natural_cmp(&a.number, &b.number));
                }
                ApartmentSort::NameAsc | ApartmentSort::NameDesc => {
                    all.sort_by(|a, b| {
                        natural_cmp(&a.name, &b.name)
                            .then_with(|| natural_cmp(&a.number, &b.number))
                    });
                }
                ApartmentSort::CreatedAsc | ApartmentSort::CreatedDesc => {
                    all.sort_by_key(|a| (a.created_at_ms, a.id));
                }
            }
            if matches!(
                sort,
                ApartmentSort::NumberDesc | ApartmentSort::NameDesc | ApartmentSort::CreatedDesc
            ) {
                all.reverse();
            }
            let matcher = Matcher::new(filter, now);
            let (items, total) = page_of(
                all.into_iter()
                    .filter(|a| matcher.matches_apartment(dir, a)),
                page,
            );
            Ok(Page {
                items: items
                    .into_iter()
                    .map(|a| apartment_view(dir, a, now))
                    .collect(),
                total,
            })
        })
    }

    /// The community-level resident list: every apartment with a family master.
    pub fn search_residents(
        &self,
        actor: &Actor,
        community_id: Id,
        filter: &ResidentFilter,
        sort: ResidentSort,
        page: PageRequest,
    ) -> Result<Page<ApartmentView>> {
        let now = self.now_ms();
        self.read(|dir| {
            dir.community_of(actor, community_id)?;
            let matcher = Matcher::new(filter, now);
            let (ids, total) = match sort {
                ResidentSort::NameAsc | ResidentSort::NameDesc => {
                    let index = dir.residents_by_name(community_id);
                    let len = index.map_or(0, |s| s.len());
                    let asc = index.into_iter().flatten().map(|(_, id)| id);
                    if sort == ResidentSort::NameAsc {
                        search_ids(dir, asc, len, &matcher, page)
                    } else {
                        search_ids(dir, asc.rev(), len, &matcher, page)
                    }
                }
                ResidentSort::CreatedAsc | ResidentSort::CreatedDesc => {
                    let index = dir.residents_by_created(community_id);
                    let len = index.map_or(0, |s| s.len());
                    let asc = index.into_iter().flatten().map(|(_, id)| id);
                    if sort == ResidentSort::CreatedAsc {
                        search_ids(dir, asc, len, &matcher, page)
                    } else {
                        search_ids(dir, asc.rev(), len, &matcher, page)
                    }
                }
            };
            let items: Vec<&Apartment> = ids.iter().filter_map(|id| dir.apartment(*id)).collect();
            Ok(Page {
                items: items
                    .into_iter()
                    .map(|a| apartment_view(dir, a, now))
                    .collect(),
                total,
            })
        })
    }
}
