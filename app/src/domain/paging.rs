//! Where a paged list stands (証明書状態照会 and 操作履歴照会: 50 rows a page).

use serde::{Deserialize, Serialize};

/// Rows per page of the paged screens.
pub const PAGE_SIZE: usize = 50;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    /// 1-based.
    pub number: usize,
    pub count: usize,
    pub total_rows: usize,
}

impl Page {
    /// The page `requested` (clamped into range) of `total_rows` rows.
    pub fn of(requested: usize, total_rows: usize) -> Self {
        let count = total_rows.div_ceil(PAGE_SIZE).max(1);
        Page {
            number: requested.clamp(1, count),
            count,
            total_rows,
        }
    }

    /// Rows before this page.
    pub fn offset(self) -> usize {
        (self.number - 1) * PAGE_SIZE
    }

    /// Reads a `page` query value; anything but a positive number is page 1.
    pub fn parse_number(raw: &str) -> usize {
        raw.trim().parse().unwrap_or(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_clamped_and_an_empty_list_has_one_page() {
        assert_eq!(
            Page::of(1, 0),
            Page {
                number: 1,
                count: 1,
                total_rows: 0
            }
        );
        assert_eq!(Page::of(9, 120).number, 3);
        assert_eq!(Page::of(0, 120).number, 1);
        assert_eq!(Page::of(2, 120).offset(), 50);
        assert_eq!(Page::parse_number("x"), 1);
        assert_eq!(Page::parse_number(" 2 "), 2);
    }
}
