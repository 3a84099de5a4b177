//! Line and column of every node of a YAML document, by field path.
//!
//! serde_yaml keeps no positions once a document is a `Value`, so a second,
//! event-level pass with yaml-rust2 records where each path starts. Paths are
//! written the way errors print them: `hosts[1].roles[0]`, the root is `""`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use super::Location;

/// Positions of the values and mapping keys of one YAML document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spans {
    file: PathBuf,
    /// Path -> (line, column) of the value, both 1-based.
    values: HashMap<String, (usize, usize)>,
    /// Path -> (line, column) of the key that introduces the value.
    keys: HashMap<String, (usize, usize)>,
}

impl Spans {
    /// Index `text`. A document yaml-rust2 cannot parse yields an empty index
    /// (serde_yaml reports the syntax error itself).
    pub fn index(text: &str, file: &Path) -> Spans {
        let mut builder = Builder::default();
        let mut parser = Parser::new_from_str(text);
        let _ = parser.load(&mut builder, false);
        Spans {
            file: file.to_path_buf(),
            values: builder.values,
            keys: builder.keys,
        }
    }

    pub fn file(&self) -> &Path {
        &self.file
    }

    /// Where the value at `path` starts.
    pub fn value(&self, path: &str) -> Option<Location> {
        self.values
            .get(path)
            .map(|&(line, column)| self.at(line, column))
    }

    /// Where the key of the entry at `path` starts (falls back to the value).
    pub fn key(&self, path: &str) -> Option<Location> {
        self.keys
            .get(path)
            .map(|&(line, column)| self.at(line, column))
            .or_else(|| self.value(path))
    }

    /// The value at `path`, or else its closest recorded ancestor: values that
    /// came through an alias or a default have no position of their own.
    pub fn nearest(&self, path: &str) -> Option<Location> {
        let mut p = path;
        loop {
            if let Some(loc) = self.value(p) {
                return Some(loc);
            }
            if p.is_empty() {
                return None;
            }
            p = parent(p);
        }
    }

    pub fn contains(&self, path: &str) -> bool {
        self.values.contains_key(path)
    }

    fn at(&self, line: usize, column: usize) -> Location {
        Location {
            file: self.file.clone(),
            line,
            column,
        }
    }
}

/// `a.b[2]` -> `a.b`, `a.b` -> `a`, `a` -> ``.
fn parent(path: &str) -> &str {
    if path.ends_with(']')
        && let Some(i) = path.rfind('[')
    {
        return &path[..i];
    }
    match path.rfind('.') {
        Some(i) => &path[..i],
        None => "",
    }
}

/// Join a mapping key onto a path.
pub(crate) fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Join a sequence index onto a path.
pub(crate) fn item(path: &str, index: usize) -> String {
    format!("{path}[{index}]")
}

enum Frame {
    /// `path` is None inside a complex (non-scalar) key, which has no path.
    /// `fresh` until the first key: yaml-rust2 marks a block mapping at its
    /// first ':', so the first key's position stands in for the mapping's.
    Map {
        path: Option<String>,
        key: Option<String>,
        expecting_key: bool,
        fresh: bool,
    },
    Seq {
        path: Option<String>,
        next: usize,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    values: HashMap<String, (usize, usize)>,
    keys: HashMap<String, (usize, usize)>,
    done: bool,
}

impl Builder {
    /// Decide what the node starting here is, and return its path if it is a value.
    fn begin_node(&mut self, scalar: Option<&str>, mark: Marker) -> Option<Option<String>> {
        let pos = (mark.line(), mark.col() + 1);
        match self.stack.last_mut() {
            None => {
                self.values.insert(String::new(), pos);
                Some(Some(String::new()))
            }
            Some(Frame::Map {
                path,
                key,
                expecting_key,
                fresh,
            }) => {
                if *expecting_key {
                    *expecting_key = false;
                    if std::mem::take(fresh)
                        && let Some(p) = path.as_ref()
                    {
                        self.values.insert(p.clone(), pos);
                    }
                    *key = scalar.map(str::to_string);
                    if let (Some(p), Some(k)) = (path.as_ref(), scalar) {
                        self.keys.insert(child(p, k), pos);
                    }
                    // A complex key's own nodes get no path.
                    if scalar.is_none() { Some(None) } else { None }
                } else {
                    *expecting_key = true;
                    let p = match (path.as_ref(), key.as_ref()) {
                        (Some(p), Some(k)) => Some(child(p, k)),
                        _ => None,
                    };
                    if let Some(p) = &p {
                        self.values.insert(p.clone(), pos);
                    }
                    Some(p)
                }
            }
            Some(Frame::Seq { path, next }) => {
                let p = path.as_ref().map(|p| item(p, *next));
                *next += 1;
                if let Some(p) = &p {
                    self.values.insert(p.clone(), pos);
                }
                Some(p)
            }
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.done {
            return;
        }
        match ev {
            Event::Scalar(ref s, ..) => {
                self.begin_node(Some(s), mark);
            }
            Event::Alias(_) => {
                self.begin_node(Some(""), mark);
            }
            Event::SequenceStart(..) => {
                let path = self.begin_node(None, mark).flatten();
                self.stack.push(Frame::Seq { path, next: 0 });
            }
            Event::MappingStart(..) => {
                let path = self.begin_node(None, mark).flatten();
                self.stack.push(Frame::Map {
                    path,
                    key: None,
                    expecting_key: true,
                    fresh: true,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                self.stack.pop();
            }
            Event::DocumentEnd => self.done = true,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_positions() {
        let text = "a: 1\nhosts:\n  - name: x\n    roles: [r1, r2]\n  - name: y\n";
        let s = Spans::index(text, Path::new("f.yaml"));
        let v = |p: &str| s.value(p).map(|l| (l.line, l.column));
        assert_eq!(v("a"), Some((1, 4)));
        assert_eq!(v("hosts[0].name"), Some((3, 11)));
        assert_eq!(v("hosts[0].roles[1]"), Some((4, 17)));
        assert_eq!(v("hosts[1].name"), Some((5, 11)));
        assert_eq!(
            s.key("hosts[0].roles").map(|l| (l.line, l.column)),
            Some((4, 5))
        );
        assert_eq!(
            s.nearest("hosts[1].vars.x").map(|l| (l.line, l.column)),
            Some((5, 5))
        );
        assert_eq!(v(""), Some((1, 1)));
    }
}
