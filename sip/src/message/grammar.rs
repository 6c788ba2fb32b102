//! Character classes and small scanners from RFC 3261 §25.1, shared by the header parsers.

/// `token` characters: alphanumerics and `-.!%*_+`'~`.
pub(crate) fn is_token(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&c)
}

pub(crate) fn is_token_str(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_token)
}

/// Linear white space: space and tab (folded lines are already joined).
pub(crate) fn is_ws(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

pub(crate) fn trim_ws(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

/// The length of the quoted string at the start of `s` (which starts with `"`), quotes
/// included, or None when it is not closed. `\` escapes the next character.
pub(crate) fn quoted_len(s: &[u8]) -> Option<usize> {
    let mut i = 1;
    while i < s.len() {
        match s[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Splits `s` at `sep` where it is outside quoted strings and angle brackets.
///
/// Every header Porter reads passes through here (list headers, parameters), so it jumps
/// from one byte that matters to the next with memchr rather than looking at every byte.
pub(crate) fn split_top(s: &str, sep: u8) -> Result<Vec<&str>, &'static str> {
    let b = s.as_bytes();
    let mut parts = Vec::new();
    let (mut start, mut i) = (0, 0);
    while let Some(at) = memchr::memchr3(b'"', b'<', sep, &b[i..]) {
        i += at;
        match b[i] {
            b'"' => i += quoted_len(&b[i..]).ok_or("unterminated quoted string")?,
            // Inside angle brackets only the closing one matters (a URI's own `;` and `,`).
            b'<' => i += memchr::memchr(b'>', &b[i..]).ok_or("unclosed <")? + 1,
            _ => {
                parts.push(&s[start..i]);
                i += 1;
                start = i;
            }
        }
    }
    parts.push(&s[start..]);
    Ok(parts)
}

/// `%HH` decoding for comparisons (user parts, parameters); invalid escapes stay as they are.
pub(crate) fn unescape(s: &str) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `k=v, k="v"` lists (digest challenges and credentials): pairs split at commas outside
/// quotes, white space trimmed, values still quoted.
pub(crate) fn split_params(s: &str) -> Result<Vec<(&str, &str)>, String> {
    let mut out = Vec::new();
    for part in split_top(s, b',').map_err(str::to_owned)? {
        let part = trim_ws(part);
        if part.is_empty() {
            continue;
        }
        let (k, v) = part
            .split_once('=')
            .ok_or_else(|| format!("{part:?} is not name=value"))?;
        out.push((trim_ws(k), trim_ws(v)));
    }
    Ok(out)
}

/// A quoted string's content with its `\` escapes resolved; other values as they are.
pub(crate) fn unquote(v: &str) -> String {
    let Some(inner) = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) else {
        return v.to_owned();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}
