//! Go's `fmt` package as templates use it: `%v` printing of every value type, `Sprint`,
//! `Sprintln`, and `Sprintf` with flags, width, precision and Go's `%!verb(type=value)` errors.

use crate::value::Value;

/// Go's shortest float formatting with `%e`-style exponent when `exp < -4 || exp >= eprec`.
/// `fmt` uses eprec 21 for `%v` of floats; `strconv 'g' -1` uses the digit count.
fn shortest_digits(f: f64) -> (String, i32) {
    // Rust's {:e} gives the shortest round-trip representation: d.ddddde[-]x
    let s = format!("{:e}", f.abs());
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    (digits, exp.parse().unwrap_or(0))
}

fn exp_suffix(exp: i32, upper: bool) -> String {
    let sign = if exp < 0 { '-' } else { '+' };
    let e = if upper { 'E' } else { 'e' };
    format!("{e}{sign}{:02}", exp.abs())
}

/// Format a float like Go's `strconv.FormatFloat(f, 'g', prec, 64)` (`None` = shortest).
pub fn format_float_g(f: f64, prec: Option<usize>, upper: bool) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    let neg = f.is_sign_negative();
    let (digits, exp) = if f == 0.0 {
        ("0".to_string(), 0)
    } else {
        match prec {
            None => shortest_digits(f),
            Some(p) => {
                let s = format!("{:.*e}", p.max(1) - 1, f.abs());
                let (mant, e) = s.split_once('e').unwrap_or((&s, "0"));
                let mut d: String = mant.chars().filter(|c| *c != '.').collect();
                while d.len() > 1 && d.ends_with('0') {
                    d.pop();
                }
                (d, e.parse().unwrap_or(0))
            }
        }
    };
    let nd = digits.len() as i32;
    let dp = exp + 1;
    let eprec = match prec {
        None => 6,
        Some(p) => {
            let p = p.max(1) as i32;
            if p > nd && nd >= dp { nd } else { p }
        }
    };
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if exp < -4 || exp >= eprec {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push_str(&exp_suffix(exp, upper));
    } else if exp < 0 {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        let int_len = dp as usize;
        if digits.len() <= int_len {
            out.push_str(&digits);
            for _ in digits.len()..int_len {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        }
    }
    out
}

/// `%v` of a float64 (shortest digits, exponent when exp < -4 or exp >= 21 digits... as Go: 6).
pub fn float_v(f: f64) -> String {
    format_float_g(f, None, false)
}

/// `fmt.Sprint(v)` of one value (`%v`).
pub fn sprint_value(v: &Value) -> String {
    let mut s = String::new();
    write_v(&mut s, v, true);
    s
}

fn write_v(out: &mut String, v: &Value, top: bool) {
    let Some(_g) = crate::value::DepthGuard::enter() else {
        out.push_str("...");
        return;
    };
    match v {
        Value::Nil => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) | Value::Int64(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&float_v(*f)),
        Value::Str(s) => out.push_str(s),
        Value::Time(t) => out.push_str(&crate::gotime::to_go_string(t)),
        Value::Object(o) => match o.format() {
            Some(text) => out.push_str(&text),
            None => write_v(out, &o.to_value(), top),
        },
        Value::List(l) | Value::TypedList(l, _) => {
            out.push('[');
            for (i, x) in l.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_v(out, x, false);
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push_str("map[");
            for (i, (k, x)) in m.read().iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                write_v(out, x, false);
            }
            out.push(']');
        }
    }
    let _ = top;
}

/// `fmt.Sprint(args...)`: spaces between operands when neither side is a string.
pub fn sprint(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 && !matches!(a, Value::Str(_)) && !matches!(args[i - 1], Value::Str(_)) {
            out.push(' ');
        }
        write_v(&mut out, a, true);
    }
    out
}

/// `fmt.Sprintln(args...)`: spaces always, newline at the end.
pub fn sprintln(args: &[Value]) -> String {
    let parts: Vec<String> = args.iter().map(sprint_value).collect();
    let mut s = parts.join(" ");
    s.push('\n');
    s
}

#[derive(Default, Clone, Copy)]
struct Spec {
    minus: bool,
    plus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    /// `%+v` (Go moves `+` here for the `v` verb).
    plus_v: bool,
    /// `%#v`: Go syntax (Go moves `#` here for the `v` verb).
    sharp_v: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

/// `fmt.Sprintf(format, args...)`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let mut argi = 0usize;
    let mut chars = format.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut sp = Spec::default();
        // flags
        while let Some(&(_, f)) = chars.peek() {
            match f {
                '-' => sp.minus = true,
                '+' => sp.plus = true,
                '#' => sp.sharp = true,
                ' ' => sp.space = true,
                '0' => sp.zero = !sp.minus,
                _ => break,
            }
            chars.next();
        }
        // width
        if let Some(&(_, '*')) = chars.peek() {
            chars.next();
            match args.get(argi) {
                Some(Value::Int(n)) | Some(Value::Int64(n)) if n.unsigned_abs() <= 1_000_000 => {
                    if *n < 0 {
                        sp.minus = true;
                        sp.zero = false;
                    }
                    sp.width = Some(n.unsigned_abs() as usize);
                }
                _ => out.push_str("%!(BADWIDTH)"),
            }
            argi += 1;
        } else {
            let mut w = String::new();
            while let Some(&(_, d)) = chars.peek() {
                if d.is_ascii_digit() {
                    w.push(d);
                    chars.next();
                } else {
                    break;
                }
            }
            if !w.is_empty() {
                match w.parse::<usize>() {
                    Ok(n) if n <= 1_000_000 => sp.width = Some(n),
                    _ => out.push_str("%!(BADWIDTH)"),
                }
            }
        }
        // precision
        if let Some(&(_, '.')) = chars.peek() {
            chars.next();
            if let Some(&(_, '*')) = chars.peek() {
                chars.next();
                match args.get(argi) {
                    Some(Value::Int(n)) | Some(Value::Int64(n)) if (0..=1_000_000).contains(n) => {
                        sp.prec = Some(*n as usize)
                    }
                    _ => out.push_str("%!(BADPREC)"),
                }
                argi += 1;
            } else {
                let mut w = String::new();
                while let Some(&(_, d)) = chars.peek() {
                    if d.is_ascii_digit() {
                        w.push(d);
                        chars.next();
                    } else {
                        break;
                    }
                }
                match w.parse::<usize>() {
                    Ok(n) if n <= 1_000_000 => sp.prec = Some(n),
                    Err(_) if w.is_empty() => sp.prec = Some(0),
                    _ => out.push_str("%!(BADPREC)"),
                }
            }
        }
        let Some((_, verb)) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(argi) else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        argi += 1;
        if verb == 'v' {
            sp.sharp_v = std::mem::take(&mut sp.sharp);
            sp.plus_v = std::mem::take(&mut sp.plus);
        }
        fmt_arg(&mut out, arg, verb, &sp);
    }
    if argi < args.len() {
        out.push_str("%!(EXTRA ");
        for (i, a) in args[argi..].iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            if a.is_nil() {
                out.push_str("<nil>");
            } else {
                out.push_str(a.type_name());
                out.push('=');
                out.push_str(&sprint_value(a));
            }
        }
        out.push(')');
    }
    out
}

/// `%!verb(type=value)`: the value is printed with `%v` and the directive's own flags,
/// width and precision, as Go does.
fn bad_verb(out: &mut String, v: &Value, verb: char, sp: &Spec) {
    out.push_str("%!");
    out.push(verb);
    out.push('(');
    if v.is_nil() {
        out.push_str("<nil>");
    } else {
        out.push_str(v.type_name());
        out.push('=');
        fmt_arg(out, v, 'v', sp);
    }
    out.push(')');
}

fn pad(out: &mut String, s: &str, sp: &Spec, numeric: bool) {
    let len = s.chars().count();
    let Some(w) = sp.width.filter(|w| *w > len) else {
        out.push_str(s);
        return;
    };
    let fill = w - len;
    if sp.minus {
        out.push_str(s);
        out.extend(std::iter::repeat_n(' ', fill));
    } else if sp.zero && numeric {
        // zeros go after the sign
        let (sign, rest) = match s.chars().next() {
            Some(c @ ('-' | '+' | ' ')) => (Some(c), &s[1..]),
            _ => (None, s),
        };
        if let Some(c) = sign {
            out.push(c);
        }
        out.extend(std::iter::repeat_n('0', fill));
        out.push_str(rest);
    } else if sp.zero && !numeric {
        out.extend(std::iter::repeat_n('0', fill));
        out.push_str(s);
    } else {
        out.extend(std::iter::repeat_n(' ', fill));
        out.push_str(s);
    }
}

fn sign_prefix(neg: bool, sp: &Spec) -> &'static str {
    if neg {
        "-"
    } else if sp.plus {
        "+"
    } else if sp.space {
        " "
    } else {
        ""
    }
}

fn fmt_int(out: &mut String, i: i64, verb: char, sp: &Spec, v: &Value) {
    let neg = i < 0;
    let u = i.unsigned_abs();
    let (mut digits, prefix) = match verb {
        'v' | 'd' => (u.to_string(), ""),
        'b' => (format!("{u:b}"), if sp.sharp { "0b" } else { "" }),
        'o' => (format!("{u:o}"), if sp.sharp { "0" } else { "" }),
        'O' => (format!("{u:o}"), "0o"),
        'x' => (format!("{u:x}"), if sp.sharp { "0x" } else { "" }),
        'X' => (format!("{u:X}"), if sp.sharp { "0X" } else { "" }),
        'c' | 'q' => {
            let c = u32::try_from(i).ok().and_then(char::from_u32).unwrap_or('\u{FFFD}');
            let s = if verb == 'c' {
                c.to_string()
            } else if sp.plus {
                quote_rune_ascii(c)
            } else {
                quote_rune(c)
            };
            pad(out, &s, sp, false);
            return;
        }
        'U' => {
            let mut s = format!("U+{:04X}", i as u64);
            if sp.sharp
                && let Some(c) = u32::try_from(i).ok().and_then(char::from_u32)
                && is_go_printable(c)
            {
                s.push_str(&format!(" '{c}'"));
            }
            pad(out, &s, sp, false);
            return;
        }
        _ => {
            bad_verb(out, v, verb, sp);
            return;
        }
    };
    if let Some(p) = sp.prec {
        if p == 0 && u == 0 {
            digits.clear();
        }
        while digits.len() < p {
            digits.insert(0, '0');
        }
    }
    // Go's octal '#' adds a leading 0 only when there is none yet.
    let prefix = if prefix == "0" && digits.starts_with('0') {
        ""
    } else {
        prefix
    };
    let s = format!("{}{}{}", sign_prefix(neg, sp), prefix, digits);
    if sp.zero && sp.prec.is_none() && !sp.minus {
        // zero padding goes between sign/prefix and digits
        let head = format!("{}{}", sign_prefix(neg, sp), prefix);
        let width = sp.width.unwrap_or(0);
        let len = s.chars().count();
        out.push_str(&head);
        if width > len {
            out.extend(std::iter::repeat_n('0', width - len));
        }
        out.push_str(&digits);
        return;
    }
    let sp2 = Spec { zero: false, ..*sp };
    pad(out, &s, &sp2, true);
}

fn fmt_float(out: &mut String, f: f64, verb: char, sp: &Spec, v: &Value) {
    let neg = f.is_sign_negative() && !f.is_nan();
    let a = f.abs();
    let body = match verb {
        'v' | 'g' | 'G' => format_float_g(a, sp.prec, verb == 'G'),
        'b' => float_b(a),
        'x' | 'X' => {
            let s = float_x(a, sp.prec);
            if verb == 'X' { s.to_uppercase() } else { s }
        }
        'f' | 'F' => {
            if a.is_infinite() || a.is_nan() {
                format_float_g(a, None, false)
            } else {
                format!("{:.*}", sp.prec.unwrap_or(6), a)
            }
        }
        'e' | 'E' => {
            if a.is_infinite() || a.is_nan() {
                format_float_g(a, None, false)
            } else {
                let s = format!("{:.*e}", sp.prec.unwrap_or(6), a);
                let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
                format!("{m}{}", exp_suffix(e.parse().unwrap_or(0), verb == 'E'))
            }
        }
        _ => {
            bad_verb(out, v, verb, sp);
            return;
        }
    };
    let body = if a.is_nan() {
        "NaN".to_string()
    } else if sp.sharp && verb != 'b' && a.is_finite() {
        apply_sharp(body.trim_start_matches('+'), verb, sp.prec)
    } else {
        body.trim_start_matches('+').to_string()
    };
    let s = if a.is_nan() {
        if sp.plus { "+NaN".into() } else { body }
    } else {
        format!("{}{}", sign_prefix(neg, sp), body)
    };
    let numeric = a.is_finite();
    pad(out, &s, sp, numeric);
}

/// Go's `#` flag for floats: always a decimal point, and for `%g`/`%v`/`%x` trailing
/// zeros up to the precision (6 by default).
fn apply_sharp(num: &str, verb: char, prec: Option<usize>) -> String {
    let mut digits: i64 = match verb {
        'v' | 'g' | 'G' | 'x' | 'X' => prec.map(|p| p as i64).unwrap_or(6),
        _ => 0,
    };
    let (mut body, tail) = match num.find(['p', 'P']).or_else(|| {
        if matches!(verb, 'x' | 'X') {
            None
        } else {
            num.find(['e', 'E'])
        }
    }) {
        Some(i) => (num[..i].to_string(), num[i..].to_string()),
        None => (num.to_string(), String::new()),
    };
    let hex_body = body
        .strip_prefix("0x")
        .or_else(|| body.strip_prefix("0X"))
        .map(str::to_string);
    let counted = hex_body.clone().unwrap_or_else(|| body.clone());
    let mut has_point = false;
    let mut saw_nonzero = false;
    for c in counted.chars() {
        if c == '.' {
            has_point = true;
            continue;
        }
        if c != '0' {
            saw_nonzero = true;
        }
        if saw_nonzero {
            digits -= 1;
        }
    }
    if !has_point {
        if counted == "0" {
            digits -= 1;
        }
        body.push('.');
    }
    while digits > 0 {
        body.push('0');
        digits -= 1;
    }
    body + &tail
}

/// `strconv.FormatFloat(f, 'b', -1, 64)`: decimal mantissa and binary exponent.
fn float_b(a: f64) -> String {
    let bits = a.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i64;
    let frac = bits & ((1u64 << 52) - 1);
    let (mant, e) = if exp == 0 {
        (frac, -1074)
    } else {
        (frac | (1u64 << 52), exp - 1075)
    };
    format!("{mant}p{}{}", if e >= 0 { "+" } else { "-" }, e.abs())
}

/// `strconv.FormatFloat(f, 'x', prec, 64)`: `0x1.hhhhp±dd`.
fn float_x(a: f64, prec: Option<usize>) -> String {
    if a.is_nan() || a.is_infinite() {
        return format_float_g(a, None, false);
    }
    if a == 0.0 {
        return match prec {
            Some(p) if p > 0 => format!("0x0.{}p+00", "0".repeat(p)),
            _ => "0x0p+00".into(),
        };
    }
    let bits = a.to_bits();
    let mut exp = ((bits >> 52) & 0x7ff) as i64;
    let mut frac = bits & ((1u64 << 52) - 1);
    if exp == 0 {
        // subnormal: normalize
        let shift = frac.leading_zeros() as i64 - 11;
        frac = (frac << shift) & ((1u64 << 52) - 1);
        exp = 1 - shift;
    }
    let mut e = exp - 1023;
    let mut lead = 1u64;
    let mut digits = 13usize;
    if let Some(p) = prec
        && p < 13
    {
        let shift = (13 - p) * 4;
        let rem = frac & ((1u64 << shift) - 1);
        let half = 1u64 << (shift - 1);
        let mut q = frac >> shift;
        if rem > half || (rem == half && q & 1 == 1) {
            q += 1;
        }
        if q >> (p * 4) != 0 {
            lead += 1;
            q = 0;
        }
        frac = q;
        digits = p;
    }
    if lead == 2 {
        lead = 1;
        e += 1;
    }
    let mut hex = if digits == 0 {
        String::new()
    } else {
        format!("{:0width$x}", frac, width = digits)
    };
    if prec.is_none() {
        while hex.ends_with('0') {
            hex.pop();
        }
    } else if let Some(p) = prec
        && p > 13
    {
        hex.push_str(&"0".repeat(p - 13));
    }
    let sign = if e >= 0 { '+' } else { '-' };
    if hex.is_empty() {
        format!("0x{lead}p{sign}{:02}", e.abs())
    } else {
        format!("0x{lead}.{hex}p{sign}{:02}", e.abs())
    }
}

/// Go's `%q` of a byte string (invalid UTF-8 bytes as `\x` escapes).
pub fn go_quote_bytes(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => go_quote(s),
        Err(_) => quote_invalid_utf8(b, false),
    }
}

/// Go's `strconv.Quote`.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        quote_char_into(&mut out, c, '"', false);
    }
    out.push('"');
    out
}

/// Go's `strconv.QuoteToASCII`.
pub fn go_quote_ascii(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        quote_char_into(&mut out, c, '"', true);
    }
    out.push('"');
    out
}

fn quote_rune_ascii(c: char) -> String {
    let mut out = String::from("'");
    quote_char_into(&mut out, c, '\'', true);
    out.push('\'');
    out
}

fn quote_rune(c: char) -> String {
    let mut out = String::from("'");
    quote_char_into(&mut out, c, '\'', false);
    out.push('\'');
    out
}

fn quote_char_into(out: &mut String, c: char, q: char, ascii: bool) {
    match c {
        c if c == q => {
            out.push('\\');
            out.push(c);
        }
        '\\' => out.push_str("\\\\"),
        '\x07' => out.push_str("\\a"),
        '\x08' => out.push_str("\\b"),
        '\x0c' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\x0b' => out.push_str("\\v"),
        '\u{FFFD}' if !ascii => out.push('\u{FFFD}'),
        c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
        c if (c as u32) < 0x7f => out.push(c),
        c if ascii || !is_go_printable(c) => {
            if (c as u32) < 0x10000 {
                out.push_str(&format!("\\u{:04x}", c as u32));
            } else {
                out.push_str(&format!("\\U{:08x}", c as u32));
            }
        }
        c => out.push(c),
    }
}

/// Approximation of Go's `unicode.IsPrint`.
pub fn is_go_printable(c: char) -> bool {
    // Approximation of unicode.IsPrint: letters, marks, numbers, punctuation, symbols, ASCII space.
    !(c.is_control()
        || c.is_whitespace() && c != ' '
        || matches!(c as u32, 0xAD | 0x200B..=0x200F | 0x2028..=0x202E | 0x2060..=0x206F | 0xFEFF | 0xE000..=0xF8FF))
}

fn fmt_arg(out: &mut String, v: &Value, verb: char, sp: &Spec) {
    let Some(_g) = crate::value::DepthGuard::enter() else {
        out.push_str("...");
        return;
    };
    if verb == 'T' {
        if v.is_nil() {
            pad(out, "<nil>", sp, false);
        } else {
            let t = v.type_name().to_string();
            fmt_str(out, &t, 's', sp, v);
        }
        return;
    }
    match v {
        Value::Nil => match verb {
            'v' => pad(out, "<nil>", sp, false),
            _ => bad_verb(out, v, verb, sp),
        },
        Value::Bool(b) => match verb {
            'v' | 't' => pad(out, if *b { "true" } else { "false" }, sp, false),
            _ => bad_verb(out, v, verb, sp),
        },
        Value::Int(i) | Value::Int64(i) => fmt_int(out, *i, verb, sp, v),
        Value::Float(f) => fmt_float(out, *f, verb, sp, v),
        Value::Str(s) if sp.sharp_v && verb == 'v' => pad(out, &go_quote(s), sp, false),
        Value::Str(s) => fmt_str(out, s, verb, sp, v),
        // Go formats a []byte like a string for %s, %q, %x and %X.
        Value::Object(o) if let Some(b) = o.bytes().filter(|_| matches!(verb, 's' | 'q' | 'x' | 'X')) => {
            match (std::str::from_utf8(b), verb) {
                (Ok(text), _) => fmt_arg(out, &Value::str(text), verb, sp),
                // Not UTF-8: hex and quoting see the bytes (the precision counts bytes for
                // %x; such text never backquotes for %#q); %s can only show the text.
                (Err(_), 'x' | 'X') => {
                    let n = sp.prec.unwrap_or(b.len()).min(b.len());
                    pad(out, &hex_bytes(&b[..n], verb, sp), sp, false)
                }
                (Err(_), 'q') if sp.prec.is_none() => pad(out, &quote_invalid_utf8(b, sp.plus), sp, false),
                (Err(_), _) => fmt_arg(out, &Value::str(crate::value::bytes_text(b)), verb, sp),
            }
        }
        Value::Object(o) if let Some(text) = o.format().filter(|_| matches!(verb, 'v' | 's')) => {
            pad(out, &text, sp, false)
        }
        // A uint8 formats as an integer, but names its own type in a bad verb.
        Value::Object(_) if let Some(b) = v.as_uint8() => fmt_int(out, i64::from(b), verb, sp, v),
        Value::Object(o) => fmt_arg(out, &o.to_value(), verb, sp),
        Value::Time(t) => match verb {
            'v' | 's' => pad(out, &crate::gotime::to_go_string(t), sp, false),
            _ => bad_verb(out, v, verb, sp),
        },
        Value::List(l) | Value::TypedList(l, _) => {
            if sp.sharp_v && verb == 'v' {
                out.push_str(&go_syntax(v));
                return;
            }
            out.push('[');
            for (i, x) in l.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                fmt_elem(out, x, verb, sp);
            }
            out.push(']');
        }
        Value::Map(m) => {
            if sp.sharp_v && verb == 'v' {
                out.push_str(&go_syntax(v));
                return;
            }
            out.push_str("map[");
            for (i, (k, x)) in m.read().iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                fmt_str(out, k, verb, sp, &Value::str(k.as_str()));
                out.push(':');
                fmt_elem(out, x, verb, sp);
            }
            out.push(']');
        }
    }
}

/// An element of a list or map: a nil interface prints `<nil>` whatever the verb.
fn fmt_elem(out: &mut String, v: &Value, verb: char, sp: &Spec) {
    if v.is_nil() && verb != 'T' {
        out.push_str("<nil>");
    } else {
        fmt_arg(out, v, verb, sp);
    }
}

fn go_syntax(v: &Value) -> String {
    let Some(_g) = crate::value::DepthGuard::enter() else {
        return "...".into();
    };
    match v {
        Value::Nil => "interface {}(nil)".into(),
        Value::Str(s) => go_quote(s),
        Value::List(l) => format!(
            "[]interface {{}}{{{}}}",
            l.iter().map(go_syntax).collect::<Vec<_>>().join(", ")
        ),
        Value::TypedList(l, t) => format!("{t}{{{}}}", l.iter().map(go_syntax).collect::<Vec<_>>().join(", ")),
        Value::Map(m) => format!(
            "map[string]interface {{}}{{{}}}",
            m.read()
                .iter()
                .map(|(k, x)| format!("{}:{}", go_quote(k), go_syntax(x)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Float(f) => float_v(*f),
        other => sprint_value(other),
    }
}

fn fmt_str(out: &mut String, s: &str, verb: char, sp: &Spec, v: &Value) {
    let truncated: String;
    let s = match sp.prec {
        Some(p) if matches!(verb, 'v' | 's' | 'q' | 'x' | 'X') => {
            truncated = s.chars().take(p).collect();
            truncated.as_str()
        }
        _ => s,
    };
    match verb {
        'v' | 's' => pad(out, s, sp, false),
        'q' => {
            let q = if sp.sharp && !s.contains('`') && s.chars().all(|c| c == '\t' || !c.is_control()) {
                format!("`{s}`")
            } else if sp.plus {
                go_quote_ascii(s)
            } else {
                go_quote(s)
            };
            pad(out, &q, sp, false)
        }
        'x' | 'X' => pad(out, &hex_bytes(s.as_bytes(), verb, sp), sp, false),
        _ => bad_verb(out, v, verb, sp),
    }
}

/// `%x` / `%X` of a string or byte slice.
fn hex_bytes(bytes: &[u8], verb: char, sp: &Spec) -> String {
    let mut h = String::new();
    for (i, b) in bytes.iter().enumerate() {
        if sp.space && i > 0 {
            h.push(' ');
        }
        if sp.sharp && (sp.space || i == 0) {
            h.push_str(if verb == 'x' { "0x" } else { "0X" });
        }
        if verb == 'x' {
            h.push_str(&format!("{b:02x}"));
        } else {
            h.push_str(&format!("{b:02X}"));
        }
    }
    h
}

/// Go's `strconv.Quote` (or `QuoteToASCII`) of bytes that are not all UTF-8: each invalid
/// byte is written `\xNN`.
fn quote_invalid_utf8(bytes: &[u8], ascii: bool) -> String {
    let mut out = String::from("\"");
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            quote_char_into(&mut out, c, '"', ascii);
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out.push('"');
    out
}
