//! Lists with filters, sorting and pages: the apartments of a building and the residents of
//! a community.

use crate::directory::{Actor, Directory};
use crate::error::Result;
use crate::model::{ActiveStatus, Apartment, AppStatus, Id};
use crate::ops::apartments::{ApartmentView, apartment_view};
use crate::ops::buildings::natural_cmp;
use crate::store::Store;

/// Largest page a list returns.
pub const MAX_PAGE_SIZE: u32 = 100;
pub const DEFAULT_PAGE_SIZE: u32 = 10;

#[derive(Debug, Clone, Default)]
pub struct ResidentFilter {
    pub app_status: Option<AppStatus>,
    pub active: Option<ActiveStatus>,
    /// Case-insensitive substring of the resident's name or email.
    pub text: String,
}

#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    /// 1-based.
    pub page: u32,
    pub page_size: u32,
}

impl PageRequest {
    /// Page 0 means 1; size 0 means the default; sizes are capped at `MAX_PAGE_SIZE`.
    pub fn new(page: u32, page_size: u32) -> Self {
        PageRequest {
            page: page.max(1),
            page_size: if page_size == 0 {
                DEFAULT_PAGE_SIZE
            } else {
                page_size.min(MAX_PAGE_SIZE)
            },
        }
    }

    fn offset(&self) -> usize {
        (self.page as usize - 1) * self.page_size as usize
    }
}

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u32,
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
    needle: String,
    now_ms: i64,
}

impl<'a> Matcher<'a> {
    fn new(filter: &'a ResidentFilter, now_ms: i64) -> Self {
        Matcher {
            filter,
            needle: filter.text.trim().to_lowercase(),
            now_ms,
        }
    }

    fn matches(&self, dir: &Directory, a: &Apartment) -> bool {
        if let Some(want) = self.filter.active
            && a.active_status(self.now_ms) != want
        {
            return false;
        }
        if let Some(want) = self.filter.app_status {
            let status = a
                .resident
                .as_ref()
                .map_or(AppStatus::Unregistered, |r| r.app_status);
            if status != want {
                return false;
            }
        }
        self.needle.is_empty() || dir.search_text(a.id).contains(&self.needle)
    }
}

/// Filters `ordered`, counts every match and keeps the requested page.
fn paginate<'d>(
    dir: &'d Directory,
    ordered: impl Iterator<Item = &'d Apartment>,
    matcher: &Matcher<'_>,
    page: PageRequest,
) -> (Vec<&'d Apartment>, u32) {
    let offset = page.offset();
    let mut items = Vec::with_capacity(page.page_size as usize);
    let mut total = 0usize;
    for a in ordered.filter(|a| matcher.matches(dir, a)) {
        if total >= offset && items.len() < page.page_size as usize {
            items.push(a);
        }
        total += 1;
    }
    (items, total as u32)
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
            let (items, total) = paginate(dir, all.into_iter(), &matcher, page);
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
            let lookup = |id: &Id| dir.apartment(*id);
            let (items, total) = match sort {
                ResidentSort::NameAsc | ResidentSort::NameDesc => {
                    let index = dir.residents_by_name(community_id);
                    let ids = index.into_iter().flatten().map(|(_, id)| id);
                    if sort == ResidentSort::NameAsc {
                        paginate(dir, ids.filter_map(lookup), &matcher, page)
                    } else {
                        let ids = index
                            .into_iter()
                            .flat_map(|s| s.iter().rev())
                            .map(|(_, id)| id);
                        paginate(dir, ids.filter_map(lookup), &matcher, page)
                    }
                }
                ResidentSort::CreatedAsc | ResidentSort::CreatedDesc => {
                    let index = dir.residents_by_created(community_id);
                    if sort == ResidentSort::CreatedAsc {
                        let ids = index.into_iter().flatten().map(|(_, id)| id);
                        paginate(dir, ids.filter_map(lookup), &matcher, page)
                    } else {
                        let ids = index
                            .into_iter()
                            .flat_map(|s| s.iter().rev())
                            .map(|(_, id)| id);
                        paginate(dir, ids.filter_map(lookup), &matcher, page)
                    }
                }
            };
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
