//! The Arrow batch path: a whole string (or binary) array in, an Arrow array out, with no Python
//! code running per row. Arrays come and go through the Arrow C data interface (pyarrow's
//! `__arrow_c_array__` / `_export_to_c`), so no row is copied into a Python object.
//!
//! Rows are read as bytes with checked offsets, never as `&str`: Spark (and other producers) put
//! bytes in `string` columns without validating them, and a redactor must not drop or garble a
//! log line because one byte in it is not UTF-8. Such a row is redacted by valid runs and its
//! invalid bytes are copied through, exactly as `tftsr redact` does for a file.

use std::sync::Arc;

use arrow_array::builder::{Int64Builder, StringBuilder};
use arrow_array::{Array, ArrayRef, GenericListArray, StructArray};
use arrow_buffer::{Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_data::ArrayData;
use arrow_schema::{DataType, Field, Fields};
use tftsr_engine::redact::Redactor;
use tftsr_engine::Engine;

use crate::core;
use crate::offsets::CharCounter;

/// Why an array cannot be processed (a message for the user; never a value from the array).
#[derive(Debug)]
pub enum BatchError {
    Type(String),
    Layout(String),
}

/// The rows of a string or binary array, with checked access.
pub struct Rows<'a> {
    data: &'a ArrayData,
    large: bool,
    /// The type to give the result: the input's own.
    pub data_type: DataType,
}

impl<'a> Rows<'a> {
    pub fn new(data: &'a ArrayData) -> Result<Rows<'a>, BatchError> {
        let large = match data.data_type() {
            DataType::Utf8 | DataType::Binary => false,
            DataType::LargeUtf8 | DataType::LargeBinary => true,
            other => {
                return Err(BatchError::Type(format!(
                    "expected an Arrow array of type string, large_string, binary or \
                     large_binary, got {other}"
                )))
            }
        };
        if data.buffers().len() != 2 {
            return Err(BatchError::Layout(
                "the Arrow array does not have the two buffers of its type".into(),
            ));
        }
        let width = if large { 8 } else { 4 };
        let need = (data.offset() + data.len() + 1) * width;
        if !data.is_empty() && data.buffers()[0].len() < need {
            return Err(BatchError::Layout(
                "the Arrow array's offsets buffer is too short".into(),
            ));
        }
        Ok(Rows {
            data,
            large,
            data_type: data.data_type().clone(),
        })
    }

    pub fn len(&self) -> usize {
        self.data.len()
    }

    fn offset(&self, i: usize) -> usize {
        let k = self.data.offset() + i;
        let b = self.data.buffers()[0].as_slice();
        if self.large {
            i64::from_le_bytes(b[k * 8..k * 8 + 8].try_into().unwrap()) as usize
        } else {
            i32::from_le_bytes(b[k * 4..k * 4 + 4].try_into().unwrap()) as usize
        }
    }

    /// Row `i` (None when null); an offset pointing outside the values buffer is an error, not
    /// undefined behaviour.
    pub fn get(&self, i: usize) -> Result<Option<&'a [u8]>, BatchError> {
        if self.data.is_null(i) {
            return Ok(None);
        }
        let (s, e) = (self.offset(i), self.offset(i + 1));
        self.data.buffers()[1]
            .as_slice()
            .get(s..e)
            .map(Some)
            .ok_or_else(|| BatchError::Layout(format!("row {i} has offsets outside its data")))
    }

    pub fn nulls(&self) -> Option<NullBuffer> {
        self.data.nulls().cloned()
    }

    /// Total bytes of the rows (for capacity planning).
    fn value_bytes(&self) -> usize {
        if self.len() == 0 {
            return 0;
        }
        self.offset(self.len()).saturating_sub(self.offset(0))
    }
}

/// Builds an array of `data_type` (one of the four of [`Rows`]) from concatenated values and
/// their offsets.
fn build_like(
    data_type: &DataType,
    values: Vec<u8>,
    offsets: Vec<usize>,
    nulls: Option<NullBuffer>,
) -> Result<ArrayData, BatchError> {
    let len = offsets.len() - 1;
    let offsets = match data_type {
        DataType::LargeUtf8 | DataType::LargeBinary => {
            Buffer::from_vec(offsets.into_iter().map(|o| o as i64).collect::<Vec<_>>())
        }
        _ => {
            if values.len() > i32::MAX as usize {
                return Err(BatchError::Layout(
                    "the redacted batch exceeds 2 GiB, the limit of a string array: use \
                     large_string, or smaller batches"
                        .into(),
                ));
            }
            Buffer::from_vec(offsets.into_iter().map(|o| o as i32).collect::<Vec<_>>())
        }
    };
    let builder = ArrayData::builder(data_type.clone())
        .len(len)
        .add_buffer(offsets)
        .add_buffer(Buffer::from_vec(values))
        .nulls(nulls);
    // SAFETY (of the Arrow invariants only; nothing here is Rust-unsafe to read): offsets are
    // ascending and in bounds by construction. For a string type, rows that arrived as valid
    // UTF-8 stay valid UTF-8 (replacements are UTF-8 and are spliced in at char boundaries);
    // a row that arrived with invalid bytes keeps exactly those bytes, as the CLI keeps them in
    // a file: the producer's choice, passed through, never read as `&str` by us.
    Ok(unsafe { builder.build_unchecked() })
}

/// `redact` over every row: the redacted array (same type as the input, nulls kept) and, when
/// `with_types`, a `list<string>` of the type ids replaced in each row, in order.
pub fn redact(
    engine: &Engine,
    redactor: &Redactor<'_>,
    rows: &Rows<'_>,
    with_types: bool,
) -> Result<(ArrayData, Option<ArrayRef>), BatchError> {
    let n = rows.len();
    // Redaction rarely changes the size much; a little headroom avoids most regrowth.
    let mut values = Vec::with_capacity(rows.value_bytes() + rows.value_bytes() / 16);
    let mut offsets = Vec::with_capacity(n + 1);
    offsets.push(0usize);
    let mut types = with_types.then(|| (StringBuilder::new(), vec![0i32]));
    let mut replaced = 0i32;
    for i in 0..n {
        if let Some(row) = rows.get(i)? {
            core::redact_into(engine, redactor, row, &mut values, |k| {
                if let Some((ids, _)) = types.as_mut() {
                    ids.append_value(k.id());
                    replaced += 1;
                }
            });
        }
        offsets.push(values.len());
        if let Some((_, list_offsets)) = types.as_mut() {
            list_offsets.push(replaced);
        }
    }
    let out = build_like(&rows.data_type, values, offsets, rows.nulls())?;
    let types = types.map(|(mut ids, list_offsets)| {
        let field = Arc::new(Field::new("item", DataType::Utf8, false));
        let list = GenericListArray::<i32>::new(
            field,
            OffsetBuffer::new(ScalarBuffer::from(list_offsets)),
            Arc::new(ids.finish()),
            None,
        );
        Arc::new(list) as ArrayRef
    });
    Ok((out, types))
}

/// The struct fields of one finding in [`scan`]'s result.
pub fn finding_fields() -> Fields {
    Fields::from(vec![
        Field::new("type", DataType::Utf8, false),
        Field::new("start", DataType::Int64, false),
        Field::new("end", DataType::Int64, false),
        Field::new("byte_start", DataType::Int64, false),
        Field::new("byte_end", DataType::Int64, false),
        Field::new("fingerprint", DataType::Utf8, true),
    ])
}

/// `scan` over every row: a `list<struct<type, start, end, byte_start, byte_end, fingerprint>>`
/// (offsets in characters and in bytes of the row; `fingerprint` null unless asked for). A null
/// row gives a null list.
pub fn scan(engine: &Engine, rows: &Rows<'_>, fingerprints: bool) -> Result<ArrayRef, BatchError> {
    let n = rows.len();
    let mut ty = StringBuilder::new();
    let mut start = Int64Builder::new();
    let mut end = Int64Builder::new();
    let mut byte_start = Int64Builder::new();
    let mut byte_end = Int64Builder::new();
    let mut fp = StringBuilder::new();
    let mut list_offsets = Vec::with_capacity(n + 1);
    list_offsets.push(0i64);
    let mut count = 0i64;
    for i in 0..n {
        if let Some(row) = rows.get(i)? {
            let found = core::findings(engine, row);
            let mut chars = CharCounter::new(row);
            for f in &found {
                ty.append_value(f.kind.id());
                start.append_value(chars.at(f.start) as i64);
                end.append_value(chars.at(f.end) as i64);
                byte_start.append_value(f.start as i64);
                byte_end.append_value(f.end as i64);
                if fingerprints {
                    fp.append_value(tftsr_engine::fingerprint(&core::value(row, f)));
                } else {
                    fp.append_null();
                }
            }
            count += found.len() as i64;
        }
        list_offsets.push(count);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(ty.finish()) as ArrayRef,
        Arc::new(start.finish()) as ArrayRef,
        Arc::new(end.finish()) as ArrayRef,
        Arc::new(byte_start.finish()) as ArrayRef,
        Arc::new(byte_end.finish()) as ArrayRef,
        Arc::new(fp.finish()) as ArrayRef,
    ];
    let items = StructArray::new(finding_fields(), columns, None);
    let field = Arc::new(Field::new("item", items.data_type().clone(), false));
    let list = GenericListArray::<i64>::new(
        field,
        OffsetBuffer::new(ScalarBuffer::from(list_offsets)),
        Arc::new(items),
        rows.nulls(),
    );
    Ok(Arc::new(list))
}
