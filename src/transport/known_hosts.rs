//! known_hosts parsed once into memory, matched the way OpenSSH does.
