//! Server functions: the only entry points from the browser into the server.
//! Each reads its input, asks `server::context` who is calling, runs one
//! domain operation and maps the result to a redirect (forms) or page data.
//!
//! Forms post as plain HTML (`application/x-www-form-urlencoded`), so every
//! flow works without JavaScript; outcomes travel back as codes in the
//! redirect's query string (post/redirect/get).

pub mod auth;
pub mod pages;
pub mod reports;
pub mod revocation;

/// URL-encodes a query value (the few characters our codes and IDs may hold).
pub fn encode_query_value(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
