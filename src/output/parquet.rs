//! The Parquet sink and reader (the arrow and parquet crates). Columns keep their
//! [`Kind`]: text as UTF-8, counts as 64-bit integers, similarities and scores as doubles
//! (the value the CSV shows, four decimals), flags as booleans; an empty numeric cell is null.
//! Read back, each cell is turned into the text the CSV would hold, so both formats go
//! through one decoder.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, Float64Builder, Int64Builder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use csv::StringRecord;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use super::rows::{Column, Fixed, Kind};
use super::sink::{Cells, Sink};

/// Rows per record batch (and so per row group page flush): bounds the memory a large
/// decisions file takes while it is written.
const BATCH_ROWS: usize = 64 * 1024;

/// Rows per row group: readers can skip by group, and the writer's memory stays bounded.
const ROW_GROUP_ROWS: usize = 4 * BATCH_ROWS;

/// Parquet, Snappy-compressed.
pub struct ParquetSink;

fn data_type(kind: Kind) -> DataType {
    match kind {
        Kind::Text => DataType::Utf8,
        Kind::Int => DataType::Int64,
        Kind::Fixed => DataType::Float64,
        Kind::Bool => DataType::Boolean,
    }
}

/// The Arrow schema of `columns`: text is never null (an empty cell is an empty string, as
/// in the CSV); numbers and flags may be.
fn schema(columns: &[Column]) -> SchemaRef {
    let fields: Vec<Field> = columns
        .iter()
        .map(|c| Field::new(&c.name, data_type(c.kind), c.kind != Kind::Text))
        .collect();
    Arc::new(Schema::new(fields))
}

enum Builder {
    Text(StringBuilder),
    Int(Int64Builder),
    Fixed(Float64Builder),
    Bool(BooleanBuilder),
}

impl Builder {
    fn new(kind: Kind) -> Builder {
        match kind {
            Kind::Text => Builder::Text(StringBuilder::new()),
            Kind::Int => Builder::Int(Int64Builder::new()),
            Kind::Fixed => Builder::Fixed(Float64Builder::new()),
            Kind::Bool => Builder::Bool(BooleanBuilder::new()),
        }
    }

    /// Appends a cell as written for the CSV; empty is null in a typed column.
    fn push(&mut self, cell: &str) -> Result<(), String> {
        let bad = |what: &str| format!("{cell:?} is not {what}");
        match self {
            Builder::Text(b) => b.append_value(cell),
            _ if cell.is_empty() => self.push_null(),
            Builder::Int(b) => b.append_value(cell.parse().map_err(|_| bad("an integer"))?),
            Builder::Fixed(b) => b.append_value(Fixed::parse(cell)?.0),
            Builder::Bool(b) => b.append_value(match cell {
                "true" => true,
                "false" => false,
                _ => return Err(bad("true or false")),
            }),
        }
        Ok(())
    }

    fn push_null(&mut self) {
        match self {
            Builder::Text(b) => b.append_null(),
            Builder::Int(b) => b.append_null(),
            Builder::Fixed(b) => b.append_null(),
            Builder::Bool(b) => b.append_null(),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Text(b) => Arc::new(b.finish()),
            Builder::Int(b) => Arc::new(b.finish()),
            Builder::Fixed(b) => Arc::new(b.finish()),
            Builder::Bool(b) => Arc::new(b.finish()),
        }
    }
}

impl Sink for ParquetSink {
    fn write(&self, w: &mut (dyn Write + Send), columns: &[Column], rows: &mut Cells) -> std::io::Result<()> {
        let schema = schema(columns);
        // Row groups of a bounded size: the writer holds one in memory until it is full.
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .build();
        let mut writer = ArrowWriter::try_new(w, schema.clone(), Some(props)).map_err(std::io::Error::other)?;
        let mut builders: Vec<Builder> = columns.iter().map(|c| Builder::new(c.kind)).collect();
        let mut pending = 0;
        let flush = |builders: &mut Vec<Builder>, writer: &mut ArrowWriter<_>| -> std::io::Result<()> {
            let arrays = builders.iter_mut().map(Builder::finish).collect();
            let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(std::io::Error::other)?;
            writer.write(&batch).map_err(std::io::Error::other)
        };
        let mut row = Vec::new();
        while let Some(filled) = rows(&mut row) {
            filled?;
            for ((b, cell), c) in builders.iter_mut().zip(&row).zip(columns) {
                b.push(cell)
                    .map_err(|e| std::io::Error::other(format!("column {}: {e}", c.name)))?;
            }
            pending += 1;
            if pending == BATCH_ROWS {
                flush(&mut builders, &mut writer)?;
                pending = 0;
            }
        }
        if pending > 0 {
            flush(&mut builders, &mut writer)?;
        }
        writer.close().map(drop).map_err(std::io::Error::other)
    }
}

/// A Parquet output file read back row by row, each cell as the CSV would hold it.
pub struct ParquetRows {
    headers: StringRecord,
    batches: ParquetRecordBatchReader,
    batch: Option<RecordBatch>,
    next: usize,
}

impl ParquetRows {
    /// Opens `path`.
    pub fn open(path: &Path) -> Result<ParquetRows, String> {
        let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| e.to_string())?;
        let headers = builder.schema().fields().iter().map(|f| f.name().as_str()).collect();
        let batches = builder.with_batch_size(BATCH_ROWS).build().map_err(|e| e.to_string())?;
        Ok(ParquetRows {
            headers,
            batches,
            batch: None,
            next: 0,
        })
    }

    /// Column names.
    pub fn headers(&self) -> StringRecord {
        self.headers.clone()
    }

    /// Reads the next row's cells into `rec`; false at the end.
    pub fn read_record(&mut self, rec: &mut StringRecord) -> Result<bool, String> {
        while self.batch.as_ref().is_none_or(|b| self.next >= b.num_rows()) {
            match self.batches.next() {
                None => return Ok(false),
                Some(b) => self.batch = Some(b.map_err(|e| e.to_string())?),
            }
            self.next = 0;
        }
        let Some(batch) = &self.batch else { return Ok(false) };
        rec.clear();
        for (col, field) in batch.columns().iter().zip(batch.schema().fields()) {
            push_cell(rec, col.as_ref(), self.next).map_err(|e| format!("column {}: {e}", field.name()))?;
        }
        self.next += 1;
        Ok(true)
    }
}

/// Row `i` of `col` as the CSV holds it: null is empty, a double has four decimals.
fn push_cell(rec: &mut StringRecord, col: &dyn Array, i: usize) -> Result<(), String> {
    if col.is_null(i) {
        rec.push_field("");
        return Ok(());
    }
    match col.data_type() {
        DataType::Utf8 => rec.push_field(col.as_string::<i32>().value(i)),
        DataType::Int64 => rec.push_field(&col.as_primitive::<Int64Type>().value(i).to_string()),
        DataType::Float64 => rec.push_field(&Fixed(col.as_primitive::<Float64Type>().value(i)).to_string()),
        DataType::Boolean => rec.push_field(if col.as_boolean().value(i) { "true" } else { "false" }),
        other => return Err(format!("a column of type {other} is not one concord writes")),
    }
    Ok(())
}
