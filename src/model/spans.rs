//! Line and column of every node of a YAML document, by field path.
