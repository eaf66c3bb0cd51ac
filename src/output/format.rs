//! The format of a run's tables: which [`Sink`] writes them, and a [`TableReader`] that reads
//! either back as text cells by header name, so one serde path decodes both.

use std::path::{Path, PathBuf};

use csv::StringRecord;
use serde::Deserialize;

use super::parquet::{ParquetRows, ParquetSink};
use super::rows::Row;
use super::sink::{CsvSink, Sink};
use crate::error::Error;

/// The format of a run's tabular outputs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// `NAME.csv`, as a spreadsheet reads it.
    #[default]
    Csv,
    /// `NAME.parquet` (Snappy-compressed; numbers as numbers), as pandas, Polars, DuckDB and
    /// Spark read it.
    Parquet,
}

impl Format {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Parquet => "parquet",
        }
    }

    /// The file name of output `stem` (`decisions`) in this format.
    pub fn file(self, stem: &str) -> String {
        format!("{stem}.{}", self.extension())
    }

    /// The sink that writes this format.
    pub fn sink(self) -> &'static dyn Sink {
        match self {
            Format::Csv => &CsvSink,
            Format::Parquet => &ParquetSink,
        }
    }

    /// The format of the run in `dir`, told by which provenance file it holds.
    pub fn detect(dir: &Path) -> Result<Format, Error> {
        let has = |f: Format| dir.join(f.file("provenance")).is_file();
        let err = |message: String| Error::Input {
            file: dir.display().to_string(),
            message,
        };
        match (has(Format::Csv), has(Format::Parquet)) {
            (true, false) => Ok(Format::Csv),
            (false, true) => Ok(Format::Parquet),
            (true, true) => Err(err(
                "holds both provenance.csv and provenance.parquet, so which run is in it cannot be told; \
                 remove one run's files (or run again into an empty --out)"
                    .into(),
            )),
            (false, false) => Err(err(format!(
                "no provenance.csv or provenance.parquet (is {} the output folder of a `concord run`?)",
                dir.display()
            ))),
        }
    }
}

/// An output file read back, in either format, as text cells under its header.
pub struct TableReader {
    path: PathBuf,
    headers: StringRecord,
    rows: Source,
    /// Rows read so far.
    read: u64,
}

enum Source {
    Csv(csv::Reader<std::fs::File>),
    Parquet(Box<ParquetRows>),
}

impl TableReader {
    /// Opens output `stem` (`decisions`) of the run in `dir`, written in `format`.
    pub fn open(dir: &Path, stem: &str, format: Format) -> Result<TableReader, Error> {
        let path = dir.join(format.file(stem));
        let err = |message: String| Error::Input {
            file: path.display().to_string(),
            message,
        };
        let (headers, rows) = match format {
            Format::Csv => {
                let mut r = csv::Reader::from_path(&path).map_err(|e| {
                    err(format!(
                        "{e} (is {} the output folder of a `concord run`?)",
                        dir.display()
                    ))
                })?;
                (r.headers().map_err(|e| err(e.to_string()))?.clone(), Source::Csv(r))
            }
            Format::Parquet => {
                let rows = ParquetRows::open(&path).map_err(err)?;
                (rows.headers(), Source::Parquet(Box::new(rows)))
            }
        };
        Ok(TableReader {
            path,
            headers,
            rows,
            read: 0,
        })
    }

    /// The file read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Column names.
    pub fn headers(&self) -> &StringRecord {
        &self.headers
    }

    /// An error at the row read last (CSV: its line; Parquet: its row number).
    fn err(&self, message: impl std::fmt::Display) -> Error {
        let at = match self.rows {
            Source::Csv(_) => format!("line {}", self.read + 1),
            Source::Parquet(_) => format!("row {}", self.read),
        };
        Error::Input {
            file: self.path.display().to_string(),
            message: format!("{at}: {message}"),
        }
    }

    /// Reads the next row's cells into `rec`; false at the end.
    pub fn read_record(&mut self, rec: &mut StringRecord) -> Result<bool, Error> {
        let more = match &mut self.rows {
            Source::Csv(r) => r.read_record(rec).map_err(|e| e.to_string()),
            Source::Parquet(r) => r.read_record(rec),
        };
        self.read += 1;
        more.map_err(|e| self.err(e))
    }

    /// The next row as `R`, None at the end.
    pub fn next_row<R: Row>(&mut self, rec: &mut StringRecord) -> Option<Result<R, Error>> {
        match self.read_record(rec) {
            Ok(false) => None,
            Err(e) => Some(Err(e)),
            Ok(true) => Some(self.decode(rec)),
        }
    }

    fn decode<R: Row>(&self, rec: &StringRecord) -> Result<R, Error> {
        let mut row: R = rec.deserialize(Some(&self.headers)).map_err(|e| self.err(e))?;
        row.finish(&self.headers, rec).map_err(|e| self.err(e))?;
        Ok(row)
    }

    /// Every row as `R`.
    pub fn rows<R: Row>(mut self) -> Result<Vec<R>, Error> {
        let mut rec = StringRecord::new();
        let mut out = Vec::new();
        while let Some(row) = self.next_row(&mut rec) {
            out.push(row?);
        }
        Ok(out)
    }
}

/// Every row of output `R` in the run in `dir`, written in `format`.
pub fn read_all<R: Row>(dir: &Path, format: Format) -> Result<Vec<R>, Error> {
    TableReader::open(dir, R::FILE, format)?.rows()
}
