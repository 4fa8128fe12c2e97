//! A tiny protobuf writer for building test bodies by hand.

#![allow(dead_code)]

/// One message being written.
#[derive(Clone, Default)]
pub struct Msg(pub Vec<u8>);

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

impl Msg {
    pub fn new() -> Self {
        Msg(Vec::new())
    }

    fn key(mut self, field: u32, wire: u8) -> Self {
        varint(&mut self.0, (u64::from(field) << 3) | u64::from(wire));
        self
    }

    /// A varint field (int32, int64, bool, enum); negative numbers as Go writes them.
    pub fn int(self, field: u32, v: i64) -> Self {
        let mut m = self.key(field, 0);
        varint(&mut m.0, v as u64);
        m
    }

    pub fn boolean(self, field: u32, v: bool) -> Self {
        self.int(field, i64::from(v))
    }

    pub fn double(self, field: u32, v: f64) -> Self {
        let mut m = self.key(field, 1);
        m.0.extend_from_slice(&v.to_bits().to_le_bytes());
        m
    }

    pub fn bytes(self, field: u32, b: &[u8]) -> Self {
        let mut m = self.key(field, 2);
        varint(&mut m.0, b.len() as u64);
        m.0.extend_from_slice(b);
        m
    }

    pub fn str(self, field: u32, s: &str) -> Self {
        self.bytes(field, s.as_bytes())
    }

    pub fn msg(self, field: u32, inner: Msg) -> Self {
        self.bytes(field, &inner.0)
    }

    /// A map<string, string> entry.
    pub fn entry(self, field: u32, k: &str, v: &str) -> Self {
        self.msg(field, Msg::new().str(1, k).str(2, v))
    }

    /// A map<string, bytes> entry.
    pub fn entry_bytes(self, field: u32, k: &str, v: &[u8]) -> Self {
        self.msg(field, Msg::new().str(1, k).bytes(2, v))
    }

    /// A map<string, Message> entry.
    pub fn entry_msg(self, field: u32, k: &str, v: Msg) -> Self {
        self.msg(field, Msg::new().str(1, k).msg(2, v))
    }

    /// Raw bytes appended as they are (for malformed input).
    pub fn raw(mut self, b: &[u8]) -> Self {
        self.0.extend_from_slice(b);
        self
    }
}

/// `resource.Quantity`.
pub fn quantity(s: &str) -> Msg {
    Msg::new().str(1, s)
}

/// `intstr.IntOrString` holding an int.
pub fn int_or_int(v: i32) -> Msg {
    Msg::new().int(1, 0).int(2, i64::from(v))
}

/// `intstr.IntOrString` holding a string.
pub fn int_or_str(s: &str) -> Msg {
    Msg::new().int(1, 1).str(3, s)
}

/// meta/v1 `ObjectMeta` with a name and namespace; creationTimestamp written
/// empty, as Go writes a zero time.
pub fn meta(name: &str, namespace: &str) -> Msg {
    let m = Msg::new().str(1, name);
    let m = if namespace.is_empty() { m } else { m.str(3, namespace) };
    m.msg(8, Msg::new())
}

/// The whole body: magic, then runtime.Unknown{typeMeta, raw}.
pub fn body(api_version: &str, kind: &str, object: Msg) -> Vec<u8> {
    let unknown = Msg::new()
        .msg(1, Msg::new().str(1, api_version).str(2, kind))
        .msg(2, object);
    let mut out = b"k8s\0".to_vec();
    out.extend_from_slice(&unknown.0);
    out
}
