//! `tftsr._native`: the engine as a Python extension module (the `tftsr` package wraps it).
//!
//! A thin layer over `tftsr-engine`'s public API: findings, redaction and configuration come
//! from the engine unchanged; this crate only converts (offsets to characters, arrays through
//! the Arrow C data interface, errors to exceptions) and releases the GIL while the engine runs.
//! Errors name what was wrong (an argument, a configuration key), never a scanned value or key.

mod batch;
mod core;
mod offsets;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use arrow_array::Array;
use arrow_data::ArrayData;
use arrow_pyarrow::{FromPyArrowUnchecked, ToPyArrow};
use pyo3::create_exception;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};
use tftsr_engine::redact::{Redactor, Style};
use tftsr_engine::{Config, Engine, PiiType};

use crate::batch::{BatchError, Rows};
use crate::offsets::CharCounter;

create_exception!(
    tftsr,
    ConfigError,
    PyValueError,
    "A `.tftsr.toml` configuration or a type filter is invalid. The message names the file, \
     line and key (or the argument) at fault, never a value from it."
);

/// One sensitive value found in a text.
#[pyclass(
    frozen,
    eq,
    hash,
    skip_from_py_object,
    module = "tftsr",
    name = "Finding"
)]
#[derive(Clone, PartialEq, Eq, Hash)]
struct PyFinding {
    /// Stable type id: `email`, `credit_card`, … or a custom rule's id.
    #[pyo3(get, name = "type")]
    kind: String,
    /// Character offset of the value's first character in the scanned `str` (inclusive).
    #[pyo3(get)]
    start: usize,
    /// Character offset just past the value (exclusive): `text[f.start:f.end]` is the value.
    #[pyo3(get)]
    end: usize,
    /// Byte offset of the value in the UTF-8 encoding of the text (inclusive).
    #[pyo3(get)]
    byte_start: usize,
    /// Byte offset just past the value in the UTF-8 encoding (exclusive).
    #[pyo3(get)]
    byte_end: usize,
    /// SHA-256 hex of the value, as `tftsr scan --format jsonl` reports it.
    #[pyo3(get)]
    fingerprint: String,
    /// The value itself, only when asked for (`scan(text, values=True)`), else None.
    #[pyo3(get)]
    value: Option<String>,
}

#[pymethods]
impl PyFinding {
    fn __repr__(&self) -> String {
        // Never the value: a repr ends up in logs and tracebacks.
        format!(
            "Finding(type={:?}, start={}, end={}, byte_start={}, byte_end={})",
            self.kind, self.start, self.end, self.byte_start, self.byte_end
        )
    }
}

/// A configured scanner. Build once (compiling the detectors takes a few milliseconds), then
/// scan and redact any number of texts, from any number of threads.
#[pyclass(frozen, module = "tftsr", name = "Engine")]
struct PyEngine {
    engine: Arc<Engine>,
}

/// The text of a `str` or `bytes` argument.
enum Input<'py> {
    Str(Bound<'py, PyString>),
    Bytes(Bound<'py, PyBytes>),
}

impl<'py> Input<'py> {
    fn from(arg: &Bound<'py, PyAny>, what: &str) -> PyResult<Input<'py>> {
        if let Ok(s) = arg.cast::<PyString>() {
            return Ok(Input::Str(s.clone()));
        }
        if let Ok(b) = arg.cast::<PyBytes>() {
            return Ok(Input::Bytes(b.clone()));
        }
        Err(PyTypeError::new_err(format!(
            "{what} must be str or bytes, not {}",
            arg.get_type().name()?
        )))
    }

    fn bytes(&self) -> PyResult<&[u8]> {
        match self {
            Input::Str(s) => s.to_str().map(str::as_bytes).map_err(|_| {
                PyValueError::new_err(
                    "text is not valid Unicode (it holds a lone surrogate): pass it as bytes \
                     instead, e.g. text.encode('utf-8', 'surrogateescape')",
                )
            }),
            Input::Bytes(b) => Ok(b.as_bytes()),
        }
    }
}

fn parse_style(style: &str) -> PyResult<Style> {
    style.parse::<Style>().map_err(PyValueError::new_err)
}

/// The 32-byte pseudonym key from `key` (bytes of length 32, or 64 hex digits).
fn parse_key(key: Option<&Bound<'_, PyAny>>, style: Style) -> PyResult<[u8; 32]> {
    const FORM: &str = "32 bytes, or a str of 64 hexadecimal digits";
    let Some(key) = key.filter(|k| !k.is_none()) else {
        if style == Style::Pseudonym {
            return Err(PyValueError::new_err(format!(
                "style 'pseudonym' needs a key: pass key=… ({FORM}), read from a secret \
                 manager or an environment variable (see tftsr.key_from_env)"
            )));
        }
        return Ok([0; 32]);
    };
    let bytes: Vec<u8> = if let Ok(b) = key.cast::<PyBytes>() {
        b.as_bytes().to_vec()
    } else if let Ok(s) = key.cast::<PyString>() {
        let s = s.to_str().unwrap_or("");
        decode_hex(s.trim()).ok_or_else(|| PyValueError::new_err(format!("key must be {FORM}")))?
    } else {
        return Err(PyTypeError::new_err(format!(
            "key must be bytes or str, not {}",
            key.get_type().name()?
        )));
    };
    // Never echo the key, nor its length (a hint at what was pasted).
    bytes
        .try_into()
        .map_err(|_| PyValueError::new_err(format!("key must be {FORM}")))
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

fn batch_err(e: BatchError) -> PyErr {
    match e {
        BatchError::Type(m) => PyTypeError::new_err(m),
        BatchError::Layout(m) => PyValueError::new_err(m),
    }
}

/// Imports one Arrow array (no copy) and checks its layout.
fn import_array(values: &Bound<'_, PyAny>) -> PyResult<ArrayData> {
    if !values.hasattr("__arrow_c_array__")? && !values.hasattr("_export_to_c")? {
        return Err(PyTypeError::new_err(format!(
            "expected a pyarrow Array (or an object with __arrow_c_array__), not {}",
            values.get_type().name()?
        )));
    }
    // SAFETY: the producer hands us an Arrow C array; its layout is checked by `validate`
    // below, and every row offset again on access (`Rows::get`), so bad offsets are an error,
    // not a read out of bounds. Contents are not validated as UTF-8 on purpose (see batch.rs).
    let data = unsafe { ArrayData::from_pyarrow_bound_unchecked(values)? };
    data.validate()
        .map_err(|e| PyValueError::new_err(format!("invalid Arrow array: {e}")))?;
    Ok(data)
}

/// Applies `f` to `values`, a pyarrow Array or ChunkedArray (chunk by chunk; the result is a
/// ChunkedArray then, or a tuple of them when `f` returns several arrays).
fn per_chunk<'py>(
    values: &Bound<'py, PyAny>,
    f: impl Fn(&Bound<'py, PyAny>) -> PyResult<Vec<Bound<'py, PyAny>>>,
    single: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let py = values.py();
    let pa = py.import("pyarrow").ok();
    let chunked = match &pa {
        Some(pa) => values.is_instance(&pa.getattr("ChunkedArray")?)?,
        None => false,
    };
    let pack = |mut outs: Vec<Bound<'py, PyAny>>| -> PyResult<Bound<'py, PyAny>> {
        if single {
            Ok(outs.remove(0))
        } else {
            Ok(PyTuple::new(py, outs)?.into_any())
        }
    };
    if !chunked {
        return pack(f(values)?);
    }
    let pa = pa.expect("checked above");
    let mut columns: Vec<Vec<Bound<'py, PyAny>>> = Vec::new();
    for chunk in values.getattr("chunks")?.try_iter()? {
        let outs = f(&chunk?)?;
        if columns.is_empty() {
            columns = outs.iter().map(|_| Vec::new()).collect();
        }
        for (c, o) in columns.iter_mut().zip(outs) {
            c.push(o);
        }
    }
    if columns.is_empty() {
        // No chunks: run on one empty array of the same type, for the result types.
        let empty = pa.call_method1("array", (PyList::empty(py), values.getattr("type")?))?;
        return per_chunk(&empty, f, single).and_then(|r| {
            let to_chunked = |a: Bound<'py, PyAny>| -> PyResult<Bound<'py, PyAny>> {
                let t = a.getattr("type")?;
                pa.call_method1("chunked_array", (PyList::empty(py), t))
            };
            if single {
                to_chunked(r)
            } else {
                let parts: Vec<_> = r
                    .cast::<PyTuple>()?
                    .iter()
                    .map(to_chunked)
                    .collect::<PyResult<_>>()?;
                Ok(PyTuple::new(py, parts)?.into_any())
            }
        });
    }
    let outs = columns
        .into_iter()
        .map(|c| {
            let t = c[0].getattr("type")?;
            pa.call_method1("chunked_array", (c, t))
        })
        .collect::<PyResult<Vec<_>>>()?;
    pack(outs)
}

impl PyEngine {
    fn build(
        mut cfg: Config,
        types: Option<Vec<String>>,
        exclude_types: Option<Vec<String>>,
    ) -> PyResult<PyEngine> {
        // The same filter as `tftsr scan|redact --types/--exclude-types`: ids checked against
        // the built-ins and this configuration's rules, then folded into the configuration so
        // the engine skips detectors nobody asked for.
        let known: BTreeSet<String> = PiiType::ALL
            .iter()
            .map(|t| t.id().to_owned())
            .chain(cfg.rules.iter().map(|r| r.id.clone()))
            .collect();
        for (arg, ids) in [("types", &types), ("exclude_types", &exclude_types)] {
            for id in ids.iter().flatten() {
                if !known.contains(id) {
                    return Err(ConfigError::new_err(format!(
                        "unknown type `{id}` in {arg}; known types: {}",
                        known.iter().cloned().collect::<Vec<_>>().join(", ")
                    )));
                }
            }
        }
        if let Some(only) = types.filter(|t| !t.is_empty()) {
            cfg.types.enable = Some(only);
        }
        cfg.types.disable.extend(exclude_types.unwrap_or_default());
        let engine = Engine::new(cfg).map_err(|e| ConfigError::new_err(e.to_string()))?;
        Ok(PyEngine {
            engine: Arc::new(engine),
        })
    }

    fn redactor(&self, style: &str, key: Option<&Bound<'_, PyAny>>) -> PyResult<Redactor<'_>> {
        let style = parse_style(style)?;
        let key = parse_key(key, style)?;
        Ok(Redactor::new(&self.engine, style, key))
    }
}

#[pymethods]
impl PyEngine {
    /// Every built-in type enabled (or those of `types`, minus `exclude_types`), no custom
    /// rules: what `tftsr scan` uses without a `.tftsr.toml`.
    #[new]
    #[pyo3(signature = (*, types=None, exclude_types=None))]
    fn new(types: Option<Vec<String>>, exclude_types: Option<Vec<String>>) -> PyResult<PyEngine> {
        PyEngine::build(Config::default(), types, exclude_types)
    }

    /// An engine from the text of a `.tftsr.toml` (enabled types, severities, custom rules,
    /// allowlists). `path` only names the file in error messages. Raises `ConfigError` naming
    /// the line and key of the first problem.
    #[staticmethod]
    #[pyo3(signature = (text, *, path=None, types=None, exclude_types=None))]
    fn from_toml(
        text: &str,
        path: Option<&str>,
        types: Option<Vec<String>>,
        exclude_types: Option<Vec<String>>,
    ) -> PyResult<PyEngine> {
        let path = Path::new(path.unwrap_or(".tftsr.toml"));
        let cfg =
            Config::from_toml_str(text, path).map_err(|e| ConfigError::new_err(e.to_string()))?;
        PyEngine::build(cfg, types, exclude_types)
    }

    /// The type ids this engine reports (built-in and custom), sorted.
    #[getter]
    fn types(&self) -> Vec<String> {
        let cfg = self.engine.config();
        let mut ids: Vec<String> = PiiType::ALL
            .iter()
            .map(|t| t.id().to_owned())
            .chain(cfg.rules.iter().map(|r| r.id.clone()))
            .filter(|id| {
                let kind = match PiiType::from_id(id) {
                    Some(t) => tftsr_engine::Kind::Builtin(t),
                    None => tftsr_engine::Kind::Custom(id.as_str().into()),
                };
                self.engine.is_enabled(&kind)
            })
            .collect();
        ids.sort();
        ids
    }

    /// The findings in `text` (str or bytes), in order, non-overlapping.
    #[pyo3(signature = (text, *, values=false))]
    fn scan(&self, text: &Bound<'_, PyAny>, values: bool) -> PyResult<Vec<PyFinding>> {
        let input = Input::from(text, "text")?;
        let bytes = input.bytes()?;
        let engine = &self.engine;
        let found = text.py().detach(|| core::findings(engine, bytes));
        let mut chars = CharCounter::new(bytes);
        Ok(found
            .iter()
            .map(|f| {
                let v = core::value(bytes, f);
                PyFinding {
                    kind: f.kind.id().to_owned(),
                    start: chars.at(f.start),
                    end: chars.at(f.end),
                    byte_start: f.start,
                    byte_end: f.end,
                    fingerprint: tftsr_engine::fingerprint(&v),
                    value: values.then(|| v.into_owned()),
                }
            })
            .collect())
    }

    /// The redacted copy of `text`: a str for a str, bytes for bytes (invalid UTF-8 copied
    /// unchanged), as `tftsr redact` writes it.
    #[pyo3(signature = (text, style="tag", key=None))]
    fn redact<'py>(
        &self,
        text: &Bound<'py, PyAny>,
        style: &str,
        key: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = text.py();
        let input = Input::from(text, "text")?;
        let redactor = self.redactor(style, key)?;
        let bytes = input.bytes()?;
        let engine = &self.engine;
        let out = py.detach(|| {
            let mut out = Vec::with_capacity(bytes.len());
            core::redact_into(engine, &redactor, bytes, &mut out, |_| {});
            out
        });
        match input {
            Input::Str(_) => {
                let s = String::from_utf8(out).map_err(|_| {
                    PyValueError::new_err("internal error: redaction produced invalid UTF-8")
                })?;
                Ok(PyString::new(py, &s).into_any())
            }
            Input::Bytes(_) => Ok(PyBytes::new(py, &out).into_any()),
        }
    }

    /// Scans every row of a pyarrow string/binary Array (or ChunkedArray) without the GIL.
    #[pyo3(signature = (values, *, fingerprints=false))]
    fn scan_arrow<'py>(
        &self,
        values: &Bound<'py, PyAny>,
        fingerprints: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let engine = &self.engine;
        per_chunk(
            values,
            |chunk| {
                let py = chunk.py();
                let data = import_array(chunk)?;
                let out = py.detach(|| {
                    let rows = Rows::new(&data)?;
                    batch::scan(engine, &rows, fingerprints)
                });
                Ok(vec![out.map_err(batch_err)?.to_data().to_pyarrow(py)?])
            },
            true,
        )
    }

    /// Redacts every row of a pyarrow string/binary Array (or ChunkedArray) without the GIL.
    #[pyo3(signature = (values, style="tag", key=None, *, return_types=false))]
    fn redact_arrow<'py>(
        &self,
        values: &Bound<'py, PyAny>,
        style: &str,
        key: Option<&Bound<'py, PyAny>>,
        return_types: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let redactor = self.redactor(style, key)?;
        let engine = &self.engine;
        per_chunk(
            values,
            |chunk| {
                let py = chunk.py();
                let data = import_array(chunk)?;
                let out = py.detach(|| {
                    let rows = Rows::new(&data)?;
                    batch::redact(engine, &redactor, &rows, return_types)
                });
                let (redacted, types) = out.map_err(batch_err)?;
                let mut result = vec![redacted.to_pyarrow(py)?];
                if let Some(t) = types {
                    result.push(t.to_data().to_pyarrow(py)?);
                }
                Ok(result)
            },
            !return_types,
        )
    }

    fn __repr__(&self) -> String {
        let cfg = self.engine.config();
        match &cfg.source {
            Some(p) => format!("Engine(config={:?})", p.display().to_string()),
            None => "Engine()".to_owned(),
        }
    }
}

#[pymodule]
#[pyo3(name = "_native")]
fn native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyEngine>()?;
    m.add_class::<PyFinding>()?;
    m.add("ConfigError", m.py().get_type::<ConfigError>())?;
    m.add("ENGINE_VERSION", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
