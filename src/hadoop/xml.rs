//! Hadoop `*-site.xml` files, written by a real XML writer so any value
//! (an override with `<`, `&` or quotes) comes out well-formed.

use std::collections::BTreeMap;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesPI, BytesStart, BytesText, Event};

/// One property: its value and, for defaults that need a reason, a
/// `<description>` so whoever reads the file on the host sees why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prop {
    pub value: String,
    pub note: Option<&'static str>,
}

/// Property name -> property; the map's order (by name) is the file's order,
/// so the output is stable and diffs stay small.
pub type Props = BTreeMap<String, Prop>;

pub const HEADER: &str =
    "Written by herd from the cluster inventory; edits here are replaced by `herd config push`.";

/// The `<configuration>` document for `props`.
pub fn site_xml(props: &Props) -> Vec<u8> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    // Writing to a Vec cannot fail; the results are io::Result only by type.
    let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    let _ = w.write_event(Event::PI(BytesPI::new(
        r#"xml-stylesheet type="text/xsl" href="configuration.xsl""#,
    )));
    let _ = w.write_event(Event::Comment(BytesText::new(&format!(" {HEADER} "))));
    let _ = w.write_event(Event::Start(BytesStart::new("configuration")));
    for (name, prop) in props {
        let _ = w.write_event(Event::Start(BytesStart::new("property")));
        let _ = w
            .create_element("name")
            .write_text_content(BytesText::new(name));
        let _ = w
            .create_element("value")
            .write_text_content(BytesText::new(&prop.value));
        if let Some(note) = prop.note {
            let _ = w
                .create_element("description")
                .write_text_content(BytesText::new(note));
        }
        let _ = w.write_event(Event::End(BytesEnd::new("property")));
    }
    let _ = w.write_event(Event::End(BytesEnd::new("configuration")));
    let mut out = w.into_inner();
    out.push(b'\n');
    out
}
