//! Where typed rows go: a [`Sink`] turns a file's columns and rows into bytes, behind the
//! atomic [`super::Batch`]. The CSV sink is here; the Parquet one in `parquet.rs`.

use std::io::Write;

use super::rows::Column;

/// The rows of a file as text cells: each call fills the buffer with the next row's cells,
/// or gives None after the last row (errors are the serializer's). The buffer is the sink's,
/// reused from row to row.
pub type Cells<'a> = dyn FnMut(&mut Vec<String>) -> Option<std::io::Result<()>> + 'a;

/// Writes a file of rows in one format.
pub trait Sink: Sync {
    /// Writes the header of `columns`, then `rows` (each as many cells as columns) to `w`.
    fn write(&self, w: &mut (dyn Write + Send), columns: &[Column], rows: &mut Cells) -> std::io::Result<()>;
}

/// CSV: a header line, then one line per row, fields quoted only where needed.
pub struct CsvSink;

impl Sink for CsvSink {
    fn write(&self, w: &mut (dyn Write + Send), columns: &[Column], rows: &mut Cells) -> std::io::Result<()> {
        let mut c = csv::WriterBuilder::new()
            .quote_style(csv::QuoteStyle::Necessary)
            .from_writer(w);
        c.write_record(columns.iter().map(|c| c.name.as_str()))
            .map_err(std::io::Error::other)?;
        let mut row = Vec::new();
        while let Some(filled) = rows(&mut row) {
            filled?;
            c.write_record(&row).map_err(std::io::Error::other)?;
        }
        c.flush()
    }
}
