//! Protobuf wire format reading: varints, fixed values, length-delimited slices,
//! field keys and skipping unknown fields. Every read is bounds-checked.

use crate::error::Problem;

pub(crate) const VARINT: u8 = 0;
pub(crate) const FIXED64: u8 = 1;
pub(crate) const LEN: u8 = 2;
pub(crate) const START_GROUP: u8 = 3;
pub(crate) const END_GROUP: u8 = 4;
pub(crate) const FIXED32: u8 = 5;

/// How deeply groups may nest inside a skipped field.
const MAX_GROUP_DEPTH: usize = 32;

/// A cursor over the bytes of one message.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

/// One field's value as it sits on the wire.
#[derive(Clone, Copy)]
pub(crate) enum Value<'a> {
    Varint(u64),
    Fixed64(u64),
    Fixed32(u32),
    Bytes(&'a [u8]),
    /// A group (deprecated); its contents are skipped.
    Group,
}

impl Value<'_> {
    /// The wire type this value was read with.
    pub(crate) fn wire_type(self) -> u8 {
        match self {
            Value::Varint(_) => VARINT,
            Value::Fixed64(_) => FIXED64,
            Value::Fixed32(_) => FIXED32,
            Value::Bytes(_) => LEN,
            Value::Group => START_GROUP,
        }
    }
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// Position of the cursor inside this reader's slice.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn varint(&mut self) -> Result<u64, Problem> {
        let mut value: u64 = 0;
        for i in 0..10 {
            let Some(&b) = self.buf.get(self.pos) else {
                return Err(Problem::TruncatedVarint);
            };
            self.pos += 1;
            value |= u64::from(b & 0x7f) << (7 * i);
            if b < 0x80 {
                return Ok(value);
            }
        }
        Err(Problem::VarintTooLong)
    }

    fn fixed<const N: usize>(&mut self) -> Result<[u8; N], Problem> {
        let end = self.pos.checked_add(N).ok_or(Problem::TruncatedFixed)?;
        let bytes = self.buf.get(self.pos..end).ok_or(Problem::TruncatedFixed)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        self.pos = end;
        Ok(out)
    }

    pub(crate) fn bytes(&mut self) -> Result<&'a [u8], Problem> {
        let length = self.varint()?;
        let available = self.buf.len() - self.pos;
        let len = usize::try_from(length)
            .ok()
            .filter(|&l| l <= available)
            .ok_or(Problem::LengthOverrun { length, available })?;
        let out = &self.buf[self.pos..self.pos + len];
        self.pos += len;
        Ok(out)
    }

    /// Reads a field key: (field number, wire type).
    pub(crate) fn key(&mut self) -> Result<(u32, u8), Problem> {
        let key = self.varint()?;
        let wire = (key & 7) as u8;
        let field = u32::try_from(key >> 3).map_err(|_| Problem::FieldNumberZero)?;
        if field == 0 {
            return Err(Problem::FieldNumberZero);
        }
        Ok((field, wire))
    }

    /// Reads the value that follows a key of the given wire type.
    pub(crate) fn value(&mut self, field: u32, wire: u8) -> Result<Value<'a>, Problem> {
        match wire {
            VARINT => self.varint().map(Value::Varint),
            FIXED64 => self.fixed::<8>().map(|b| Value::Fixed64(u64::from_le_bytes(b))),
            FIXED32 => self.fixed::<4>().map(|b| Value::Fixed32(u32::from_le_bytes(b))),
            LEN => self.bytes().map(Value::Bytes),
            START_GROUP => self.skip_group(field).map(|()| Value::Group),
            END_GROUP => Err(Problem::UnexpectedEndGroup),
            other => Err(Problem::InvalidWireType(other)),
        }
    }

    fn skip_group(&mut self, field: u32) -> Result<(), Problem> {
        let mut open = vec![field];
        while let Some(&current) = open.last() {
            if self.at_end() {
                return Err(Problem::UnclosedGroup);
            }
            let (f, w) = self.key()?;
            match w {
                START_GROUP => {
                    if open.len() >= MAX_GROUP_DEPTH {
                        return Err(Problem::GroupTooDeep);
                    }
                    open.push(f);
                }
                END_GROUP => {
                    if f != current {
                        return Err(Problem::UnexpectedEndGroup);
                    }
                    open.pop();
                }
                _ => {
                    self.value(f, w)?;
                }
            }
        }
        Ok(())
    }
}

/// The name of a wire type, for error messages.
pub(crate) fn wire_name(wire: u8) -> &'static str {
    match wire {
        VARINT => "varint (0)",
        FIXED64 => "fixed64 (1)",
        LEN => "length-delimited (2)",
        FIXED32 => "fixed32 (5)",
        _ => "group",
    }
}
