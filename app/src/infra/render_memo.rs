//! Rendered HTML kept beside the exact data it was rendered from, so that a
//! screen whose data did not change since its last request copies the HTML
//! instead of rendering it again. The 100 rows of 利用者一覧 cost more to
//! render than the rest of the page together (bench/NOTES.md).
//!
//! The memo holds no rule about when data changes: every request brings its
//! data (already as fresh as the request can see, `contract_lists`) and the
//! memo compares it with the data the kept HTML came from. Equal data gives
//! the kept HTML, anything else renders anew. So a cached page can never show
//! something its own data does not say, whatever changed it: a write on
//! another instance, the clock passing a certificate's expiry or its 40-day
//! notice, the viewer's role.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

/// Keys kept before the memo starts over (one per contract and variant).
const KEPT: usize = 1_000;

#[derive(Debug)]
pub struct RenderMemo<K, D> {
    entries: Mutex<HashMap<K, Kept<D>>>,
}

#[derive(Debug)]
struct Kept<D> {
    data: D,
    html: Arc<str>,
}

impl<K, D> Default for RenderMemo<K, D> {
    fn default() -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash, D: PartialEq> RenderMemo<K, D> {
    /// The HTML of `data` under `key`: the kept one when it was rendered from
    /// data equal to `data`, else `render(data)`, which is then kept.
    pub fn html(&self, key: K, data: D, render: impl FnOnce(&D) -> String) -> Arc<str> {
        if let Some(kept) = self.lock().get(&key) {
            if kept.data == data {
                return kept.html.clone();
            }
        }
        // Rendered outside the lock: two requests may both render the same
        // data the first time; either result is right.
        let html: Arc<str> = render(&data).into();
        let mut entries = self.lock();
        if entries.len() >= KEPT && !entries.contains_key(&key) {
            entries.clear();
        }
        entries.insert(
            key,
            Kept {
                data,
                html: html.clone(),
            },
        );
        html
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, Kept<D>>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn rendered(
        memo: &RenderMemo<u8, Vec<&'static str>>,
        key: u8,
        data: Vec<&'static str>,
        renders: &Cell<u32>,
    ) -> String {
        memo.html(key, data, |d| {
            renders.set(renders.get() + 1);
            d.join(",")
        })
        .to_string()
    }

    #[test]
    fn equal_data_is_rendered_once() {
        let memo = RenderMemo::default();
        let renders = Cell::new(0);
        assert_eq!(rendered(&memo, 1, vec!["a", "b"], &renders), "a,b");
        assert_eq!(rendered(&memo, 1, vec!["a", "b"], &renders), "a,b");
        assert_eq!(renders.get(), 1);
    }

    #[test]
    fn changed_data_is_rendered_again_and_replaces_the_kept() {
        let memo = RenderMemo::default();
        let renders = Cell::new(0);
        rendered(&memo, 1, vec!["a"], &renders);
        assert_eq!(rendered(&memo, 1, vec!["a", "c"], &renders), "a,c");
        // The old data is not kept beside the new one: it renders again too.
        assert_eq!(rendered(&memo, 1, vec!["a"], &renders), "a");
        assert_eq!(renders.get(), 3);
    }

    #[test]
    fn keys_are_kept_apart() {
        let memo = RenderMemo::default();
        let renders = Cell::new(0);
        rendered(&memo, 1, vec!["a"], &renders);
        assert_eq!(rendered(&memo, 2, vec!["b"], &renders), "b");
        assert_eq!(rendered(&memo, 1, vec!["a"], &renders), "a");
        assert_eq!(renders.get(), 2);
    }

    #[test]
    fn it_starts_over_when_full() {
        let memo: RenderMemo<u16, u8> = RenderMemo::default();
        for key in 0..KEPT as u16 {
            memo.html(key, 0, |_| String::new());
        }
        assert_eq!(memo.lock().len(), KEPT);
        // A kept key is replaced in place; a new one clears the rest.
        memo.html(0, 1, |_| String::new());
        assert_eq!(memo.lock().len(), KEPT);
        memo.html(u16::MAX, 0, |_| String::new());
        assert_eq!(memo.lock().len(), 1);
    }
}
