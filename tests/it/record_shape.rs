//! One record shape over a schema (issue "One engine", point 1): a page record and a table
//! row come out of their readers and of normalization as the same types, their fields in
//! their schema's order; the page blocking rules are data in `rules/default.toml`.

use concord::Rules;
use concord::linkage::block;
use concord::normalize;
use concord::record::{Provenance, RawRecord, Record, Value};
use concord::schema::{Role, Schema};
use concord::source::{page, table};

const PAGE: &str = "1 - 2 of 2\n\nSeptember 6, 1952\n\nTelegram No. 25553 from Zhou Enlai\n\nZhou asks about the talks.\n\nSeptember 7, 1952\n\nLetter to Molotov\n";

fn person_rules() -> Rules {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/person.toml");
    Rules::load(&path).expect("rules/person.toml loads")
}

/// The text of field `name` of a record under `schema`.
fn text<'r>(r: &'r Record, schema: &Schema, name: &str) -> Option<&'r str> {
    r.text(schema.index(name)?).map(|t| &*t.key)
}

#[test]
fn a_page_record_and_a_table_row_are_one_shape_with_fields_by_schema() {
    let rules = Rules::builtin();
    let parsed = page::parse("p.txt", PAGE, &rules.compile_pages().unwrap());
    let raw = parsed.records[0].clone();
    let schema = Schema::page();
    // The raw page record holds its fields as written, in page-schema order.
    assert_eq!(raw.fields.len(), schema.fields.len());
    assert_eq!(
        raw.fields[schema.index("date").unwrap()].as_deref(),
        Some("September 6, 1952")
    );
    assert_eq!(raw.title(), "Telegram No. 25553 from Zhou Enlai");
    assert_eq!(raw.description(), Some("Zhou asks about the talks."));
    let r = normalize::prepare(raw, 0);
    assert_eq!(r.values.len(), schema.fields.len());
    assert_eq!(text(&r, schema, "title"), Some("telegram no 25553 from zhou enlai"));
    assert_eq!(r.title_key(), text(&r, schema, "title").unwrap());
    assert_eq!(r.title_numbers(), ["25553".to_string()]);
    assert_eq!(r.date().map(|d| d.to_string()).as_deref(), Some("1952-09-06"));
    assert_eq!(schema.role(Role::Title), schema.index("title"));

    // A CSV row: the same RawRecord and Record types, fields in the mapping's order.
    let person = person_rules();
    let mapping = person.table.as_ref().unwrap();
    let columns: Vec<&str> = mapping.fields.iter().map(|f| f.column()).collect();
    let csv = format!(
        "rec_id,{}\nr1,{}\n",
        columns.join(","),
        vec!["Ann"; columns.len()].join(",")
    );
    let rows = table::parse_csv("t.csv", csv.as_bytes(), mapping).unwrap();
    let raw_row = rows.records[0].clone();
    let table_schema = Schema::of_table(mapping);
    assert_eq!(raw_row.fields.len(), table_schema.fields.len());
    let (row, _) = normalize::prepare_row(raw_row, 0, mapping);
    assert_eq!(row.values.len(), table_schema.fields.len());
    let first = &table_schema.fields[0];
    assert_eq!(text(&row, &table_schema, &first.name), Some("ann"), "{:?}", row.values);
    // The page accessors answer only for page records: a row's second field is no title.
    assert_eq!(row.raw.title(), "");
    assert_eq!(row.title_key(), "");
    assert_eq!(row.date(), None);
    assert!(r.raw.is_page() && !row.raw.is_page());
    // One fingerprint recipe: a page record's fingerprint is its values' keys.
    let keys: Vec<String> = r
        .values
        .iter()
        .map(|v| v.as_ref().map(Value::key).unwrap_or_default())
        .collect();
    assert_eq!(r.fingerprint, concord::record::Fingerprint::of(&keys));
}

/// Two pages: a dated record, and an undated copy of its title on another page.
fn dated_and_undated() -> Vec<Record> {
    let on = |file: &str| Provenance {
        file: file.into(),
        position: 1,
        line: 1,
        layout: "plain".into(),
        page: None,
    };
    let title = "Telegram from Zhou Enlai to Molotov".to_string();
    let raws = [
        RawRecord::page(on("a.txt"), Some("September 6, 1952".into()), title.clone(), None),
        RawRecord::page(on("b.txt"), None, title, Some("Zhou asks.".into())),
    ];
    let records: Vec<Record> = raws
        .into_iter()
        .enumerate()
        .map(|(p, raw)| normalize::prepare(raw, p as u32))
        .collect();
    assert_eq!(records[1].date(), None);
    records
}

fn with_user_file(text: &str) -> Result<Rules, concord::Error> {
    Rules::from_layers(&[
        ("rules/default.toml", concord::rules::DEFAULT_RULES),
        ("mine.toml", text),
    ])
}

#[test]
fn page_blocking_rules_come_from_the_rules_file() {
    let records = dated_and_undated();
    // Built in: date, then title_token, which pairs the undated copy with the dated record.
    let builtin = Rules::builtin();
    let names: Vec<&str> = builtin.blocking.rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["date", "title_token"]);
    let b = block::block(&records, &builtin.blocking);
    assert_eq!(b.pairs.len(), 1);
    assert_eq!(b.stats[b.pairs[0].block as usize].rule.as_str(), "title_token");

    // A user file that lists only the date rule turns title_token off: no pair.
    let date_only =
        with_user_file("[[blocking.rules]]\nname = \"date\"\nkind = \"compatible_dates\"\nfield = \"date\"\n").unwrap();
    assert!(block::block(&records, &date_only.blocking).pairs.is_empty());

    // Renamed, the rule writes its own name to blocks.csv and decisions.csv.
    let renamed =
        with_user_file("[[blocking.rules]]\nname = \"rare_title\"\nkind = \"rare_tokens\"\nfield = \"title\"\n")
            .unwrap();
    let b = block::block(&records, &renamed.blocking);
    assert_eq!(b.pairs.len(), 1);
    assert_eq!(b.stats[b.pairs[0].block as usize].rule.as_str(), "rare_title");
}

#[test]
fn a_bad_blocking_rule_is_an_error_naming_its_key() {
    let rule = |kind: &str, field: &str| {
        format!(
            "[[blocking.rules]]\nname = \"date\"\nkind = \"compatible_dates\"\nfield = \"date\"\n[[blocking.rules]]\nname = \"x\"\nkind = \"{kind}\"\nfield = \"{field}\"\n"
        )
    };
    let err = with_user_file(&rule("soundex", "title")).unwrap_err().to_string();
    assert!(err.contains("mine.toml"), "{err}");
    assert!(err.contains("blocking.rules[1] (\"x\").kind"), "{err}");
    assert!(
        err.contains("\"soundex\"") && err.contains("compatible_dates, rare_tokens"),
        "{err}"
    );
    let err = with_user_file(&rule("rare_tokens", "author")).unwrap_err().to_string();
    assert!(
        err.contains("blocking.rules[1] (\"x\").field") && err.contains("\"author\""),
        "{err}"
    );
    assert!(err.contains("date, title, description"), "{err}");
    // Tokens of a date field make no block: the kind and the field's kind must fit.
    let err = with_user_file(&rule("rare_tokens", "date")).unwrap_err().to_string();
    assert!(err.contains("rare_tokens rule blocks on a Text field"), "{err}");
}
