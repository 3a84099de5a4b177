//! Command templates (minijinja). Every interpolated value is shell-quoted
//! unless marked `| raw`, so an inventory value can never inject shell.
