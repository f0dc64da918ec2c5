//! Properties of position conversion on real loghub lines with planted values, accents, CJK,
//! emoji and CRLF/CR line ends (proptest): every char boundary converts to the reference
//! (line, UTF-16 column) and (line, UTF-8 column) and back, through `offset_to_position`, the
//! `Walker` and `position_to_offset`; positions past a line's end clamp, positions inside a
//! character or past the last line are errors. (The `position` fuzz target checks the same on
//! arbitrary bytes; edit-sequence properties of the document model are lane `lsp`'s.)

use proptest::prelude::*;

use crate::fuzz_server::check_position;
use crate::planted_text::recipe;

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn positions_round_trip_in_utf16_and_utf8(r in recipe(12, 6)) {
        // Besides every char boundary, `check_position` tries the (line, column) pairs that the
        // text's own first bytes spell.
        check_position(r.text().as_bytes());
    }
}
