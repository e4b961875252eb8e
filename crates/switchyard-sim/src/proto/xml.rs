//! XML for the REST-XML (Route 53, CloudFront) and query (ELBv2, STS) protocols: a small writer,
//! and a plain element tree for parsed request bodies and for configs kept verbatim.

/// Escapes text for an XML element or attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters other than tab and newlines are not allowed in XML 1.0 even as
            // references; AWS returns them as character references, and so do we for the legal ones.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
    out
}

/// Builds an XML document element by element.
#[derive(Default)]
pub struct XmlWriter {
    buf: String,
}

impl XmlWriter {
    pub fn new() -> XmlWriter {
        XmlWriter {
            buf: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
        }
    }

    /// Opens the root element with a namespace.
    pub fn root(&mut self, name: &str, xmlns: &str) -> &mut Self {
        self.buf.push_str(&format!("<{name} xmlns=\"{xmlns}\">"));
        self
    }

    pub fn open(&mut self, name: &str) -> &mut Self {
        self.buf.push('<');
        self.buf.push_str(name);
        self.buf.push('>');
        self
    }

    pub fn close(&mut self, name: &str) -> &mut Self {
        self.buf.push_str("</");
        self.buf.push_str(name);
        self.buf.push('>');
        self
    }

    /// An element holding text.
    pub fn leaf(&mut self, name: &str, text: impl AsRef<str>) -> &mut Self {
        self.open(name);
        self.buf.push_str(&escape(text.as_ref()));
        self.close(name)
    }

    /// An element holding text, left out when there is none.
    pub fn leaf_opt(&mut self, name: &str, text: Option<impl AsRef<str>>) -> &mut Self {
        if let Some(text) = text {
            self.leaf(name, text);
        }
        self
    }

    /// A list wrapped in `wrapper`, one `item` element per value.
    pub fn list(&mut self, wrapper: &str, item: &str, values: &[String]) -> &mut Self {
        self.open(wrapper);
        for v in values {
            self.leaf(item, v);
        }
        self.close(wrapper)
    }

    /// Writes an element tree as it is.
    pub fn element(&mut self, el: &XmlEl) -> &mut Self {
        el.write_into(&mut self.buf);
        self
    }

    pub fn finish(self) -> String {
        self.buf
    }
}

/// A plain XML element: name, text and children. Attributes and namespaces are not kept, as AWS
/// request bodies carry none that matter.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct XmlEl {
    pub name: String,
    pub text: String,
    pub children: Vec<XmlEl>,
}

impl XmlEl {
    pub fn new(name: &str) -> XmlEl {
        XmlEl {
            name: name.to_string(),
            ..XmlEl::default()
        }
    }

    /// An element that holds only text.
    pub fn leaf(name: &str, text: impl Into<String>) -> XmlEl {
        XmlEl {
            name: name.to_string(),
            text: text.into(),
            children: Vec::new(),
        }
    }

    pub fn child(mut self, el: XmlEl) -> XmlEl {
        self.children.push(el);
        self
    }

    pub fn push(&mut self, el: XmlEl) {
        self.children.push(el);
    }

    /// Parses a document into its root element.
    pub fn parse(body: &[u8]) -> Result<XmlEl, String> {
        let text =
            std::str::from_utf8(body).map_err(|_| "request body is not UTF-8".to_string())?;
        let doc = roxmltree::Document::parse(text).map_err(|e| format!("malformed XML: {e}"))?;
        Ok(XmlEl::from_node(doc.root_element()))
    }

    fn from_node(node: roxmltree::Node<'_, '_>) -> XmlEl {
        let mut el = XmlEl::new(node.tag_name().name());
        for child in node.children() {
            if child.is_element() {
                el.children.push(XmlEl::from_node(child));
            } else if child.is_text() {
                el.text.push_str(child.text().unwrap_or_default());
            }
        }
        if !el.children.is_empty() && el.text.trim().is_empty() {
            el.text.clear();
        }
        el
    }

    /// The first child with this name.
    pub fn get(&self, name: &str) -> Option<&XmlEl> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut XmlEl> {
        self.children.iter_mut().find(|c| c.name == name)
    }

    /// The element at a path of child names.
    pub fn at(&self, path: &[&str]) -> Option<&XmlEl> {
        path.iter().try_fold(self, |el, name| el.get(name))
    }

    /// The text of the element at a path of child names.
    pub fn text_at(&self, path: &[&str]) -> Option<&str> {
        self.at(path).map(|el| el.text.as_str())
    }

    /// The children with this name.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a XmlEl> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The texts of the children of the element at `path`.
    pub fn texts_at(&self, path: &[&str]) -> Vec<String> {
        self.at(path)
            .map(|el| el.children.iter().map(|c| c.text.clone()).collect())
            .unwrap_or_default()
    }

    /// Replaces or adds the child with this name.
    pub fn set(&mut self, el: XmlEl) {
        match self.children.iter_mut().find(|c| c.name == el.name) {
            Some(existing) => *existing = el,
            None => self.children.push(el),
        }
    }

    pub fn to_xml(&self) -> String {
        let mut out = String::new();
        self.write_into(&mut out);
        out
    }

    fn write_into(&self, out: &mut String) {
        out.push('<');
        out.push_str(&self.name);
        out.push('>');
        out.push_str(&escape(&self.text));
        for c in &self.children {
            c.write_into(out);
        }
        out.push_str("</");
        out.push_str(&self.name);
        out.push('>');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_write_round_trip() {
        let xml =
            br#"<?xml version="1.0"?><A xmlns="urn:x"><B>1 &amp; 2</B><C><D>x</D><D>y</D></C></A>"#;
        let el = XmlEl::parse(xml).unwrap();
        assert_eq!(el.text_at(&["B"]), Some("1 & 2"));
        assert_eq!(el.texts_at(&["C"]), vec!["x", "y"]);
        assert_eq!(
            el.to_xml(),
            "<A><B>1 &amp; 2</B><C><D>x</D><D>y</D></C></A>"
        );
    }

    #[test]
    fn malformed_xml_is_an_error() {
        assert!(XmlEl::parse(b"<A><B></A>").is_err());
    }

    #[test]
    fn escape_handles_markup_and_control_characters() {
        assert_eq!(
            escape("<a b='c'>&\u{1}"),
            "&lt;a b=&apos;c&apos;&gt;&amp;\u{FFFD}"
        );
    }
}
