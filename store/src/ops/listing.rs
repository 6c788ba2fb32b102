//! What every list shares: pages (`PageRequest` in, `Page` out, `page_of` between) and the
//! natural order of names and numbers ("B2" before "B10").

/// Largest page a list returns.
pub const MAX_PAGE_SIZE: u32 = 100;
pub const DEFAULT_PAGE_SIZE: u32 = 10;

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

    /// Items before this page.
    pub(crate) fn offset(&self) -> usize {
        (self.page.max(1) as usize - 1) * self.page_size as usize
    }
}

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u32,
}

/// Counts every item of `ordered` and keeps those on `page`.
pub(crate) fn page_of<T>(ordered: impl Iterator<Item = T>, page: PageRequest) -> (Vec<T>, u32) {
    let offset = page.offset();
    let size = page.page_size as usize;
    let mut items = Vec::with_capacity(size);
    let mut total = 0usize;
    for item in ordered {
        if total >= offset && items.len() < size {
            items.push(item);
        }
        total += 1;
    }
    (items, u32::try_from(total).unwrap_or(u32::MAX))
}

/// Orders "B2" before "B10": digit runs compare by value, the rest without case.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let key = |s: &str| -> Vec<(u8, u64, String)> {
        let mut out = Vec::new();
        let mut chars = s.chars().peekable();
        while let Some(&c) = chars.peek() {
            if c.is_ascii_digit() {
                let mut n = String::new();
                while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    n.push(d);
                    chars.next();
                }
                out.push((0, n.parse().unwrap_or(u64::MAX), n));
            } else {
                let mut t = String::new();
                while let Some(&d) = chars.peek().filter(|d| !d.is_ascii_digit()) {
                    t.extend(d.to_lowercase());
                    chars.next();
                }
                out.push((1, 0, t));
            }
        }
        out
    };
    key(a).cmp(&key(b)).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_keeps_its_share_and_counts_everything() {
        let page = PageRequest::new(2, 3);
        assert_eq!(page_of(1..=8, page), (vec![4, 5, 6], 8));
        assert_eq!(page_of(1..=2, page), (vec![], 2), "past the end");
        assert_eq!(PageRequest::new(0, 0).page_size, DEFAULT_PAGE_SIZE);
        assert_eq!(PageRequest::new(1, 1000).page_size, MAX_PAGE_SIZE);
    }

    #[test]
    fn numbers_in_names_sort_by_value() {
        let mut names = vec!["B10", "b2", "B1", "A"];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(names, ["A", "B1", "b2", "B10"]);
    }
}
