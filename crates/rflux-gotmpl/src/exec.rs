//! The executor: walks a parsed tree with Go `text/template` semantics (dot, variables,
//! field chains on maps, missing keys, truth, range/with/if, `{{template}}`, function calls
//! with Go's argument checks) and produces Go-shaped error messages.

use std::collections::HashMap;
use std::sync::Arc;

use crate::ast::{Arg, Branch, Command, Node, Number, Pipe};
use crate::func::{CallContext, Ty};
use crate::gofmt;
use crate::parse::Tree;
use crate::template::Template;
use crate::value::Value;

/// Maximum nesting of `{{template}}` calls (Go allows 100000; we stop earlier to stay
/// within the stack).
pub const MAX_TEMPLATE_DEPTH: usize = 3000;
/// Nesting depth after which execution continues on a large-stack thread.
const STACK_HOP_DEPTH: usize = 12;
/// Stack size of that thread.
const BIG_STACK: usize = 512 << 20;

/// Helm's limit on nested `include` of the same name.
pub const MAX_INCLUDE_DEPTH: usize = 1000;

pub(crate) enum Flow {
    Normal,
    Break,
    Continue,
}

/// A value with whether it is still wrapped in an `interface{}` (came out of a map or
/// list), which changes Go's error messages.
#[derive(Clone)]
struct Dot {
    v: Value,
    boxed: bool,
}

pub(crate) struct Exec<'a> {
    pub(crate) set: &'a Template,
    /// Templates added by `tpl` (innermost last).
    pub(crate) overlays: Vec<HashMap<String, Arc<Tree>>>,
    tree: Arc<Tree>,
    vars: Vec<(String, Value)>,
    depth: usize,
    pub(crate) includes: HashMap<String, usize>,
    /// Nesting of template executions (include, template, tpl).
    nest: usize,
    /// Whether execution already moved to a large-stack thread.
    big_stack: bool,
    /// The node being evaluated, for error context.
    at: Option<At>,
    /// The non-UTF-8 strings functions made in this execution (`b64dec`, `substr`, …),
    /// by identity → their Go bytes.
    binary: crate::func::BinaryStrings,
}

/// The node being evaluated, for error context. Only its position and kind are kept; the
/// node is found again in the tree and printed when an error is reported, because
/// printing every node as it is evaluated cost more than the evaluation itself.
#[derive(Clone)]
enum At {
    /// A pipeline at this position.
    Pipe(usize),
    /// A command at this position whose first operand has this variant (or a function
    /// called as an operand, whose one-word command exists only during evaluation).
    Command(usize, Option<std::mem::Discriminant<Arg>>),
    /// An operand at this position, with its variant.
    Arg(usize, std::mem::Discriminant<Arg>),
    /// A function name at this position.
    Ident(usize),
    /// Context already printed.
    Text(usize, String),
}

impl At {
    fn pos(&self) -> usize {
        match self {
            At::Pipe(p) | At::Command(p, _) | At::Arg(p, _) | At::Ident(p) | At::Text(p, _) => *p,
        }
    }
}

type R<T> = Result<T, String>;

impl<'a> Exec<'a> {
    pub(crate) fn new(set: &'a Template, tree: Arc<Tree>) -> Self {
        Exec {
            set,
            overlays: Vec::new(),
            tree,
            vars: Vec::new(),
            depth: 0,
            includes: HashMap::new(),
            nest: 0,
            big_stack: false,
            at: None,
            binary: Default::default(),
        }
    }

    pub(crate) fn find_tree(&self, name: &str) -> Option<Arc<Tree>> {
        for o in self.overlays.iter().rev() {
            if let Some(t) = o.get(name) {
                return Some(t.clone());
            }
        }
        self.set.trees.get(name).cloned()
    }

    fn at_pipe(&mut self, p: &Pipe) {
        self.at = Some(At::Pipe(p.pos));
    }

    fn at_cmd(&mut self, cmd: &Command) {
        self.at = Some(At::Command(cmd.pos, cmd.args.first().map(std::mem::discriminant)));
    }

    fn at_arg(&mut self, a: &Arg) {
        self.at = Some(At::Arg(a.pos(), std::mem::discriminant(a)));
    }

    fn at_ident(&mut self, pos: usize) {
        self.at = Some(At::Ident(pos));
    }

    /// The printed node `at` refers to, as Go's `ErrorContext` prints it.
    fn context_text(&self, at: &At) -> String {
        use crate::ast::{NodeRef, find_node};
        let root = &self.tree.root;
        let found = match at {
            At::Text(_, t) => return t.clone(),
            At::Pipe(pos) => find_node(root, &|n| matches!(n, NodeRef::Pipe(p) if p.pos == *pos)),
            At::Command(pos, first) => find_node(
                root,
                &|n| matches!(n, NodeRef::Command(c) if c.pos == *pos && c.args.first().map(std::mem::discriminant) == *first),
            )
            .or_else(|| {
                find_node(
                    root,
                    &|n| matches!(n, NodeRef::Arg(a @ Arg::Ident { .. }) if a.pos() == *pos),
                )
            }),
            At::Arg(pos, kind) => find_node(
                root,
                &|n| matches!(n, NodeRef::Arg(a) if a.pos() == *pos && std::mem::discriminant(a) == *kind),
            ),
            At::Ident(pos) => find_node(
                root,
                &|n| matches!(n, NodeRef::Arg(a @ Arg::Ident { .. }) if a.pos() == *pos),
            ),
        };
        found.map(|n| n.to_string()).unwrap_or_default()
    }

    /// Go's `state.errorf`: prefix the message with location and context.
    fn err<T>(&self, msg: impl std::fmt::Display) -> R<T> {
        Err(self.format_err(&msg.to_string()))
    }

    fn format_err(&self, msg: &str) -> String {
        match &self.at {
            None => format!("template: {}: {}", self.tree.name, msg),
            Some(at) => {
                format!(
                    "template: {}: executing {} at <{}>: {}",
                    self.tree.location(at.pos()),
                    gofmt::go_quote(&self.tree.name),
                    self.context_text(at),
                    msg
                )
            }
        }
    }

    /// Execute `tree` with `data` as dot and `$`, appending to `out`.
    pub(crate) fn run(&mut self, tree: Arc<Tree>, data: &Value, out: &mut String) -> R<()> {
        // Deep `include`/`template` recursion (Helm allows 1000 nested includes) needs more
        // stack than the caller's thread may have: past a few levels, continue on a scoped
        // thread with a large stack.
        if !self.big_stack && self.nest >= STACK_HOP_DEPTH {
            self.big_stack = true;
            let r = std::thread::scope(|s| {
                let spawned = std::thread::Builder::new()
                    .stack_size(BIG_STACK)
                    .spawn_scoped(s, || self.run_here(tree, data, out));
                match spawned {
                    Ok(h) => h
                        .join()
                        .unwrap_or_else(|_| Err("template: execution panicked".to_string())),
                    Err(e) => Err(format!("template: cannot start execution thread: {e}")),
                }
            });
            self.big_stack = false;
            return r;
        }
        self.run_here(tree, data, out)
    }

    fn run_here(&mut self, tree: Arc<Tree>, data: &Value, out: &mut String) -> R<()> {
        self.nest += 1;
        let r = self.run_tree(tree, data, out);
        self.nest -= 1;
        r
    }

    fn run_tree(&mut self, tree: Arc<Tree>, data: &Value, out: &mut String) -> R<()> {
        let saved_tree = std::mem::replace(&mut self.tree, tree);
        let saved_vars = std::mem::replace(&mut self.vars, vec![("$".to_string(), data.clone())]);
        let saved_at = self.at.take();
        let root = self.tree.clone();
        let dot = Dot {
            v: data.clone(),
            boxed: false,
        };
        let r = self.walk_list(&dot, &root.root, out);
        self.tree = saved_tree;
        self.vars = saved_vars;
        self.at = saved_at;
        r.map(|_| ())
    }

    fn walk_list(&mut self, dot: &Dot, list: &[Node], out: &mut String) -> R<Flow> {
        for n in list {
            match self.walk(dot, n, out)? {
                Flow::Normal => {}
                f => return Ok(f),
            }
        }
        Ok(Flow::Normal)
    }

    fn walk(&mut self, dot: &Dot, node: &Node, out: &mut String) -> R<Flow> {
        match node {
            Node::Text(t) => out.push_str(t),
            Node::Action(pipe) => {
                let v = self.eval_pipe(dot, pipe)?;
                if pipe.decl.is_empty() {
                    self.print_value(&v, out);
                }
            }
            Node::If(b) => return self.walk_if_with(dot, b, out, false),
            Node::With(b) => return self.walk_if_with(dot, b, out, true),
            Node::Range(b) => return self.walk_range(dot, b, out),
            Node::Break => return Ok(Flow::Break),
            Node::Continue => return Ok(Flow::Continue),
            Node::Template { pos, name, pipe } => {
                self.at = Some(At::Text(
                    *pos,
                    format!("{{{{template {}}}}}", template_ctx(name, pipe.as_ref())),
                ));
                let Some(tree) = self.find_tree(name) else {
                    return self.err(format!("template {} not defined", gofmt::go_quote(name)));
                };
                let data = match pipe {
                    Some(p) => self.eval_pipe(dot, p)?,
                    None => Value::Nil,
                };
                if self.depth >= MAX_TEMPLATE_DEPTH {
                    return self.err(format!("exceeded maximum template depth ({MAX_TEMPLATE_DEPTH})"));
                }
                self.depth += 1;
                let r = self.run(tree, &data, out);
                self.depth -= 1;
                r?;
            }
        }
        Ok(Flow::Normal)
    }

    fn print_value(&self, v: &Value, out: &mut String) {
        match v {
            Value::Nil => out.push_str("<no value>"),
            Value::Str(s) => out.push_str(s),
            Value::Object(o) if let Some(text) = o.display() => out.push_str(&text),
            other => out.push_str(&gofmt::sprint_value(other)),
        }
    }

    fn walk_if_with(&mut self, dot: &Dot, b: &Branch, out: &mut String, is_with: bool) -> R<Flow> {
        let mark = self.vars.len();
        let v = self.eval_pipe(dot, &b.pipe)?;
        let r = if v.truthy() {
            if is_with {
                let d = Dot { v, boxed: false };
                self.walk_list(&d, &b.list, out)
            } else {
                self.walk_list(dot, &b.list, out)
            }
        } else if let Some(el) = &b.else_list {
            self.walk_list(dot, el, out)
        } else {
            Ok(Flow::Normal)
        };
        self.vars.truncate(mark);
        r
    }

    fn range_iter(&mut self, dot: &Dot, b: &Branch, key: Value, elem: Value, out: &mut String) -> R<Flow> {
        let mark = self.vars.len();
        match b.pipe.decl.len() {
            0 => {}
            1 => self.set_decl(&b.pipe, 0, elem.clone())?,
            _ => {
                self.set_decl(&b.pipe, 0, key)?;
                self.set_decl(&b.pipe, 1, elem.clone())?;
            }
        }
        let _ = dot;
        let d = Dot { v: elem, boxed: true };
        let r = self.walk_list(&d, &b.list, out);
        self.vars.truncate(mark);
        r
    }

    fn set_decl(&mut self, pipe: &Pipe, i: usize, v: Value) -> R<()> {
        let name = &pipe.decl[i];
        if pipe.is_assign {
            match self.vars.iter_mut().rev().find(|(n, _)| n == name) {
                Some(slot) => slot.1 = v,
                None => return self.err(format!("undefined variable: {name}")),
            }
        } else {
            self.vars.push((name.clone(), v));
        }
        Ok(())
    }

    fn walk_range(&mut self, dot: &Dot, b: &Branch, out: &mut String) -> R<Flow> {
        let mark = self.vars.len();
        // Evaluate the collection without declaring the loop variables.
        let mut pipe = b.pipe.clone();
        pipe.decl.clear();
        let v = self.eval_pipe(dot, &pipe)?.collection().into_owned();
        let mut any = false;
        let r: R<()> = (|| {
            match &v {
                Value::List(l) | Value::TypedList(l, _) => {
                    for (i, e) in l.iter().enumerate() {
                        any = true;
                        match self.range_iter(dot, b, Value::Int(i as i64), e.clone(), out)? {
                            Flow::Break => break,
                            _ => continue,
                        }
                    }
                }
                Value::Map(m) => {
                    for (k, e) in m.entries() {
                        any = true;
                        match self.range_iter(dot, b, Value::str(k.as_str()), e, out)? {
                            Flow::Break => break,
                            _ => continue,
                        }
                    }
                }
                Value::Int(n) | Value::Int64(n) => {
                    if b.pipe.decl.len() > 1 {
                        return self.err(format!("can't use {} to iterate over more than one variable", n));
                    }
                    for i in 0..*n {
                        any = true;
                        let iv = if matches!(v, Value::Int(_)) {
                            Value::Int(i)
                        } else {
                            Value::Int64(i)
                        };
                        match self.range_iter(dot, b, iv.clone(), iv, out)? {
                            Flow::Break => break,
                            _ => continue,
                        }
                    }
                }
                Value::Nil => {}
                other => {
                    return self.err(format!("range can't iterate over {}", gofmt::sprint_value(other)));
                }
            }
            Ok(())
        })();
        r?;
        let flow = if !any && let Some(el) = &b.else_list {
            self.walk_list(dot, el, out)?
        } else {
            Flow::Normal
        };
        self.vars.truncate(mark);
        // Go recovers `break` for the whole range statement, so a break in the else list
        // only ends that list; `continue` reaches an enclosing range.
        Ok(match flow {
            Flow::Break => Flow::Normal,
            f => f,
        })
    }

    fn eval_pipe(&mut self, dot: &Dot, pipe: &Pipe) -> R<Value> {
        self.at_pipe(pipe);
        let mut val: Option<Dot> = None;
        for cmd in &pipe.cmds {
            let v = self.eval_command(dot, cmd, val.take())?;
            // Go digs the interface out after each command: a nil becomes invalid.
            val = Some(Dot { v: v.v, boxed: false });
        }
        let v = val.map(|d| d.v).unwrap_or_default();
        for (i, _) in pipe.decl.iter().enumerate() {
            self.set_decl(pipe, i, v.clone())?;
        }
        Ok(v)
    }

    fn eval_command(&mut self, dot: &Dot, cmd: &Command, final_: Option<Dot>) -> R<Dot> {
        let Some(first) = cmd.args.first() else {
            return self.err("empty command");
        };
        match first {
            Arg::Field { idents, .. } => {
                self.at_arg(first);
                self.eval_field_chain(dot, dot.clone(), idents, &cmd.args, final_)
            }
            Arg::Chain { node, fields, .. } => {
                self.at_arg(first);
                if cmd.args.len() > 1 || final_.is_some() {
                    // Fields with arguments are an error once we reach the map.
                }
                let recv = self.eval_arg_value(dot, node)?;
                self.eval_field_chain(dot, recv, fields, &cmd.args, final_)
            }
            Arg::Ident { pos, name } => self.eval_function(dot, *pos, name, cmd, final_),
            Arg::Pipe(p) => {
                self.not_a_function(cmd, &final_, first)?;
                Ok(Dot {
                    v: self.eval_pipe(dot, p)?,
                    boxed: false,
                })
            }
            Arg::Variable { name, idents, .. } => {
                self.at_arg(first);
                let v = self.var(name)?;
                if idents.is_empty() {
                    self.not_a_function(cmd, &final_, first)?;
                    return Ok(Dot { v, boxed: false });
                }
                self.eval_field_chain(dot, Dot { v, boxed: false }, idents, &cmd.args, final_)
            }
            _ => {
                self.at_arg(first);
                self.not_a_function(cmd, &final_, first)?;
                Ok(Dot {
                    v: self.literal(dot, first)?,
                    boxed: false,
                })
            }
        }
    }

    fn not_a_function(&self, cmd: &Command, final_: &Option<Dot>, first: &Arg) -> R<()> {
        if cmd.args.len() > 1 || final_.is_some() {
            let what = match first {
                Arg::Pipe(p) => p.to_string(),
                other => other.to_string(),
            };
            return self.err(format!("can't give argument to non-function {what}"));
        }
        Ok(())
    }

    fn literal(&mut self, dot: &Dot, a: &Arg) -> R<Value> {
        Ok(match a {
            Arg::Bool(_, b) => Value::Bool(*b),
            Arg::Dot(_) => dot.v.clone(),
            Arg::Nil(_) => return self.err("nil is not a command"),
            Arg::Number(_, n) => self.ideal_constant(n)?,
            Arg::Str { value, .. } => Value::str(value.as_str()),
            _ => Value::Nil,
        })
    }

    fn ideal_constant(&self, n: &Number) -> R<Value> {
        let t = &n.text;
        let is_hex = t.trim_start_matches(['+', '-']).to_ascii_lowercase().starts_with("0x");
        if n.float.is_some() && !is_hex && !n.is_char && t.contains(['.', 'e', 'E', 'p', 'P']) {
            return Ok(Value::Float(n.float.unwrap_or(0.0)));
        }
        if let Some(i) = n.int {
            return Ok(Value::Int(i));
        }
        if n.float.is_some() && !t.contains(['.', 'e', 'E']) {
            return self.err(format!("{t} overflows int"));
        }
        match n.float {
            Some(f) => Ok(Value::Float(f)),
            None => self.err(format!("{t} overflows int")),
        }
    }

    fn var(&self, name: &str) -> R<Value> {
        match self.vars.iter().rev().find(|(n, _)| n == name) {
            Some((_, v)) => Ok(v.clone()),
            None => self.err(format!("undefined variable: {name}")),
        }
    }

    fn eval_field_chain(
        &mut self,
        dot: &Dot,
        recv: Dot,
        idents: &[String],
        args: &[Arg],
        final_: Option<Dot>,
    ) -> R<Dot> {
        let mut cur = recv;
        let n = idents.len();
        let mut final_ = final_;
        for (i, name) in idents.iter().enumerate() {
            let last = i + 1 == n;
            if let Value::Object(o) = &cur.v
                && let Some(sig) = o.method_sig(name)
            {
                let o = o.clone();
                let (margs, mfinal) = if last {
                    (args.get(1..).unwrap_or(&[]), final_.take())
                } else {
                    (&[][..], None)
                };
                cur = self.call_method(dot, &o, name, sig, margs, mfinal)?;
                continue;
            }
            let has_args = last && (args.len() > 1 || final_.is_some());
            cur = self.eval_field(&cur, name, has_args)?;
        }
        Ok(cur)
    }

    fn call_method(
        &mut self,
        dot: &Dot,
        o: &Arc<dyn crate::value::Object>,
        name: &str,
        sig: (Vec<Ty>, Option<Ty>),
        args: &[Arg],
        final_: Option<Dot>,
    ) -> R<Dot> {
        let saved_at = self.at.clone();
        let (params, variadic) = sig;
        let total = args.len() + usize::from(final_.is_some());
        if (variadic.is_some() && total < params.len()) || (variadic.is_none() && total != params.len()) {
            let want = if variadic.is_some() {
                format!("at least {}", params.len())
            } else {
                params.len().to_string()
            };
            return self.err(format!("wrong number of args for {name}: want {want} got {total}"));
        }
        let ty_of = |i: usize| {
            if i < params.len() {
                params[i]
            } else {
                variadic.unwrap_or(Ty::Any)
            }
        };
        let mut argv = Vec::with_capacity(total);
        for (i, a) in args.iter().enumerate() {
            argv.push(self.eval_arg(dot, ty_of(i), a)?);
        }
        if let Some(f) = final_ {
            self.at = saved_at.clone();
            argv.push(self.validate(Dot { v: f.v, boxed: false }, ty_of(args.len()))?);
        }
        // After a successful call Go's current node stays at the last argument.
        let after_args = std::mem::replace(&mut self.at, saved_at);
        match o.call(name, argv) {
            Ok(v) => {
                self.at = after_args;
                Ok(Dot { v, boxed: false })
            }
            Err(e) => self.err(format!("error calling {name}: {e}")),
        }
    }

    fn eval_field(&mut self, recv: &Dot, name: &str, has_args: bool) -> R<Dot> {
        match &recv.v {
            Value::Object(o) => match o.field(name) {
                Some(_) if has_args && o.kind_name() == "map" => {
                    self.err(format!("{name} is not a method but has arguments"))
                }
                Some(_) if has_args => self.err(format!("{name} has arguments but cannot be invoked as function")),
                Some(v) => Ok(Dot { v, boxed: false }),
                // Go names the receiver's static type: `interface {}` when it came out of a map.
                None if recv.boxed => self.err(format!("can't evaluate field {name} in type interface {{}}")),
                None => self.err(format!("can't evaluate field {name} in type {}", o.type_name())),
            },
            Value::Map(m) => {
                if has_args {
                    return self.err(format!("{name} is not a method but has arguments"));
                }
                match m.get(name) {
                    Some(v) => Ok(Dot { v, boxed: true }),
                    None => {
                        if self.set.missing_key_error {
                            return self.err(format!("map has no entry for key {}", gofmt::go_quote(name)));
                        }
                        Ok(Dot {
                            v: Value::Nil,
                            boxed: true,
                        })
                    }
                }
            }
            Value::Nil => {
                if recv.boxed {
                    self.err(format!("nil pointer evaluating interface {{}}.{name}"))
                } else {
                    if self.set.missing_key_error {
                        return self.err(format!("nil data; no entry for key {}", gofmt::go_quote(name)));
                    }
                    Ok(Dot {
                        v: Value::Nil,
                        boxed: false,
                    })
                }
            }
            other => {
                let ty = if recv.boxed { "interface {}" } else { other.type_name() };
                self.err(format!("can't evaluate field {name} in type {ty}"))
            }
        }
    }

    /// Evaluate an operand used as an argument (or chain receiver).
    fn eval_arg_value(&mut self, dot: &Dot, a: &Arg) -> R<Dot> {
        match a {
            Arg::Field { idents, .. } => {
                self.at_arg(a);
                self.eval_field_chain(dot, dot.clone(), idents, &[], None)
            }
            Arg::Variable { name, idents, .. } => {
                self.at_arg(a);
                let v = self.var(name)?;
                if idents.is_empty() {
                    return Ok(Dot { v, boxed: false });
                }
                self.eval_field_chain(dot, Dot { v, boxed: false }, idents, &[], None)
            }
            Arg::Chain { node, fields, .. } => {
                self.at_arg(a);
                // Go's evalChainNode does not return to the chain after its receiver: an
                // error in the fields is reported at the receiver's last node.
                let recv = self.eval_arg_value(dot, node)?;
                self.eval_field_chain(dot, recv, fields, &[], None)
            }
            Arg::Pipe(p) => Ok(Dot {
                v: self.eval_pipe(dot, p)?,
                boxed: false,
            }),
            Arg::Ident { pos, name } => {
                let cmd = Command {
                    pos: *pos,
                    args: vec![a.clone()],
                };
                self.eval_function(dot, *pos, name, &cmd, None)
            }
            Arg::Dot(_) => Ok(dot.clone()),
            Arg::Nil(_) => Ok(Dot {
                v: Value::Nil,
                boxed: false,
            }),
            _ => Ok(Dot {
                v: self.literal(dot, a)?,
                boxed: false,
            }),
        }
    }

    /// Evaluate an argument for a parameter of type `ty`, with Go's checks.
    fn eval_arg(&mut self, dot: &Dot, ty: Ty, a: &Arg) -> R<Value> {
        self.at_arg(a);
        match a {
            Arg::Nil(_) => {
                if matches!(ty, Ty::Any | Ty::List | Ty::Map) {
                    return Ok(Value::Nil);
                }
                return self.err(format!("cannot assign nil to {}", ty.go_name()));
            }
            Arg::Field { .. }
            | Arg::Variable { .. }
            | Arg::Pipe(_)
            | Arg::Ident { .. }
            | Arg::Chain { .. }
            | Arg::Dot(_) => {
                // Errors point at the last node visited while evaluating the argument.
                let d = self.eval_arg_value(dot, a)?;
                return self.validate(d, ty);
            }
            _ => {}
        }
        match (ty, a) {
            (Ty::Any, _) => self.literal(dot, a),
            (Ty::Bool, Arg::Bool(_, b)) => Ok(Value::Bool(*b)),
            (Ty::Bool, _) => self.err(format!("expected bool; found {a}")),
            (Ty::Str, Arg::Str { value, .. }) => Ok(Value::str(value.as_str())),
            (Ty::Str, _) => self.err(format!("expected string; found {a}")),
            (Ty::Int | Ty::Int64, Arg::Number(_, n))
                if n.int.is_some()
                    && (n.is_char
                        || !n.text.contains(['.', 'e', 'E'])
                        || n.float.is_some_and(|f| f.fract() == 0.0)) =>
            {
                let i = n.int.unwrap_or(0);
                Ok(if ty == Ty::Int { Value::Int(i) } else { Value::Int64(i) })
            }
            (Ty::Int | Ty::Int64, _) => self.err(format!("expected integer; found {a}")),
            (Ty::Float, Arg::Number(_, n)) if n.float.is_some() => Ok(Value::Float(n.float.unwrap_or(0.0))),
            (Ty::Float, _) => self.err(format!("expected float; found {a}")),
            (Ty::List | Ty::Map, _) => self.err(format!("can't handle {a} for arg of type {}", ty.go_name())),
        }
    }

    fn validate(&self, d: Dot, ty: Ty) -> R<Value> {
        if d.v.is_nil() && d.boxed && ty != Ty::Any {
            return self.err(format!(
                "wrong type for value; expected {}; got interface {{}}",
                ty.go_name()
            ));
        }
        if ty.accepts(&d.v) {
            return Ok(d.v);
        }
        if d.v.is_nil() {
            if d.boxed {
                return self.err(format!(
                    "wrong type for value; expected {}; got interface {{}}",
                    ty.go_name()
                ));
            }
            return self.err(format!("invalid value; expected {}", ty.go_name()));
        }
        self.err(format!(
            "wrong type for value; expected {}; got {}",
            ty.go_name(),
            d.v.type_name()
        ))
    }

    fn eval_function(&mut self, dot: &Dot, pos: usize, name: &str, cmd: &Command, final_: Option<Dot>) -> R<Dot> {
        // Go points at the identifier, then at each argument as it is evaluated; a bad
        // piped value is reported at the last node visited.
        self.at_ident(pos);
        let args = &cmd.args[1..];
        // and / or short-circuit (Go 1.18+).
        if name == "and" || name == "or" {
            let total = args.len() + usize::from(final_.is_some());
            if total < 1 {
                return self.err(format!("wrong number of args for {name}: want at least 1 got 0"));
            }
            let mut last = Value::Nil;
            for a in args {
                let v = self.eval_arg(dot, Ty::Any, a)?;
                let t = v.truthy();
                if (name == "and" && !t) || (name == "or" && t) {
                    return Ok(Dot { v, boxed: false });
                }
                last = v;
            }
            if let Some(f) = final_ {
                last = f.v;
            }
            return Ok(Dot { v: last, boxed: false });
        }
        if name == "call" {
            let what = match (args.first(), &final_) {
                (Some(a), _) => (a.to_string(), self.eval_arg(dot, Ty::Any, a)?),
                (None, Some(f)) => (gofmt::sprint_value(&f.v), f.v.clone()),
                (None, None) => return self.err("wrong number of args for call: want at least 1 got 0"),
            };
            self.at_cmd(cmd);
            return self.err(format!(
                "error calling call: non-function {} of type {}",
                what.0,
                what.1.type_name()
            ));
        }
        if name == "len" && args.len() + usize::from(final_.is_some()) == 1 {
            // Go's len on an invalid value (a piped nil or a literal nil) fails inside reflect.
            let d = match (args.first(), &final_) {
                (Some(a), _) => {
                    let d = self.eval_arg_value(dot, a)?;
                    self.at_ident(pos);
                    d
                }
                (None, Some(f)) => f.clone(),
                (None, None) => Dot {
                    v: Value::Nil,
                    boxed: true,
                },
            };
            if d.v.is_nil() && !d.boxed {
                self.at_cmd(cmd);
                return self.err("error calling len: reflect: call of reflect.Value.Type on zero Value");
            }
            if let Some(f) = self.set.funcs.get("len").map(|f| f.f.clone()) {
                let after_args = self.at.clone();
                return match f(self, vec![d.v]) {
                    Ok(v) => {
                        self.at = after_args;
                        Ok(Dot { v, boxed: false })
                    }
                    Err(e) => {
                        self.at_cmd(cmd);
                        self.err(format!("error calling len: {e}"))
                    }
                };
            }
        }
        let Some(func) = self.set.funcs.get(name).cloned() else {
            return self.err(format!("{} is not a defined function", gofmt::go_quote(name)));
        };
        let nfixed = func.params.len();
        let total = args.len() + usize::from(final_.is_some());
        if func.variadic.is_some() {
            if total < nfixed {
                self.at_ident(pos);
                return self.err(format!(
                    "wrong number of args for {name}: want at least {nfixed} got {total}"
                ));
            }
        } else if total != nfixed {
            self.at_ident(pos);
            return self.err(format!("wrong number of args for {name}: want {nfixed} got {total}"));
        }
        let ty_of = |i: usize| -> Ty {
            if i < nfixed {
                func.params[i]
            } else {
                func.variadic.unwrap_or(Ty::Any)
            }
        };
        let mut argv = Vec::with_capacity(total);
        for (i, a) in args.iter().enumerate() {
            argv.push(self.eval_arg(dot, ty_of(i), a)?);
        }
        if let Some(f) = final_ {
            let ty = ty_of(args.len());
            // The piped value is not boxed once it left the previous command.
            argv.push(self.validate(Dot { v: f.v, boxed: false }, ty)?);
        }
        // After a successful call Go's current node stays at the last argument.
        let after_args = self.at.clone();
        let f = func.f.clone();
        let r = f(self, argv);
        match r {
            Ok(v) => {
                self.at = after_args;
                Ok(Dot { v, boxed: false })
            }
            Err(e) => {
                self.at_cmd(cmd);
                self.err(format!("error calling {name}: {e}"))
            }
        }
    }
}

fn template_ctx(name: &str, pipe: Option<&Pipe>) -> String {
    match pipe {
        Some(p) => format!("{} {}", gofmt::go_quote(name), p),
        None => gofmt::go_quote(name),
    }
}

impl CallContext for Exec<'_> {
    fn include(&mut self, name: &str, data: &Value) -> Result<String, String> {
        let count = self.includes.get(name).copied().unwrap_or(0);
        if count > MAX_INCLUDE_DEPTH {
            return Err(format!(
                "rendering template has a nested reference name: {name}: unable to execute template"
            ));
        }
        self.includes.insert(name.to_string(), count + 1);
        let r = match self.find_tree(name) {
            None => Err(format!(
                "template: no template {} associated with template {}",
                gofmt::go_quote(name),
                gofmt::go_quote(&self.set.name)
            )),
            Some(tree) => {
                let mut out = String::new();
                self.run(tree, data, &mut out).map(|_| out)
            }
        };
        if let Some(c) = self.includes.get_mut(name) {
            *c = c.saturating_sub(1);
        }
        r
    }

    fn tpl(&mut self, text: &str, data: &Value) -> Result<String, String> {
        let name = self.set.name.clone();
        let trees = crate::parse::parse(&name, text, &|f| {
            self.set.funcs.contains_key(f) || f == "and" || f == "or"
        })
        .map_err(|e| format!("cannot parse template {}: {}", gofmt::go_quote(text), e.msg))?;
        let mut overlay = HashMap::new();
        let mut main = None;
        for (i, t) in trees.into_iter().enumerate() {
            let t = Arc::new(t);
            if i == 0 {
                main = Some(t.clone());
            }
            if i == 0 || !t.is_empty() || !overlay.contains_key(&t.name) {
                overlay.insert(t.name.clone(), t);
            }
        }
        let Some(main) = main else { return Ok(String::new()) };
        self.overlays.push(overlay);
        let mut out = String::new();
        let r = self.run(main, data, &mut out);
        self.overlays.pop();
        match r {
            Ok(()) => Ok(out.replace("<no value>", "")),
            Err(e) => Err(format!(
                "error during tpl function execution for {}: {}",
                gofmt::go_quote(text),
                e
            )),
        }
    }

    fn binary_bytes(&self, s: &Arc<str>) -> Option<Arc<Vec<u8>>> {
        if !self.binary.is_empty()
            && let Some(b) = self.binary.get(s)
        {
            return Some(b);
        }
        let host = self.set.binary_text.as_ref()?;
        // Binary text always holds a replacement character; skip the host's lookup otherwise.
        if !s.contains(char::REPLACEMENT_CHARACTER) {
            return None;
        }
        host(s)
    }

    fn note_binary(&mut self, text: &Arc<str>, bytes: Arc<Vec<u8>>) {
        self.binary.insert(text, bytes);
    }

    fn lookup(&mut self, api_version: &str, kind: &str, namespace: &str, name: &str) -> Result<Value, String> {
        match &self.set.lookup {
            Some(f) => f(api_version, kind, namespace, name),
            None => Ok(Value::map(Default::default())),
        }
    }
}
