//! Saved HTML pages: the text a browser would show, for the page layouts to read, and the
//! page's own address.
//!
//! The document is parsed by `scraper` (html5ever, the HTML5 parsing algorithm browsers use),
//! so entities, unclosed tags and stray markup are read as a browser reads them. The text is
//! made as a browser's "copy all" makes it: block elements and `<br>` break lines, a list item
//! begins with a bullet, runs of white space are one space (but in `<pre>`). Dropped: what a
//! reader never sees (`<head>`, scripts, styles, templates, elements hidden by `hidden`,
//! `aria-hidden="true"` or an inline `display:none` / `visibility:hidden`), controls (buttons,
//! inputs, selects) and the page's chrome around the results: navigation, asides, dialogs
//! (cookie banners) and a header or footer that is not inside an article, list item, section
//! or `<main>`.

use ego_tree::iter::Edge;
use scraper::{ElementRef, Html, Node, Selector};

/// Elements whose text is dropped with everything inside them.
const DROPPED: &[&str] = &[
    "head", "script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas", "button", "input",
    "select", "textarea", "nav", "aside", "dialog", "menu",
];
/// ARIA roles of page chrome, dropped like the elements above.
const CHROME_ROLES: &[&str] = &[
    "navigation",
    "banner",
    "contentinfo",
    "dialog",
    "alertdialog",
    "search",
    "complementary",
];
/// Elements that begin and end a line of text.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "blockquote",
    "body",
    "caption",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "html",
    "legend",
    "li",
    "main",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
];

/// A parsed HTML page.
pub struct Page {
    doc: Html,
}

impl Page {
    /// Parses `html` (never fails: HTML5 parsing recovers from anything).
    pub fn parse(html: &str) -> Page {
        Page {
            doc: Html::parse_document(html),
        }
    }

    /// The text a browser would show, one block a paragraph (blocks separated by a blank line,
    /// as the text pages concord reads are).
    pub fn text(&self) -> String {
        let mut out = Text::default();
        let mut skip: Option<ego_tree::NodeId> = None;
        let mut pre = 0usize;
        for edge in self.doc.root_element().traverse() {
            match edge {
                Edge::Open(node) => {
                    if skip.is_some() {
                        continue;
                    }
                    match node.value() {
                        Node::Text(t) => out.push(t, pre > 0),
                        Node::Element(e) => {
                            let Some(el) = ElementRef::wrap(node) else { continue };
                            if dropped(el) {
                                skip = Some(node.id());
                                continue;
                            }
                            let name = e.name();
                            if name == "pre" {
                                pre += 1;
                            }
                            match name {
                                "br" => out.newline(),
                                "li" => {
                                    out.paragraph();
                                    out.raw("• ");
                                }
                                "td" | "th" => out.paragraph(),
                                n if BLOCKS.contains(&n) => out.paragraph(),
                                _ => {}
                            }
                        }
                        _ => {}
                    }
                }
                Edge::Close(node) => {
                    if skip == Some(node.id()) {
                        skip = None;
                        continue;
                    }
                    if skip.is_some() {
                        continue;
                    }
                    if let Node::Element(e) = node.value() {
                        if e.name() == "pre" {
                            pre = pre.saturating_sub(1);
                        }
                        if BLOCKS.contains(&e.name()) {
                            out.paragraph();
                        }
                    }
                }
            }
        }
        out.finish()
    }

    /// The page's address, where the file says it: `<link rel="canonical">`, `<meta
    /// property="og:url">`, the `saved from url=` comment a browser writes when it saves a
    /// page, or `<base href>`, in that order.
    pub fn address(&self) -> Option<String> {
        let attr = |css: &str, name: &str| {
            let selector = Selector::parse(css).ok()?;
            (self.doc.select(&selector))
                .filter_map(|e| e.value().attr(name))
                .map(str::trim)
                .find(|v| !v.is_empty())
                .map(str::to_string)
        };
        attr("link[rel~=canonical]", "href")
            .or_else(|| attr("meta[property='og:url']", "content"))
            .or_else(|| self.saved_from())
            .or_else(|| attr("base[href]", "href"))
    }

    /// The records a layout's CSS selectors pick: each `record` element's date, title and
    /// description (the text of the first element each selector picks within it, white space
    /// collapsed). None when `record` picks nothing: the layout does not fit the page.
    pub fn records(&self, s: &crate::rules::HtmlSelectors) -> Option<Vec<Picked>> {
        let within = |css: &Option<String>| css.as_deref().and_then(|c| Selector::parse(c).ok());
        let record = Selector::parse(&s.record).ok()?;
        let (date, title, description) = (within(&s.date), within(&s.title), within(&s.description));
        let pick = |el: ElementRef, sel: &Option<Selector>| {
            sel.as_ref()
                .and_then(|sel| el.select(sel).next())
                .map(element_text)
                .filter(|t| !t.is_empty())
        };
        let picked: Vec<Picked> = (self.doc.select(&record))
            .filter(|el| !dropped(*el))
            .map(|el| Picked {
                date: pick(el, &date),
                title: pick(el, &title).unwrap_or_default(),
                description: pick(el, &description),
            })
            .collect();
        (!picked.is_empty()).then_some(picked)
    }

    /// The address in a `<!-- saved from url=(0042)https://... -->` comment.
    fn saved_from(&self) -> Option<String> {
        self.doc.tree.nodes().find_map(|n| {
            let Node::Comment(c) = n.value() else { return None };
            let rest = c.split_once("saved from url=")?.1.trim_start();
            // The length in parentheses is optional in the wild.
            let rest = match rest.strip_prefix('(') {
                Some(r) => r.split_once(')')?.1,
                None => rest,
            };
            let url: String = rest.chars().take_while(|c| !c.is_whitespace()).collect();
            (!url.is_empty()).then_some(url)
        })
    }
}

/// A record as a layout's CSS selectors picked it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picked {
    /// Its date, as written.
    pub date: Option<String>,
    /// Its title (empty: none).
    pub title: String,
    /// Its description.
    pub description: Option<String>,
}

/// The text of `el` (but its scripts and styles), white space collapsed.
fn element_text(el: ElementRef) -> String {
    let mut words: Vec<&str> = Vec::new();
    for node in el.descendants() {
        if let Node::Text(t) = node.value() {
            let inside_code = node
                .ancestors()
                .filter_map(ElementRef::wrap)
                .any(|a| matches!(a.value().name(), "script" | "style" | "template"));
            if !inside_code {
                words.extend(t.split_whitespace());
            }
        }
    }
    words.join(" ")
}

/// Whether element `e` and all it holds are left out of the text.
fn dropped(e: ElementRef) -> bool {
    let v = e.value();
    if DROPPED.contains(&v.name()) || v.attr("hidden").is_some() {
        return true;
    }
    if v.attr("aria-hidden")
        .is_some_and(|a| a.trim().eq_ignore_ascii_case("true"))
    {
        return true;
    }
    if v.attr("role")
        .is_some_and(|r| CHROME_ROLES.contains(&r.trim().to_ascii_lowercase().as_str()))
    {
        return true;
    }
    if let Some(style) = v.attr("style") {
        let style: String = style
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        if style.contains("display:none") || style.contains("visibility:hidden") {
            return true;
        }
    }
    // A page's header and footer are chrome; an article's or a result's are not.
    if matches!(v.name(), "header" | "footer") {
        let inside_content = e
            .ancestors()
            .filter_map(ElementRef::wrap)
            .any(|a| matches!(a.value().name(), "article" | "li" | "section" | "main"));
        return !inside_content;
    }
    false
}

/// The text being made: lines of words with single spaces, paragraphs apart by one blank line.
#[derive(Default)]
struct Text {
    out: String,
}

impl Text {
    /// Text of a text node; white space collapsed unless `pre`.
    fn push(&mut self, t: &str, pre: bool) {
        if pre {
            self.out.push_str(t);
            return;
        }
        for (i, word) in t.split(|c: char| c.is_ascii_whitespace()).enumerate() {
            if i > 0 && !self.at_line_start() && !self.out.ends_with(' ') {
                self.out.push(' ');
            }
            if !word.is_empty() {
                if t.starts_with(|c: char| c.is_ascii_whitespace()) && i == 0 {
                    self.space();
                }
                self.out.push_str(word);
            }
        }
    }

    fn space(&mut self) {
        if !self.at_line_start() && !self.out.ends_with(' ') {
            self.out.push(' ');
        }
    }

    fn raw(&mut self, s: &str) {
        self.out.push_str(s);
    }

    fn at_line_start(&self) -> bool {
        self.out.is_empty() || self.out.ends_with('\n')
    }

    fn trim_end_spaces(&mut self) {
        let kept = self.out.trim_end_matches(' ').len();
        self.out.truncate(kept);
    }

    fn newline(&mut self) {
        self.trim_end_spaces();
        self.out.push('\n');
    }

    /// Ends the line and leaves one blank line (once, however many blocks end here).
    fn paragraph(&mut self) {
        self.trim_end_spaces();
        if self.out.is_empty() || self.out.ends_with("\n\n") {
            return;
        }
        // A list item's bullet with nothing after it yet stays on its line.
        if self.out.ends_with("• ") {
            return;
        }
        self.out.push_str(if self.out.ends_with('\n') { "\n" } else { "\n\n" });
    }

    fn finish(mut self) -> String {
        self.paragraph();
        let lines: Vec<&str> = self.out.lines().map(str::trim_end).collect();
        let mut text = String::with_capacity(self.out.len());
        let mut blank = 0;
        for line in lines {
            blank = if line.is_empty() { blank + 1 } else { 0 };
            if blank <= 1 {
                text.push_str(line);
                text.push('\n');
            }
        }
        match text.trim_matches('\n') {
            "" => String::new(),
            t => format!("{t}\n"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_break_lines_and_chrome_and_hidden_text_are_dropped() {
        let html = r#"<!DOCTYPE html><html><head><title>T</title><style>p{}</style></head><body>
            <nav><a href="/">Home</a></nav><header>Site name</header>
            <div role="dialog" class="cookies">We use cookies <button>OK</button></div>
            <main><p>1 - 2 of 2</p><ul>
              <li><span>May 15, 1949</span><h3>Telegram, Shtykov&nbsp;to   Vyshinsky</h3><p>Shtykov &amp; Kim.<br>Second line</p></li>
              <li hidden>Hidden</li><li style="display: none">Gone</li>
            </ul></main><script>var x = "<p>no</p>";</script>
            <footer>© 2024</footer></body></html>"#;
        let text = Page::parse(html).text();
        assert_eq!(
            text,
            "1 - 2 of 2\n\n• May 15, 1949\n\nTelegram, Shtykov\u{a0}to Vyshinsky\n\nShtykov & Kim.\nSecond line\n"
        );
    }

    #[test]
    fn the_address_comes_from_each_of_its_four_places_in_order() {
        let canonical = r#"<link rel="canonical" href="https://a.example/s?page=2"><meta property="og:url" content="https://b.example/">"#;
        assert_eq!(
            Page::parse(canonical).address().as_deref(),
            Some("https://a.example/s?page=2")
        );
        let og = r#"<base href="https://d.example/"><meta property="og:url" content=" https://b.example/x ">"#;
        assert_eq!(Page::parse(og).address().as_deref(), Some("https://b.example/x"));
        let saved = "<!-- saved from url=(0029)https://c.example/s?start=10 -->\n<html><body>x</body></html>";
        assert_eq!(
            Page::parse(saved).address().as_deref(),
            Some("https://c.example/s?start=10")
        );
        let base = r#"<html><head><base href="https://d.example/q"></head></html>"#;
        assert_eq!(Page::parse(base).address().as_deref(), Some("https://d.example/q"));
        assert_eq!(Page::parse("<p>no address</p>").address(), None);
    }
}
