//! Syntax tree of a parsed template, and its Go-compatible rendering back to text
//! (used in error messages: `executing "x" at <.Values.a>`).

use std::fmt;

/// A sequence of nodes.
pub type List = Vec<Node>;

/// One node of a template body.
#[derive(Debug, Clone)]
pub enum Node {
    /// Literal text.
    Text(String),
    /// `{{pipeline}}`: evaluate and print.
    Action(Pipe),
    /// `{{if}}` (branches are boxed: nodes are stored in vectors, sized by the largest).
    If(Box<Branch>),
    /// `{{range}}`
    Range(Box<Branch>),
    /// `{{with}}`
    With(Box<Branch>),
    /// `{{template "name" pipeline}}`
    Template {
        /// Byte offset.
        pos: usize,
        /// Template invoked.
        name: String,
        /// Optional argument pipeline.
        pipe: Option<Pipe>,
    },
    /// `{{break}}`
    Break,
    /// `{{continue}}`
    Continue,
}

/// The shared shape of if / range / with.
#[derive(Debug, Clone)]
pub struct Branch {
    /// The condition or collection.
    pub pipe: Pipe,
    /// Body.
    pub list: List,
    /// `{{else}}` body, if any.
    pub else_list: Option<List>,
}

/// A pipeline with optional variable declarations.
#[derive(Debug, Clone)]
pub struct Pipe {
    /// Byte offset.
    pub pos: usize,
    /// `=` rather than `:=`.
    pub is_assign: bool,
    /// Declared or assigned variables (names including `$`).
    pub decl: Vec<String>,
    /// Commands separated by `|`.
    pub cmds: Vec<Command>,
}

/// One stage of a pipeline: an operand or a function call with arguments.
#[derive(Debug, Clone)]
pub struct Command {
    /// Byte offset.
    pub pos: usize,
    /// Function (or operand) followed by arguments.
    pub args: Vec<Arg>,
}

/// A number literal with all the interpretations Go keeps.
#[derive(Debug, Clone)]
pub struct Number {
    /// Original text.
    pub text: String,
    /// Integer value, if the literal is an integer.
    pub int: Option<i64>,
    /// Float value, if representable.
    pub float: Option<f64>,
    /// Whether the literal is a character constant.
    pub is_char: bool,
}

/// An operand.
#[derive(Debug, Clone)]
pub enum Arg {
    /// `.a.b`
    Field {
        /// Byte offset.
        pos: usize,
        /// Field names.
        idents: Vec<String>,
    },
    /// `$x.a.b`
    Variable {
        /// Byte offset.
        pos: usize,
        /// Variable name including `$`.
        name: String,
        /// Field chain.
        idents: Vec<String>,
    },
    /// A function name.
    Ident {
        /// Byte offset.
        pos: usize,
        /// Function name.
        name: String,
    },
    /// `.`
    Dot(usize),
    /// `nil`
    Nil(usize),
    /// `true` / `false`
    Bool(usize, bool),
    /// Number or character constant (boxed: rare, and the largest operand).
    Number(usize, Box<Number>),
    /// String literal.
    Str {
        /// Byte offset.
        pos: usize,
        /// Original quoted text.
        quoted: String,
        /// Decoded value.
        value: String,
    },
    /// Parenthesised pipeline.
    Pipe(Box<Pipe>),
    /// `(pipeline).a.b` or `$x.a` after a non-field operand.
    Chain {
        /// Byte offset.
        pos: usize,
        /// The operand the fields apply to.
        node: Box<Arg>,
        /// Field names.
        fields: Vec<String>,
    },
}

impl Arg {
    /// Byte offset of the operand.
    pub fn pos(&self) -> usize {
        match self {
            Arg::Field { pos, .. }
            | Arg::Variable { pos, .. }
            | Arg::Ident { pos, .. }
            | Arg::Dot(pos)
            | Arg::Nil(pos)
            | Arg::Bool(pos, _)
            | Arg::Number(pos, _)
            | Arg::Str { pos, .. }
            | Arg::Chain { pos, .. } => *pos,
            Arg::Pipe(p) => p.pos,
        }
    }
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Field { idents, .. } => {
                for i in idents {
                    write!(f, ".{i}")?;
                }
                Ok(())
            }
            Arg::Variable { name, idents, .. } => {
                write!(f, "{name}")?;
                for i in idents {
                    write!(f, ".{i}")?;
                }
                Ok(())
            }
            Arg::Ident { name, .. } => write!(f, "{name}"),
            Arg::Dot(_) => write!(f, "."),
            Arg::Nil(_) => write!(f, "nil"),
            Arg::Bool(_, b) => write!(f, "{b}"),
            Arg::Number(_, n) => write!(f, "{}", n.text),
            Arg::Str { quoted, .. } => write!(f, "{quoted}"),
            Arg::Pipe(p) => write!(f, "({p})"),
            Arg::Chain { node, fields, .. } => {
                write!(f, "{node}")?;
                for i in fields {
                    write!(f, ".{i}")?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                write!(f, " ")?;
            }
            write!(f, "{a}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Pipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.decl.is_empty() {
            write!(f, "{}", self.decl.join(", "))?;
            write!(f, "{}", if self.is_assign { " = " } else { " := " })?;
        }
        for (i, c) in self.cmds.iter().enumerate() {
            if i > 0 {
                write!(f, " | ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

/// A pipeline, command or operand of a tree, found by [`find_node`].
#[derive(Clone, Copy)]
pub(crate) enum NodeRef<'a> {
    /// A pipeline.
    Pipe(&'a Pipe),
    /// A command of a pipeline.
    Command(&'a Command),
    /// An operand.
    Arg(&'a Arg),
}

impl fmt::Display for NodeRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeRef::Pipe(p) => p.fmt(f),
            NodeRef::Command(c) => c.fmt(f),
            NodeRef::Arg(a) => a.fmt(f),
        }
    }
}

/// The first pipeline, command or operand of `list` (in source order, outer before inner)
/// that `want` accepts.
pub(crate) fn find_node<'a>(list: &'a [Node], want: &dyn Fn(NodeRef<'_>) -> bool) -> Option<NodeRef<'a>> {
    fn in_pipe<'a>(p: &'a Pipe, want: &dyn Fn(NodeRef<'_>) -> bool) -> Option<NodeRef<'a>> {
        if want(NodeRef::Pipe(p)) {
            return Some(NodeRef::Pipe(p));
        }
        for c in &p.cmds {
            if want(NodeRef::Command(c)) {
                return Some(NodeRef::Command(c));
            }
            for a in &c.args {
                if let Some(found) = in_arg(a, want) {
                    return Some(found);
                }
            }
        }
        None
    }
    fn in_arg<'a>(a: &'a Arg, want: &dyn Fn(NodeRef<'_>) -> bool) -> Option<NodeRef<'a>> {
        if want(NodeRef::Arg(a)) {
            return Some(NodeRef::Arg(a));
        }
        match a {
            Arg::Pipe(p) => in_pipe(p, want),
            Arg::Chain { node, .. } => in_arg(node, want),
            _ => None,
        }
    }
    for n in list {
        let found = match n {
            Node::Action(p) => in_pipe(p, want),
            Node::If(b) | Node::Range(b) | Node::With(b) => in_pipe(&b.pipe, want)
                .or_else(|| find_node(&b.list, want))
                .or_else(|| b.else_list.as_deref().and_then(|l| find_node(l, want))),
            Node::Template { pipe: Some(p), .. } => in_pipe(p, want),
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    None
}
