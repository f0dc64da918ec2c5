//! `tftsr.db`: the SQLCipher-encrypted incident store (migrations, models, queries, key handling).
