//! Lexer for Go `text/template` source: splits text and `{{ … }}` actions into tokens,
//! applying trim markers and dropping comments, the way Go's `text/template/parse` does.

/// Kind of a token produced by [`lex`].
/// Text is borrowed from the source: tokens are only a step towards the tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok<'a> {
    /// Plain text outside actions (already trimmed by neighbouring trim markers).
    Text(&'a str),
    /// `{{` (with or without trim marker).
    LeftDelim,
    /// `}}` (with or without trim marker).
    RightDelim,
    /// Run of spaces inside an action (significant: separates arguments).
    Space,
    /// Bare word: a function name or keyword.
    Ident(&'a str),
    /// `.name`
    Field(&'a str),
    /// `$name` or `$`
    Variable(&'a str),
    /// `.`
    Dot,
    /// Quoted or raw string as written (see [`string_value`]).
    Str { quoted: &'a str },
    /// Character constant: original text and code point.
    /// A malformed one (`'ab'`) carries Go's message: the parser, not the lexer, rejects
    /// it, so the error has no "in action started at" suffix.
    Char { text: &'a str, value: Result<char, String> },
    /// Number literal (original text).
    Number(&'a str),
    /// `true` / `false`
    Bool(bool),
    /// `nil`
    Nil,
    /// `|`
    Pipe,
    /// `(`
    LeftParen,
    /// `)`
    RightParen,
    /// `=`
    Assign,
    /// `:=`
    Declare,
    /// `,`
    Comma,
    /// A lexical error (Go's lexer emits it as a token; the parser reports it when reached).
    Error(String),
    /// Any other printable ASCII character (the parser rejects it in context).
    Punct(char),
    /// Keyword: if, else, end, range, with, define, template, block, break, continue.
    Keyword(&'static str),
    /// End of input.
    Eof,
}

/// A token and the byte offset where it starts.
#[derive(Debug, Clone)]
pub struct Token<'a> {
    /// What the token is.
    pub tok: Tok<'a>,
    /// Byte offset of the token in the source.
    pub pos: usize,
}

/// A lexical error and where it happened.
#[derive(Debug, Clone)]
pub struct LexError {
    /// Byte offset of the error.
    pub pos: usize,
    /// Go's message for it.
    pub msg: String,
}

const KEYWORDS: [&str; 10] = [
    "if", "else", "end", "range", "with", "define", "template", "block", "break", "continue",
];

fn is_space(c: u8) -> bool {
    c == b' ' || c == b'\t' || c == b'\r' || c == b'\n'
}

fn is_alnum(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// The value of a string token: a raw string's text, or a quoted string decoded (a
/// token from [`lex`] always decodes).
pub fn string_value(quoted: &str) -> Result<std::borrow::Cow<'_, str>, String> {
    let inner = quoted.get(1..quoted.len().saturating_sub(1)).unwrap_or_default();
    if quoted.starts_with('`') || !quoted.contains('\\') {
        return Ok(std::borrow::Cow::Borrowed(inner));
    }
    unquote(quoted).map(std::borrow::Cow::Owned)
}

/// Offset of the first `{{` (a byte search: `str::find` with a pattern string sets up
/// a two-way searcher on every call).
fn find_left_delim(b: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = b[from..].iter().position(|&c| c == b'{') {
        let at = from + i;
        if b.get(at + 1) == Some(&b'{') {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Split `src` into tokens. The result always ends with [`Tok::Eof`] unless an error occurs.
pub fn lex(src: &str) -> Vec<Token<'_>> {
    let mut lx = Lexer {
        src,
        b: src.as_bytes(),
        pos: 0,
        // About one token per 8 bytes of template source.
        out: Vec::with_capacity(src.len() / 8 + 4),
    };
    if let Err(e) = lx.run() {
        lx.out.push(Token {
            tok: Tok::Error(e.msg),
            pos: e.pos,
        });
    }
    lx.out
}

struct Lexer<'a> {
    src: &'a str,
    b: &'a [u8],
    pos: usize,
    out: Vec<Token<'a>>,
}

impl<'a> Lexer<'a> {
    fn push(&mut self, tok: Tok<'a>, pos: usize) {
        self.out.push(Token { tok, pos });
    }

    fn err<T>(&self, pos: usize, msg: impl Into<String>) -> Result<T, LexError> {
        Err(LexError { pos, msg: msg.into() })
    }

    fn run(&mut self) -> Result<(), LexError> {
        let mut trim_next_text = false;
        loop {
            // Text up to the next left delimiter.
            let start = self.pos;
            let next = find_left_delim(&self.b[start..]).map(|i| start + i);
            let end = next.unwrap_or(self.b.len());
            let mut text = &self.src[start..end];
            let mut text_pos = start;
            if trim_next_text {
                text = text.trim_start_matches([' ', '\t', '\r', '\n']);
                // Go's item starts after the trimmed space (its line is the line there).
                text_pos = end - text.len();
            }
            let mut left_trim = false;
            if let Some(n) = next
                && self.b.get(n + 2) == Some(&b'-')
                && self.b.get(n + 3).is_some_and(|c| is_space(*c))
            {
                left_trim = true;
                text = text.trim_end_matches([' ', '\t', '\r', '\n']);
            }
            if !text.is_empty() {
                self.push(Tok::Text(text), text_pos);
            }
            let Some(n) = next else {
                self.push(Tok::Eof, self.b.len());
                return Ok(());
            };
            self.pos = n + 2;
            if left_trim {
                self.pos += 2; // "-" and the space after it
            }
            // Comment?
            let after = self.pos;
            if self.src[after..].starts_with("/*") {
                let Some(close) = self.src[after + 2..].find("*/") else {
                    return self.err(after, "unclosed comment");
                };
                let mut p = after + 2 + close + 2;
                let mut right_trim = false;
                if self.src[p..].starts_with(" -}}")
                    || self.src[p..].starts_with("\t-}}")
                    || self.src[p..].starts_with("\n-}}")
                    || self.src[p..].starts_with("\r-}}")
                {
                    right_trim = true;
                    p += 2;
                }
                if !self.src[p..].starts_with("}}") {
                    return self.err(after, "comment ends before closing delimiter");
                }
                self.pos = p + 2;
                trim_next_text = right_trim;
                continue;
            }
            self.push(Tok::LeftDelim, n);
            trim_next_text = self.lex_inside()?;
        }
    }

    /// Lex inside an action; returns whether the closing delimiter had a trim marker.
    fn lex_inside(&mut self) -> Result<bool, LexError> {
        let mut paren_depth = 0usize;
        loop {
            // Right delimiter, possibly with trim marker.
            if self.b.get(self.pos).is_some_and(|c| is_space(*c)) {
                let mut p = self.pos;
                while self.b.get(p).is_some_and(|c| is_space(*c)) {
                    p += 1;
                }
                if self.src[p..].starts_with("-}}") && p > self.pos {
                    if paren_depth > 0 {
                        // Go stops on the space before the trim marker.
                        return self.err(p - 1, "unclosed left paren");
                    }
                    self.push(Tok::RightDelim, p);
                    self.pos = p + 3;
                    return Ok(true);
                }
                self.push(Tok::Space, self.pos);
                self.pos = p;
                continue;
            }
            if self.src[self.pos..].starts_with("}}") {
                if paren_depth > 0 {
                    return self.err(self.pos, "unclosed left paren");
                }
                self.push(Tok::RightDelim, self.pos);
                self.pos += 2;
                return Ok(false);
            }
            let Some(c) = self.src[self.pos..].chars().next() else {
                // Everything before has been emitted: Go's error item starts at the end.
                return self.err(self.pos, "unclosed action");
            };
            let start = self.pos;
            match c {
                '|' => {
                    self.push(Tok::Pipe, start);
                    self.pos += 1;
                }
                '(' => {
                    paren_depth += 1;
                    self.push(Tok::LeftParen, start);
                    self.pos += 1;
                }
                ')' => {
                    if paren_depth == 0 {
                        return self.err(start, "unexpected right paren");
                    }
                    paren_depth -= 1;
                    self.push(Tok::RightParen, start);
                    self.pos += 1;
                }
                ',' => {
                    self.push(Tok::Comma, start);
                    self.pos += 1;
                }
                '=' => {
                    self.push(Tok::Assign, start);
                    self.pos += 1;
                }
                ':' => {
                    if self.b.get(start + 1) != Some(&b'=') {
                        return self.err(start, "expected :=");
                    }
                    self.push(Tok::Declare, start);
                    self.pos += 2;
                }
                '"' => self.lex_quote(start)?,
                '`' => {
                    let Some(end) = self.src[start + 1..].find('`') else {
                        return self.err(start, "unterminated raw quoted string");
                    };
                    let src = self.src;
                    let quoted = &src[start..start + end + 2];
                    self.pos = start + end + 2;
                    self.push(Tok::Str { quoted }, start);
                }
                '\'' => self.lex_char(start)?,
                '$' => {
                    self.pos += 1;
                    if !self.at_terminator() {
                        self.scan_word();
                        if !self.at_terminator() {
                            let n = self.src[self.pos..].chars().next().unwrap_or(' ');
                            return self.err(start, format!("bad character {}", go_unicode(n)));
                        }
                    }
                    let src = self.src;
                    self.push(Tok::Variable(&src[start..self.pos]), start);
                }
                '.' => {
                    let next = self.src[start + 1..].chars().next();
                    if next.is_some_and(|d| d.is_ascii_digit()) {
                        self.lex_number(start)?;
                    } else {
                        self.pos += 1;
                        if self.at_terminator() {
                            self.push(Tok::Dot, start);
                        } else {
                            self.scan_word();
                            if !self.at_terminator() {
                                let n = self.src[self.pos..].chars().next().unwrap_or(' ');
                                return self.err(start, format!("bad character {}", go_unicode(n)));
                            }
                            let src = self.src;
                            self.push(Tok::Field(&src[start + 1..self.pos]), start);
                        }
                    }
                }
                '+' | '-' | '0'..='9' => self.lex_number(start)?,
                c if is_alnum(c) => {
                    self.scan_word();
                    let src = self.src;
                    let word = &src[start..self.pos];
                    let tok = if let Some(k) = KEYWORDS.iter().find(|k| **k == word) {
                        Tok::Keyword(k)
                    } else if word == "true" {
                        Tok::Bool(true)
                    } else if word == "false" {
                        Tok::Bool(false)
                    } else if word == "nil" {
                        Tok::Nil
                    } else {
                        Tok::Ident(word)
                    };
                    // Go: a word must be followed by a delimiter-like character.
                    if !self.at_terminator() {
                        let n = self.src[self.pos..].chars().next().unwrap_or(' ');
                        return self.err(start, format!("bad character {}", go_unicode(n)));
                    }
                    self.push(tok, start);
                }
                other if other.is_ascii() && !other.is_ascii_control() => {
                    self.pos += 1;
                    self.push(Tok::Punct(other), start);
                }
                other => {
                    return self.err(
                        start,
                        format!("unrecognized character in action: {}", go_unicode(other)),
                    );
                }
            }
        }
    }

    /// Go's `atTerminator`: what may follow a word, variable or field.
    fn at_terminator(&self) -> bool {
        match self.src[self.pos..].chars().next() {
            None => true,
            Some(c) if c.is_ascii() && is_space(c as u8) => true,
            Some('.' | ',' | '|' | ':' | ')' | '(') => true,
            Some(_) => self.src[self.pos..].starts_with("}}"),
        }
    }

    fn scan_word(&mut self) {
        while let Some(&c) = self.b.get(self.pos) {
            if c.is_ascii_alphanumeric() || c == b'_' {
                self.pos += 1;
                continue;
            }
            if c.is_ascii() {
                return;
            }
            break;
        }
        while let Some(c) = self.src[self.pos..].chars().next() {
            if is_alnum(c) {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
    }

    fn lex_quote(&mut self, start: usize) -> Result<(), LexError> {
        let mut p = start + 1;
        loop {
            match self.b.get(p) {
                None | Some(b'\n') => return self.err(start, "unterminated quoted string"),
                Some(b'\\') => {
                    if matches!(self.b.get(p + 1), None | Some(b'\n')) {
                        return self.err(start, "unterminated quoted string");
                    }
                    p += 2;
                }
                Some(b'"') => break,
                Some(_) => p += 1,
            }
        }
        let src = self.src;
        let quoted = &src[start..=p];
        string_value(quoted).map_err(|m| LexError { pos: start, msg: m })?;
        self.pos = p + 1;
        self.push(Tok::Str { quoted }, start);
        Ok(())
    }

    fn lex_char(&mut self, start: usize) -> Result<(), LexError> {
        let mut p = start + 1;
        loop {
            match self.b.get(p) {
                None | Some(b'\n') => return self.err(start, "unterminated character constant"),
                Some(b'\\') => p += 2,
                Some(b'\'') => break,
                Some(_) => p += 1,
            }
        }
        let src = self.src;
        let text = &src[start..=p.min(self.b.len() - 1)];
        let inner = format!(
            "\"{}\"",
            &text[1..text.len() - 1].replace("\\'", "'").replace('"', "\\\"")
        );
        let value = unquote(&inner).and_then(|decoded| {
            let mut it = decoded.chars();
            match (it.next(), it.next()) {
                (Some(c), None) => Ok(c),
                _ => Err(format!("malformed character constant: {text}")),
            }
        });
        self.pos = p + 1;
        self.push(Tok::Char { text, value }, start);
        Ok(())
    }

    /// Go's `scanNumber`: sign, base prefix, digits, fraction, exponent, imaginary `i`;
    /// an alphanumeric right after the number is a syntax error that includes it.
    fn lex_number(&mut self, start: usize) -> Result<(), LexError> {
        let b = self.b;
        let mut p = start;
        let accept = |p: &mut usize, set: &[u8]| -> bool {
            if b.get(*p).is_some_and(|c| set.contains(c)) {
                *p += 1;
                true
            } else {
                false
            }
        };
        let accept_run = |p: &mut usize, set: &[u8]| {
            while b.get(*p).is_some_and(|c| set.contains(c)) {
                *p += 1;
            }
        };
        accept(&mut p, b"+-");
        let mut digits: &[u8] = b"0123456789_";
        if accept(&mut p, b"0") {
            if accept(&mut p, b"xX") {
                digits = b"0123456789abcdefABCDEF_";
            } else if accept(&mut p, b"oO") {
                digits = b"01234567_";
            } else if accept(&mut p, b"bB") {
                digits = b"01_";
            }
        }
        accept_run(&mut p, digits);
        if accept(&mut p, b".") {
            accept_run(&mut p, digits);
        }
        if digits.len() == 11 && accept(&mut p, b"eE") {
            accept(&mut p, b"+-");
            accept_run(&mut p, b"0123456789_");
        }
        if digits.len() == 23 && accept(&mut p, b"pP") {
            accept(&mut p, b"+-");
            accept_run(&mut p, b"0123456789_");
        }
        accept(&mut p, b"i");
        if let Some(c) = self.src[p..].chars().next()
            && is_alnum(c)
        {
            let end = p + c.len_utf8();
            return self.err(start, format!("bad number syntax: {:?}", &self.src[start..end]));
        }
        if matches!(b.get(p), Some(b'+' | b'-')) {
            // Go reads `1+2i` as a complex number; anything else there is bad syntax.
            let mut q = p + 1;
            accept_run(&mut q, b"0123456789_.eE");
            let ok = b.get(q) == Some(&b'i') && !self.src[q + 1..].starts_with(is_alnum);
            let end = if ok { q + 1 } else { q };
            if !ok {
                return self.err(start, format!("bad number syntax: {:?}", &self.src[start..end]));
            }
            p = end;
        }
        let src = self.src;
        self.pos = p;
        self.push(Tok::Number(&src[start..p]), start);
        Ok(())
    }
}

/// Go's `%#U` of a rune: `U+0001` or `U+00E9 'é'`.
fn go_unicode(c: char) -> String {
    if c.is_control() {
        format!("U+{:04X}", c as u32)
    } else {
        format!("U+{:04X} '{c}'", c as u32)
    }
}

/// Decode a Go double-quoted string literal (with the quotes).
pub fn unquote(q: &str) -> Result<String, String> {
    let inner = q
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .ok_or_else(|| "invalid syntax".to_string())?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    let mut bytes: Vec<u8> = Vec::new();
    let flush = |bytes: &mut Vec<u8>, out: &mut String| {
        if !bytes.is_empty() {
            out.push_str(&String::from_utf8_lossy(bytes));
            bytes.clear();
        }
    };
    while let Some(c) = chars.next() {
        if c != '\\' {
            flush(&mut bytes, &mut out);
            out.push(c);
            continue;
        }
        let e = chars.next().ok_or("invalid syntax")?;
        let simple = match e {
            'a' => Some('\x07'),
            'b' => Some('\x08'),
            'f' => Some('\x0c'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\x0b'),
            '\\' => Some('\\'),
            '"' => Some('"'),
            _ => None,
        };
        if let Some(s) = simple {
            flush(&mut bytes, &mut out);
            out.push(s);
            continue;
        }
        let mut take = |n: usize, radix: u32| -> Result<u32, String> {
            let mut s = String::new();
            for _ in 0..n {
                s.push(chars.next().ok_or("invalid syntax")?);
            }
            u32::from_str_radix(&s, radix).map_err(|_| "invalid syntax".to_string())
        };
        match e {
            'x' => bytes.push(take(2, 16)? as u8),
            '0'..='7' => {
                let rest = take(2, 8)?;
                let v = (e as u32 - '0' as u32) * 64 + rest;
                if v > 255 {
                    return Err("invalid syntax".into());
                }
                bytes.push(v as u8);
            }
            'u' => {
                flush(&mut bytes, &mut out);
                out.push(char::from_u32(take(4, 16)?).ok_or("invalid syntax")?);
            }
            'U' => {
                flush(&mut bytes, &mut out);
                out.push(char::from_u32(take(8, 16)?).ok_or("invalid syntax")?);
            }
            _ => return Err("invalid syntax".into()),
        }
    }
    flush(&mut bytes, &mut out);
    Ok(out)
}
