//! Randomized property test over the whole table: a well-formed random message
//! of every kind decodes without error, and the JSON has the shape the table
//! promises (an object carrying kind and apiVersion).

use crate::generated::{KINDS, MESSAGES};
use crate::table::{Scalar, Shape, Special, Ty};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn key(out: &mut Vec<u8>, num: u32, wire: u8) {
    varint(out, (u64::from(num) << 3) | u64::from(wire));
}

fn len_field(out: &mut Vec<u8>, num: u32, bytes: &[u8]) {
    key(out, num, 2);
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn scalar(rng: &mut Rng, out: &mut Vec<u8>, num: u32, sc: Scalar) {
    match sc {
        Scalar::Bool | Scalar::I32 | Scalar::I64 | Scalar::U32 | Scalar::U64 => {
            key(out, num, 0);
            let v = match rng.below(4) {
                0 => 0,
                1 => rng.below(100),
                2 => (-(rng.below(5) as i64)) as u64,
                _ => rng.next(),
            };
            varint(out, v);
        }
        Scalar::F64 => {
            key(out, num, 1);
            out.extend_from_slice(&(rng.below(1000) as f64 / 8.0).to_bits().to_le_bytes());
        }
        Scalar::F32 => {
            key(out, num, 5);
            out.extend_from_slice(&(rng.below(1000) as f32 / 8.0).to_bits().to_le_bytes());
        }
        Scalar::Str | Scalar::Bytes => {
            let n = rng.below(6) as usize;
            let s: Vec<u8> = (0..n).map(|_| b'a' + rng.below(26) as u8).collect();
            len_field(out, num, &s);
        }
    }
}

fn message(rng: &mut Rng, index: u16, depth: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let Some(msg) = MESSAGES.get(usize::from(index)) else {
        return out;
    };
    match msg.special {
        Special::Time | Special::MicroTime => {
            if rng.below(3) > 0 {
                key(&mut out, 1, 0);
                varint(&mut out, rng.below(4_000_000_000));
                key(&mut out, 2, 0);
                varint(&mut out, rng.below(1_000_000_000));
            }
            return out;
        }
        Special::Duration => {
            key(&mut out, 1, 0);
            varint(&mut out, rng.next());
            return out;
        }
        Special::RawJson => {
            let docs: [&[u8]; 4] = [b"{}", b"[1,2]", b"\"s\"", br#"{"a":{"b":null}}"#];
            len_field(&mut out, 1, docs[rng.below(4) as usize]);
            return out;
        }
        Special::IntOrString => {
            key(&mut out, 1, 0);
            varint(&mut out, rng.below(2));
            key(&mut out, 2, 0);
            varint(&mut out, rng.below(100));
            len_field(&mut out, 3, b"25%");
            return out;
        }
        Special::Quantity => {
            len_field(&mut out, 1, b"100m");
            return out;
        }
        Special::OrArray | Special::OrBool | Special::OrStringArray => {
            if depth > 0 && rng.below(2) == 0 {
                if let Some(schema) = crate::table::message_by_name("apiextensions.v1.JSONSchemaProps") {
                    let inner = message(rng, schema, depth - 1);
                    len_field(&mut out, if msg.special == Special::OrBool { 2 } else { 1 }, &inner);
                }
            } else if msg.special == Special::OrStringArray {
                len_field(&mut out, 2, b"x");
            } else if msg.special == Special::OrBool {
                key(&mut out, 1, 0);
                varint(&mut out, 1);
            }
            return out;
        }
        Special::None => {}
    }
    for field in msg.fields {
        if rng.below(3) == 0 {
            continue;
        }
        let count = match field.shape() {
            Shape::Rep | Shape::Map => rng.below(3),
            _ => 1,
        };
        for _ in 0..count {
            let mut value = Vec::new();
            match field.ty {
                Ty::S(sc) => scalar(rng, &mut value, 2, sc),
                Ty::W(sc) => {
                    let mut list = Vec::new();
                    for _ in 0..rng.below(3) {
                        scalar(rng, &mut list, 1, sc);
                    }
                    len_field(&mut value, 2, &list);
                }
                Ty::M(inner) => {
                    if depth == 0 {
                        continue;
                    }
                    let m = message(rng, inner, depth - 1);
                    len_field(&mut value, 2, &m);
                }
            }
            if field.shape() == Shape::Map {
                let mut entry = Vec::new();
                len_field(&mut entry, 1, format!("k{}", rng.below(5)).as_bytes());
                entry.extend_from_slice(&value);
                len_field(&mut out, field.num, &entry);
            } else {
                // `value` was written as field 2; rewrite it under the real number.
                let mut r = crate::wire::Reader::new(&value);
                let Ok((_, wire)) = r.key() else { continue };
                let Ok(v) = r.value(2, wire) else { continue };
                match v {
                    crate::wire::Value::Varint(x) => {
                        key(&mut out, field.num, 0);
                        varint(&mut out, x);
                    }
                    crate::wire::Value::Fixed64(x) => {
                        key(&mut out, field.num, 1);
                        out.extend_from_slice(&x.to_le_bytes());
                    }
                    crate::wire::Value::Fixed32(x) => {
                        key(&mut out, field.num, 5);
                        out.extend_from_slice(&x.to_le_bytes());
                    }
                    crate::wire::Value::Bytes(b) => len_field(&mut out, field.num, b),
                    crate::wire::Value::Group => {}
                }
            }
        }
    }
    out
}

#[test]
fn random_well_formed_messages_of_every_kind_decode() {
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    for round in 0..6 {
        for kind in &KINDS {
            let raw = message(&mut rng, kind.message, 5);
            let mut type_meta = Vec::new();
            len_field(&mut type_meta, 1, kind.api_version.as_bytes());
            len_field(&mut type_meta, 2, kind.kind.as_bytes());
            let mut body = b"k8s\0".to_vec();
            len_field(&mut body, 1, &type_meta);
            len_field(&mut body, 2, &raw);
            let value = crate::decode(&body)
                .unwrap_or_else(|e| panic!("round {round}: {} {}: {e}", kind.api_version, kind.kind));
            assert_eq!(value["kind"], kind.kind);
            assert_eq!(value["apiVersion"], kind.api_version);
        }
    }
}
