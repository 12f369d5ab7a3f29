//! What a TLS proxy in front of kanri forwards, parsed at the edge (issue
//! 25): the client certificate header (nginx's `$ssl_client_escaped_cert`)
//! and `X-Forwarded-For`. Any bytes give a value or nothing, never a panic;
//! a forwarded address is believed only through a trusted proxy. CI runs
//! proptest's default number of cases; `PROPTEST_CASES=20000 cargo test -p
//! kanri-server --test parsers` is the long run.
//!
//! The `.p12` download token is not here: the client never sends it (it is
//! kept in the server-side session; `GET /certificate/download` carries no
//! input).

use base64::Engine;
use kanri_app::request::client_address;
use kanri_server::middleware::forwarded_certificate;
use proptest::prelude::*;
use std::net::IpAddr;

/// nginx's escaping of `$ssl_client_escaped_cert`: every byte but letters
/// and digits percent-encoded (more than nginx escapes, which decodes the same).
fn escaped_pem(der: &[u8]) -> String {
    let base64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = base64
        .as_bytes()
        .chunks(64)
        .map(|line| std::str::from_utf8(line).unwrap())
        .collect();
    let pem = format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        lines.join("\n")
    );
    percent_encoding::utf8_percent_encode(&pem, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn address() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(IpAddr::from),
        any::<[u16; 8]>().prop_map(IpAddr::from),
    ]
}

proptest! {
    /// Random bytes almost never hold the BEGIN line: this one shows that
    /// nothing panics; the two below feed real, escaped certificates.
    #[test]
    fn any_certificate_header_gives_a_certificate_or_nothing(value in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = forwarded_certificate(&value);
    }

    #[test]
    fn a_forwarded_certificate_arrives_byte_for_byte(der in proptest::collection::vec(any::<u8>(), 1..1500)) {
        prop_assert_eq!(forwarded_certificate(escaped_pem(&der).as_bytes()), Some(der));
    }

    #[test]
    fn a_cut_header_gives_nothing_or_the_whole_certificate(
        der in proptest::collection::vec(any::<u8>(), 1..800),
        cut in 0usize..4000,
    ) {
        let escaped = escaped_pem(&der);
        let damaged = &escaped.as_bytes()[..cut.min(escaped.len())];
        if let Some(decoded) = forwarded_certificate(damaged) {
            // Only a header cut after the whole body decodes, to the same bytes.
            prop_assert_eq!(decoded, der);
        }
    }

    #[test]
    fn a_forwarded_address_is_believed_only_from_a_trusted_proxy(
        peer in address(),
        trusted_peer in any::<bool>(),
        other_trusted in proptest::collection::vec(address(), 0..3),
        header in prop_oneof![
            ".{0,80}",
            proptest::collection::vec(address(), 0..5).prop_map(|ips| {
                ips.iter().map(IpAddr::to_string).collect::<Vec<_>>().join(", ")
            }),
        ],
    ) {
        let mut trusted = other_trusted.clone();
        if trusted_peer {
            trusted.push(peer);
        }
        let mut headers = http::HeaderMap::new();
        if let Ok(value) = http::HeaderValue::from_str(&header) {
            headers.insert("x-forwarded-for", value);
        }
        let client = client_address(peer, &headers, &trusted);
        if !trusted.contains(&peer) {
            prop_assert_eq!(client, peer);
        } else if client != peer {
            // One of the header's addresses, and not a proxy itself.
            prop_assert!(header.split(',').any(|ip| ip.trim().parse() == Ok(client)));
            prop_assert!(!trusted.contains(&client));
        }
    }
}
