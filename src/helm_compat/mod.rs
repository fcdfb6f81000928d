//! Byte-exact reproductions of Helm/Sprig text behaviour needed for compatibility.
