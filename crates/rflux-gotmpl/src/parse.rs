//! Parser for Go `text/template`: turns tokens into [`Tree`]s (the named template and every
//! `{{define}}`/`{{block}}` inside it), with Go's parse error messages.

use std::sync::Arc;

use crate::ast::{Arg, Branch, Command, List, Node, Number, Pipe};
use crate::lex::{Tok, Token, lex};

/// One parsed template body.
#[derive(Debug, Clone)]
pub struct Tree {
    /// Template name.
    pub name: String,
    /// Name of the source it was parsed from (used in error locations).
    pub parse_name: String,
    /// Source text (for line/column of errors).
    pub src: Arc<str>,
    /// Body.
    pub root: List,
}

impl Tree {
    /// Whether the body is only whitespace text (Go does not let such a tree replace another).
    pub fn is_empty(&self) -> bool {
        self.root
            .iter()
            .all(|n| matches!(n, Node::Text(t) if t.trim().is_empty()))
    }

    /// `NAME:LINE:COL` for a byte offset, as Go's `ErrorContext` prints it.
    pub fn location(&self, pos: usize) -> String {
        let pos = pos.min(self.src.len());
        let before = &self.src.as_bytes()[..pos];
        let line = 1 + before.iter().filter(|b| **b == b'\n').count();
        let col = match before.iter().rposition(|b| *b == b'\n') {
            Some(i) => pos - i - 1,
            None => pos,
        };
        format!("{}:{}:{}", self.parse_name, line, col)
    }
}

/// A parse error: Go's message, already in the `template: NAME:LINE: msg` shape.
#[derive(Debug, Clone)]
pub struct ParseError {
    /// Full message.
    pub msg: String,
}

fn line_of(src: &str, pos: usize) -> usize {
    1 + src.as_bytes()[..pos.min(src.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
}

/// Parse `text` as template `name`. Returns the main tree followed by the defined ones.
pub fn parse(name: &str, text: &str, has_func: &dyn Fn(&str) -> bool) -> Result<Vec<Tree>, ParseError> {
    let src: Arc<str> = Arc::from(text);
    let toks = lex(text);
    let mut p = Parser {
        name: name.to_string(),
        src: src.clone(),
        toks,
        i: 0,
        vars: vec!["$".to_string()],
        range_depth: 0,
        seen: std::cell::Cell::new(0),
        action_start: None,
        has_func,
        defs: Vec::new(),
    };
    let root = p.parse_top()?;
    let mut out = vec![Tree {
        name: name.to_string(),
        parse_name: name.to_string(),
        src,
        root,
    }];
    out.append(&mut p.defs);
    Ok(out)
}

struct Parser<'a> {
    name: String,
    src: Arc<str>,
    toks: Vec<Token<'a>>,
    i: usize,
    vars: Vec<String>,
    range_depth: usize,
    /// Index of the furthest token read so far (Go's `token[0]`, whose line errors report).
    seen: std::cell::Cell<usize>,
    /// Byte offset where the current action started (its line is computed only when a
    /// lexical error inside it is reported: counting lines per action is quadratic).
    action_start: Option<usize>,
    has_func: &'a dyn Fn(&str) -> bool,
    defs: Vec<Tree>,
}

fn desc(t: &Tok) -> String {
    let q = |s: &str| {
        let quoted = format!("{s:?}");
        if s.chars().count() > 10 {
            let short: String = s.chars().take(10).collect();
            format!("{:?}...", short)
        } else {
            quoted
        }
    };
    match t {
        Tok::Eof => "EOF".to_string(),
        Tok::Keyword(k) => format!("<{k}>"),
        Tok::Text(s) => q(s),
        Tok::LeftDelim => q("{{"),
        Tok::RightDelim => q("}}"),
        Tok::Space => q(" "),
        Tok::Ident(s) => q(s),
        Tok::Field(s) => q(&format!(".{s}")),
        Tok::Variable(s) => q(s),
        Tok::Dot => "<.>".to_string(),
        Tok::Error(m) => m.clone(),
        Tok::Str { quoted, .. } => q(quoted),
        Tok::Char { text, .. } => q(text),
        Tok::Number(s) => q(s),
        Tok::Bool(b) => q(&b.to_string()),
        Tok::Nil => q("nil"),
        Tok::Pipe => q("|"),
        Tok::LeftParen => q("("),
        Tok::RightParen => q(")"),
        Tok::Assign => q("="),
        Tok::Declare => q(":="),
        Tok::Comma => q(","),
        Tok::Punct(c) => q(&c.to_string()),
    }
}

impl<'a> Parser<'a> {
    fn peek(&self) -> &Token<'a> {
        let i = self.i.min(self.toks.len() - 1);
        self.seen.set(self.seen.get().max(i));
        &self.toks[i]
    }

    fn next(&mut self) -> Token<'a> {
        let t = self.peek().clone();
        if self.i < self.toks.len() {
            self.i += 1;
        }
        t
    }

    fn backup(&mut self) {
        self.i = self.i.saturating_sub(1);
    }

    fn next_non_space(&mut self) -> Token<'a> {
        loop {
            let t = self.next();
            if !matches!(t.tok, Tok::Space) {
                return t;
            }
        }
    }

    /// The next token that is not a space; the spaces before it are consumed.
    fn peek_non_space(&mut self) -> &Token<'a> {
        while self.i + 1 < self.toks.len() && matches!(self.toks[self.i].tok, Tok::Space) {
            self.i += 1;
        }
        self.peek()
    }

    fn string_value(&self, quoted: &'a str) -> Result<std::borrow::Cow<'a, str>, ParseError> {
        crate::lex::string_value(quoted).or_else(|m| self.err(m))
    }

    /// Go's `Tree.errorf`: the line is that of the last token read from the lexer
    /// (lookahead included), not of the token the message is about.
    fn err<T>(&self, msg: impl Into<String>) -> Result<T, ParseError> {
        let pos = self.toks.get(self.seen.get()).map_or(self.src.len(), |t| t.pos);
        Err(ParseError {
            msg: format!("template: {}:{}: {}", self.name, line_of(&self.src, pos), msg.into()),
        })
    }

    fn unexpected<T>(&self, t: &Token, context: &str) -> Result<T, ParseError> {
        if let Tok::Error(msg) = &t.tok {
            let line = line_of(&self.src, t.pos);
            let extra = match self.action_start.map(|pos| line_of(&self.src, pos)) {
                // "unclosed action started at …", not "… action in action …"
                Some(l) if l != line && msg.ends_with(" action") => {
                    format!(" started at {}:{}", self.name, l)
                }
                Some(l) if l != line => format!(" in action started at {}:{}", self.name, l),
                _ => String::new(),
            };
            return self.err(format!("{msg}{extra}"));
        }
        self.err(format!("unexpected {} in {}", desc(&t.tok), context))
    }

    fn parse_top(&mut self) -> Result<List, ParseError> {
        let mut list = Vec::new();
        loop {
            match self.peek().tok {
                Tok::Eof => return Ok(list),
                Tok::LeftDelim => {
                    let mut j = self.i + 1;
                    while j < self.toks.len() && matches!(self.toks[j].tok, Tok::Space) {
                        j += 1;
                    }
                    // Go reads the token after `{{` to look for `define`.
                    self.seen.set(self.seen.get().max(j.min(self.toks.len() - 1)));
                    if j < self.toks.len() && matches!(self.toks[j].tok, Tok::Keyword("define")) {
                        let pos = self.toks[j].pos;
                        self.i = j + 1;
                        self.parse_definition(pos)?;
                        continue;
                    }
                }
                _ => {}
            }
            match self.text_or_action()? {
                Item::Node(n) => list.push(n),
                Item::End => return self.err("unexpected {{end}}"),
                Item::Else => return self.err("unexpected {{else}}"),
            }
        }
    }

    fn parse_definition(&mut self, pos: usize) -> Result<(), ParseError> {
        let name_tok = self.next_non_space();
        let Tok::Str { quoted } = name_tok.tok else {
            return self.unexpected(&name_tok, "define clause");
        };
        let name = self.string_value(quoted)?;
        self.expect_right(pos, "define clause")?;
        let saved_vars = std::mem::replace(&mut self.vars, vec!["$".to_string()]);
        let (list, end) = self.item_list()?;
        self.vars = saved_vars;
        if let Item::Else = end {
            return self.err("unexpected {{else}} in define clause");
        }
        let tree = Tree {
            name: name.into_owned(),
            parse_name: self.name.clone(),
            src: self.src.clone(),
            root: list,
        };
        self.add_def(tree)
    }

    /// Go's `Tree.add`: an empty definition never replaces another; two non-empty
    /// definitions of one name in one source are an error.
    fn add_def(&mut self, tree: Tree) -> Result<(), ParseError> {
        if let Some(i) = self.defs.iter().position(|d| d.name == tree.name) {
            if self.defs[i].is_empty() {
                self.defs[i] = tree;
            } else if !tree.is_empty() {
                return self.err(format!("template: multiple definition of template {:?}", tree.name));
            }
            return Ok(());
        }
        self.defs.push(tree);
        Ok(())
    }

    fn expect_right(&mut self, _pos: usize, context: &str) -> Result<(), ParseError> {
        let t = self.next_non_space();
        if !matches!(t.tok, Tok::RightDelim) {
            return self.unexpected(&t, context);
        }
        Ok(())
    }

    /// Parse nodes up to `{{end}}` or `{{else}}`; returns the list and which one ended it.
    fn item_list(&mut self) -> Result<(List, Item), ParseError> {
        let mut list = Vec::new();
        loop {
            if matches!(self.peek().tok, Tok::Eof) {
                return self.err("unexpected EOF");
            }
            match self.text_or_action()? {
                Item::Node(n) => list.push(n),
                other => {
                    list.shrink_to_fit();
                    return Ok((list, other));
                }
            }
        }
    }

    fn text_or_action(&mut self) -> Result<Item, ParseError> {
        let t = self.next_non_space();
        match t.tok {
            Tok::Text(s) => Ok(Item::Node(Node::Text(s.to_string()))),
            Tok::LeftDelim => {
                self.action_start = Some(t.pos);
                let r = self.action();
                self.action_start = None;
                r
            }
            _ => self.unexpected(&t, "input"),
        }
    }

    fn action(&mut self) -> Result<Item, ParseError> {
        let t = self.next_non_space();
        match t.tok {
            Tok::Keyword("block") => return self.block(t.pos),
            Tok::Keyword("break") => return self.break_continue(true),
            Tok::Keyword("continue") => return self.break_continue(false),
            Tok::Keyword("else") => return self.else_control(t),
            Tok::Keyword("end") => {
                self.expect_right(t.pos, "end")?;
                return Ok(Item::End);
            }
            Tok::Keyword("if") => return self.branch(t.pos, "if").map(|b| Item::Node(Node::If(Box::new(b)))),
            Tok::Keyword("range") => {
                let depth = self.range_depth;
                self.range_depth += 1;
                let r = self.branch(t.pos, "range");
                self.range_depth = depth;
                return r.map(|b| Item::Node(Node::Range(Box::new(b))));
            }
            Tok::Keyword("template") => return self.template_control(t.pos),
            Tok::Keyword("with") => return self.branch(t.pos, "with").map(|b| Item::Node(Node::With(Box::new(b)))),
            Tok::Keyword("define") => return self.err("unexpected <define> in command"),
            _ => {}
        }
        self.backup();
        let pos = self.peek().pos;
        let pipe = self.pipeline("command", pos)?;
        Ok(Item::Node(Node::Action(pipe)))
    }

    fn break_continue(&mut self, is_break: bool) -> Result<Item, ParseError> {
        let name = if is_break { "break" } else { "continue" };
        let t = self.next_non_space();
        if !matches!(t.tok, Tok::RightDelim) {
            return self.unexpected(&t, &format!("{{{{{name}}}}}"));
        }
        if self.range_depth == 0 {
            return self.err(format!("{{{{{name}}}}} outside {{{{range}}}}"));
        }
        Ok(Item::Node(if is_break { Node::Break } else { Node::Continue }))
    }

    fn else_control(&mut self, t: Token<'a>) -> Result<Item, ParseError> {
        // "else if" / "else with": leave the keyword for the caller.
        let p = self.peek_non_space();
        if matches!(p.tok, Tok::Keyword("if") | Tok::Keyword("with")) {
            return Ok(Item::Else);
        }
        self.expect_right(t.pos, "else")?;
        Ok(Item::Else)
    }

    fn branch(&mut self, pos: usize, context: &str) -> Result<Branch, ParseError> {
        let nvars = self.vars.len();
        let pipe = self.pipeline(context, pos)?;
        if context == "range" && pipe.cmds.is_empty() {
            return self.err("missing value for range");
        }
        let (list, end) = self.item_list()?;
        let mut else_list = None;
        if let Item::Else = end {
            // "else if" / "else with" chains become a nested branch.
            let p = self.peek_non_space().clone();
            if (context == "if" && matches!(p.tok, Tok::Keyword("if")))
                || (context == "with" && matches!(p.tok, Tok::Keyword("with")))
            {
                self.next_non_space();
                let inner = self.branch(p.pos, context)?;
                let node = if context == "if" {
                    Node::If(Box::new(inner))
                } else {
                    Node::With(Box::new(inner))
                };
                else_list = Some(vec![node]);
                self.vars.truncate(nvars);
                return Ok(Branch { pipe, list, else_list });
            }
            if matches!(p.tok, Tok::Keyword("if") | Tok::Keyword("with")) {
                // `else with` inside if (or vice versa) is a syntax error in Go.
                return self.unexpected(&p, "input");
            }
            let depth = self.range_depth;
            if context == "range" {
                // {{break}} in the else of a range is outside the loop.
                self.range_depth = self.range_depth.saturating_sub(1);
            }
            let (el, end2) = self.item_list()?;
            self.range_depth = depth;
            if let Item::Else = end2 {
                return self.err("expected end; found {{else}}");
            }
            else_list = Some(el);
        }
        self.vars.truncate(nvars);
        Ok(Branch { pipe, list, else_list })
    }

    fn block(&mut self, pos: usize) -> Result<Item, ParseError> {
        let name_tok = self.next_non_space();
        let Tok::Str { quoted } = name_tok.tok else {
            return self.unexpected(&name_tok, "block clause");
        };
        let name = self.string_value(quoted)?;
        let pipe = self.pipeline("block clause", pos)?;
        let saved_vars = std::mem::replace(&mut self.vars, vec!["$".to_string()]);
        let (list, end) = self.item_list()?;
        self.vars = saved_vars;
        if let Item::Else = end {
            return self.err("unexpected {{else}} in block clause");
        }
        self.add_def(Tree {
            name: name.to_string(),
            parse_name: self.name.clone(),
            src: self.src.clone(),
            root: list,
        })?;
        Ok(Item::Node(Node::Template {
            pos,
            name: name.into_owned(),
            pipe: Some(pipe),
        }))
    }

    fn template_control(&mut self, _pos: usize) -> Result<Item, ParseError> {
        let name_tok = self.next_non_space();
        let name = match name_tok.tok {
            Tok::Str { quoted } => self.string_value(quoted)?,
            _ => return self.unexpected(&name_tok, "template clause"),
        };
        let pos = name_tok.pos;
        let t = self.next_non_space();
        if matches!(t.tok, Tok::RightDelim) {
            return Ok(Item::Node(Node::Template {
                pos,
                name: name.into_owned(),
                pipe: None,
            }));
        }
        self.backup();
        let pipe = self.pipeline("template clause", pos)?;
        Ok(Item::Node(Node::Template {
            pos,
            name: name.into_owned(),
            pipe: Some(pipe),
        }))
    }

    /// Parse a pipeline up to `}}` (or `)` when inside parentheses: context "parenthesized pipeline").
    fn pipeline(&mut self, context: &str, pos: usize) -> Result<Pipe, ParseError> {
        let mut pipe = Pipe {
            pos: self.peek_non_space().pos,
            is_assign: false,
            decl: Vec::new(),
            cmds: Vec::new(),
        };
        let _ = pos;
        let end = if context == "parenthesized pipeline" {
            Tok::RightParen
        } else {
            Tok::RightDelim
        };
        // Declarations, as Go reads them: `$x :=`, `$x =`, and in range `$i, $v :=`.
        while let Tok::Variable(name) = self.peek_non_space().tok {
            let save = self.i;
            self.next_non_space();
            let nxt = self.peek_non_space().clone();
            match nxt.tok {
                Tok::Assign | Tok::Declare => {
                    self.next_non_space();
                    pipe.is_assign = matches!(nxt.tok, Tok::Assign);
                    pipe.decl.push(name.to_string());
                    self.vars.push(name.to_string());
                    break;
                }
                Tok::Comma => {
                    self.next_non_space();
                    pipe.decl.push(name.to_string());
                    self.vars.push(name.to_string());
                    if context == "range" && pipe.decl.len() < 2 {
                        match self.peek_non_space().tok {
                            Tok::Variable(_) | Tok::RightDelim | Tok::RightParen => continue,
                            _ => return self.err("range can only initialize variables"),
                        }
                    }
                    return self.err(format!("too many declarations in {context}"));
                }
                _ => {
                    self.i = save;
                    break;
                }
            }
        }
        loop {
            let t = self.peek_non_space();
            if std::mem::discriminant(&t.tok) == std::mem::discriminant(&end) {
                self.next();
                self.check_pipeline(&pipe, context)?;
                pipe.cmds.shrink_to_fit();
                return Ok(pipe);
            }
            match t.tok {
                Tok::Bool(_)
                | Tok::Char { .. }
                | Tok::Dot
                | Tok::Field(_)
                | Tok::Ident(_)
                | Tok::Number(_)
                | Tok::Nil
                | Tok::Str { .. }
                | Tok::Variable(_)
                | Tok::LeftParen => {
                    let c = self.command(&end)?;
                    pipe.cmds.push(c);
                }
                Tok::Eof => return self.err("unclosed action"),
                _ => {
                    let t = self.next();
                    return self.unexpected(&t, context);
                }
            }
        }
    }

    fn check_pipeline(&self, pipe: &Pipe, context: &str) -> Result<(), ParseError> {
        if pipe.cmds.is_empty() {
            return self.err(format!("missing value for {context}"));
        }
        for (i, c) in pipe.cmds.iter().enumerate().skip(1) {
            if let Some(a) = c.args.first()
                && matches!(
                    a,
                    Arg::Bool(..) | Arg::Dot(_) | Arg::Nil(_) | Arg::Number(..) | Arg::Str { .. }
                )
            {
                return self.err(format!("non executable command in pipeline stage {}", i + 1));
            }
        }
        Ok(())
    }

    fn command(&mut self, end: &Tok) -> Result<Command, ParseError> {
        let mut cmd = Command {
            pos: self.peek_non_space().pos,
            args: Vec::new(),
        };
        loop {
            self.peek_non_space();
            let op = self.operand()?;
            if let Some(op) = op {
                cmd.args.push(op);
            }
            let t = self.next();
            match &t.tok {
                Tok::Space => continue,
                x if std::mem::discriminant(x) == std::mem::discriminant(end) => {
                    self.backup();
                }
                Tok::RightDelim | Tok::RightParen => {
                    self.backup();
                }
                Tok::Pipe => {}
                _ => return self.unexpected(&t, "operand"),
            }
            break;
        }
        if cmd.args.is_empty() {
            return self.err("empty command");
        }
        // The tree lives as long as the template set: no spare capacity.
        cmd.args.shrink_to_fit();
        Ok(cmd)
    }

    fn operand(&mut self) -> Result<Option<Arg>, ParseError> {
        let Some(node) = self.term()? else { return Ok(None) };
        if let Tok::Field(_) = self.peek().tok {
            let pos = self.peek().pos;
            let mut fields = Vec::new();
            while let Tok::Field(f) = self.peek().tok {
                fields.push(f.to_string());
                self.next();
            }
            return Ok(Some(match node {
                Arg::Field { mut idents, .. } => {
                    idents.extend(fields);
                    Arg::Field { pos, idents }
                }
                Arg::Variable { name, mut idents, .. } => {
                    idents.extend(fields);
                    Arg::Variable { pos, name, idents }
                }
                Arg::Bool(..) | Arg::Str { .. } | Arg::Number(..) | Arg::Nil(_) | Arg::Dot(_) => {
                    return self.err(format!("unexpected . after term {:?}", node.to_string()));
                }
                other => Arg::Chain {
                    pos,
                    node: Box::new(other),
                    fields,
                },
            }));
        }
        Ok(Some(node))
    }

    fn term(&mut self) -> Result<Option<Arg>, ParseError> {
        let t = self.next_non_space();
        let pos = t.pos;
        Ok(Some(match t.tok {
            Tok::Ident(name) => {
                if !(self.has_func)(name) {
                    return self.err(format!("function {name:?} not defined"));
                }
                Arg::Ident {
                    pos,
                    name: name.to_string(),
                }
            }
            Tok::Dot => Arg::Dot(pos),
            Tok::Nil => Arg::Nil(pos),
            Tok::Variable(name) => {
                if !self.vars.iter().any(|v| v == name) {
                    return self.err(format!("undefined variable {name:?}"));
                }
                Arg::Variable {
                    pos,
                    name: name.to_string(),
                    idents: Vec::new(),
                }
            }
            Tok::Field(f) => Arg::Field {
                pos,
                idents: vec![f.to_string()],
            },
            Tok::Bool(b) => Arg::Bool(pos, b),
            Tok::Char { text, value } => {
                let value = match value {
                    Ok(c) => c,
                    Err(m) => return self.err(m),
                };
                Arg::Number(
                    pos,
                    Box::new(Number {
                        text: text.to_string(),
                        int: Some(value as i64),
                        float: Some(value as u32 as f64),
                        is_char: true,
                    }),
                )
            }
            Tok::Number(text) => match parse_number(text) {
                Ok(n) => Arg::Number(pos, Box::new(n)),
                Err(e) => return self.err(e),
            },
            Tok::LeftParen => {
                let p = self.pipeline("parenthesized pipeline", pos)?;
                Arg::Pipe(Box::new(p))
            }
            Tok::Str { quoted } => Arg::Str {
                pos,
                quoted: quoted.to_string(),
                value: self.string_value(quoted)?.into_owned(),
            },
            _ => {
                self.backup();
                return Ok(None);
            }
        }))
    }
}

enum Item {
    Node(Node),
    End,
    Else,
}

/// Parse a Go number literal the way `text/template/parse` does; `Err` is Go's message.
pub fn parse_number(text: &str) -> Result<Number, String> {
    let n = parse_number_inner(text).ok_or_else(|| format!("illegal number syntax: {text:?}"))?;
    let fits_u64 = text.trim_start_matches('+').replace('_', "").parse::<u64>().is_ok();
    if n.int.is_none() && n.float.is_some() && !text.contains(['.', 'e', 'E', 'p', 'P']) && !fits_u64 {
        return Err(format!("integer overflow: {text:?}"));
    }
    Ok(n)
}

fn parse_number_inner(text: &str) -> Option<Number> {
    let (neg, body) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if body.is_empty() {
        return None;
    }
    let clean: String = body.chars().filter(|c| *c != '_').collect();
    let lower = clean.to_ascii_lowercase();
    let int = if let Some(h) = lower.strip_prefix("0x") {
        u64::from_str_radix(h, 16).ok()
    } else if let Some(o) = lower.strip_prefix("0o") {
        u64::from_str_radix(o, 8).ok()
    } else if let Some(b) = lower.strip_prefix("0b") {
        u64::from_str_radix(b, 2).ok()
    } else if lower.len() > 1 && lower.starts_with('0') && lower.bytes().all(|c| c.is_ascii_digit()) {
        u64::from_str_radix(&lower[1..], 8).ok()
    } else if lower.bytes().all(|c| c.is_ascii_digit()) {
        lower.parse::<u64>().ok()
    } else {
        None
    };
    let int = int.and_then(|u| {
        if neg {
            if u <= 1u64 << 63 {
                Some((u as i128).wrapping_neg() as i64)
            } else {
                None
            }
        } else {
            i64::try_from(u).ok()
        }
    });
    let is_hex = lower.starts_with("0x");
    let float = if is_hex || lower.starts_with("0o") || lower.starts_with("0b") {
        int.map(|i| i as f64)
    } else if lower
        .bytes()
        .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'+' | b'-'))
        && lower.bytes().any(|c| c.is_ascii_digit())
    {
        let f: Option<f64> = lower.parse().ok();
        f.map(|f| if neg { -f } else { f })
    } else {
        None
    };
    if int.is_none() && float.is_none() {
        return None;
    }
    // An integral float literal is also an integer (Go: 1e3 is usable as int).
    let int = int.or_else(|| {
        float
            .filter(|f| f.fract() == 0.0 && f.abs() < 9.2e18 && text.contains(['.', 'e', 'E']))
            .map(|f| f as i64)
    });
    Some(Number {
        text: text.to_string(),
        int,
        float,
        is_char: false,
    })
}
