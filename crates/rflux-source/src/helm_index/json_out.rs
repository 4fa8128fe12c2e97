//! Writing the sorted index as Flux stores it: JSON indented with two spaces in Go's
//! `json.MarshalIndent` layout (`{}`/`[]` when empty, `<`, `>`, `&` escaped), streamed
//! entry by entry from the compact buffer so no second copy of the index is built.

use std::io::{self, Write};

use super::model::IndexFile;

const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// Write `index` to `out`.
pub fn write_index_json(index: &IndexFile, out: &mut impl Write) -> io::Result<()> {
    out.write_all(b"{\n")?;
    if let Some(info) = &index.server_info {
        out.write_all(b"  \"serverInfo\": ")?;
        reindent(info.as_bytes(), 1, out)?;
        out.write_all(b",\n")?;
    }
    out.write_all(b"  \"apiVersion\": ")?;
    write_string(&index.api_version, out)?;
    out.write_all(b",\n  \"generated\": ")?;
    write_string(
        if index.generated.is_empty() {
            ZERO_TIME
        } else {
            &index.generated
        },
        out,
    )?;
    out.write_all(b",\n  \"entries\": ")?;
    if index.charts.is_empty() {
        out.write_all(b"{}")?;
    } else {
        out.write_all(b"{\n")?;
        for (ci, chart) in index.charts.iter().enumerate() {
            out.write_all(b"    ")?;
            write_string(&chart.name, out)?;
            out.write_all(b": ")?;
            if chart.versions.is_empty() {
                out.write_all(b"[]")?;
            } else {
                out.write_all(b"[\n")?;
                for (vi, version) in chart.versions.iter().enumerate() {
                    out.write_all(b"      ")?;
                    reindent(index.entry_json(version).as_bytes(), 3, out)?;
                    out.write_all(if vi + 1 < chart.versions.len() { b",\n" } else { b"\n" })?;
                }
                out.write_all(b"    ]")?;
            }
            out.write_all(if ci + 1 < index.charts.len() { b",\n" } else { b"\n" })?;
        }
        out.write_all(b"  }")?;
    }
    for (key, value) in [("publicKeys", &index.public_keys), ("annotations", &index.annotations)] {
        if let Some(v) = value {
            write!(out, ",\n  \"{key}\": ")?;
            reindent(v.as_bytes(), 1, out)?;
        }
    }
    out.write_all(b"\n}\n")?;
    out.flush()
}

fn write_string(s: &str, out: &mut impl Write) -> io::Result<()> {
    let quoted = serde_json::to_string(s).map_err(io::Error::other)?;
    write_escaped_string(quoted.as_bytes(), out)
}

/// Copy a JSON string token, escaping what Go's encoder escapes and serde_json does not.
fn write_escaped_string(token: &[u8], out: &mut impl Write) -> io::Result<()> {
    let mut last = 0;
    let mut i = 0;
    while i < token.len() {
        let replacement: Option<&[u8]> = match token[i] {
            b'<' => Some(b"\\u003c"),
            b'>' => Some(b"\\u003e"),
            b'&' => Some(b"\\u0026"),
            0xE2 if token.get(i + 1) == Some(&0x80) && matches!(token.get(i + 2), Some(0xA8 | 0xA9)) => {
                Some(if token.get(i + 2) == Some(&0xA8) {
                    b"\\u2028"
                } else {
                    b"\\u2029"
                })
            }
            _ => None,
        };
        if let Some(r) = replacement {
            out.write_all(&token[last..i])?;
            out.write_all(r)?;
            i += if token[i] == 0xE2 { 3 } else { 1 };
            last = i;
        } else {
            i += 1;
        }
    }
    out.write_all(&token[last..])
}

fn newline(depth: usize, out: &mut impl Write) -> io::Result<()> {
    out.write_all(b"\n")?;
    for _ in 0..depth {
        out.write_all(b"  ")?;
    }
    Ok(())
}

/// Re-indent compact JSON (as serde_json writes it) that starts at nesting `depth`.
fn reindent(compact: &[u8], depth: usize, out: &mut impl Write) -> io::Result<()> {
    let mut depth = depth;
    let mut i = 0;
    while i < compact.len() {
        let b = compact[i];
        match b {
            b'"' => {
                let start = i;
                i += 1;
                while i < compact.len() && compact[i] != b'"' {
                    if compact[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                let end = (i + 1).min(compact.len());
                write_escaped_string(&compact[start..end], out)?;
            }
            b'{' | b'[' => {
                let close = if b == b'{' { b'}' } else { b']' };
                if compact.get(i + 1) == Some(&close) {
                    out.write_all(&[b, close])?;
                    i += 1;
                } else {
                    out.write_all(&[b])?;
                    depth += 1;
                    newline(depth, out)?;
                }
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                newline(depth, out)?;
                out.write_all(&[b])?;
            }
            b',' => {
                out.write_all(b",")?;
                newline(depth, out)?;
            }
            b':' => out.write_all(b": ")?,
            _ => out.write_all(&[b])?,
        }
        i += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reindents_like_go() {
        let mut out = Vec::new();
        reindent(br#"{"a":[1,2],"b":{},"c":"x<y","d":[]}"#, 0, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {},\n  \"c\": \"x\\u003cy\",\n  \"d\": []\n}"
        );
    }
}
