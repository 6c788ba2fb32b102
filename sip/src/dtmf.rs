//! DTMF sent as SIP INFO (`application/dtmf-relay`, `application/dtmf`), without IO: the keys
//! in a body, and which relay code the keys pressed so far complete. In-media DTMF (RFC 4733)
//! stays between the endpoints; only INFO passes the proxy.

/// The keys an INFO body carries; empty when the content type is not DTMF or the body says
/// nothing usable.
pub fn keys(content_type: Option<&str>, body: &[u8]) -> Vec<char> {
    let Ok(text) = std::str::from_utf8(body) else {
        return Vec::new();
    };
    let kind = content_type
        .and_then(|c| c.split(';').next())
        .map(|c| c.trim().to_ascii_lowercase());
    match kind.as_deref() {
        Some("application/dtmf-relay") => text
            .lines()
            .filter_map(|l| l.split_once('='))
            .filter(|(k, _)| k.trim().eq_ignore_ascii_case("signal"))
            .filter_map(|(_, v)| key(v.trim()))
            .collect(),
        Some("application/dtmf") => key(text.trim()).into_iter().collect(),
        _ => Vec::new(),
    }
}

/// One key as phones write it: 0-9, *, #, A-D, or the event codes 10 and 11 for * and #.
fn key(v: &str) -> Option<char> {
    match v {
        "10" => Some('*'),
        "11" => Some('#'),
        _ => {
            let mut chars = v.chars();
            let c = chars.next()?.to_ascii_uppercase();
            let valid = c.is_ascii_digit() || matches!(c, '*' | '#' | 'A'..='D');
            (chars.next().is_none() && valid).then_some(c)
        }
    }
}

/// Relay codes are 1 to 4 keys: no more are kept.
pub const MAX_KEYS: usize = 4;

/// Adds a key to what was pressed before (keeping the last `MAX_KEYS`).
pub fn press(pressed: &mut String, key: char) {
    pressed.push(key);
    while pressed.chars().count() > MAX_KEYS {
        pressed.remove(0);
    }
}

/// The relay whose code the pressed keys end with (the longest code when several do).
pub fn completed(pressed: &str, codes: &[(u32, String)]) -> Option<u32> {
    codes
        .iter()
        .filter(|(_, code)| !code.is_empty() && pressed.ends_with(code.as_str()))
        .max_by_key(|(_, code)| code.len())
        .map(|(relay, _)| *relay)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_of_both_content_types() {
        let relay = keys(
            Some("application/dtmf-relay"),
            b"Signal=#\r\nDuration=160\r\n",
        );
        assert_eq!(relay, vec!['#']);
        assert_eq!(
            keys(Some("application/dtmf-relay"), b"Signal= 11\nDuration=100"),
            vec!['#']
        );
        assert_eq!(keys(Some("Application/DTMF; x=y"), b"5\r\n"), vec!['5']);
        assert!(keys(Some("application/sdp"), b"Signal=1").is_empty());
        assert!(keys(Some("application/dtmf"), b"55").is_empty());
        assert!(keys(None, b"Signal=1").is_empty());
        assert!(keys(Some("application/dtmf-relay"), &[0xff, 0xfe]).is_empty());
    }

    #[test]
    fn codes_complete_on_their_last_key() {
        let codes = vec![
            (1, "#".to_owned()),
            (2, "123".to_owned()),
            (3, "23".to_owned()),
        ];
        let mut pressed = String::new();
        for k in ['9', '1', '2'] {
            press(&mut pressed, k);
            assert_eq!(completed(&pressed, &codes), None);
        }
        press(&mut pressed, '3');
        assert_eq!(
            completed(&pressed, &codes),
            Some(2),
            "the longest code wins"
        );
        for k in ['5', '5', '5', '5', '5', '#'] {
            press(&mut pressed, k);
        }
        assert_eq!(pressed, "555#");
        assert_eq!(completed(&pressed, &codes), Some(1));
    }
}
