//! The server's commands (`workspace/executeCommand`, docs/lsp-protocol.md "Commands"): one list,
//! from which both the advertised `executeCommandProvider.commands` and the dispatch come, so a
//! command cannot be advertised without being handled or handled without being advertised (the
//! dispatch in `handlers/commands.rs` is an exhaustive `match`).

macro_rules! commands {
    ($($variant:ident => $name:literal,)*) => {
        #[derive(Copy, Clone, Debug, PartialEq, Eq)]
        pub enum Command {
            $($variant,)*
        }

        impl Command {
            /// Every command, in the order they are advertised.
            pub const ALL: &'static [Command] = &[$(Command::$variant,)*];

            /// The name on the wire (`tftsr.scanFile`).
            pub fn name(self) -> &'static str {
                match self {
                    $(Command::$variant => $name,)*
                }
            }
        }
    };
}

commands! {
    CreateIssue => "tftsr.createIssue",
    ListIssues => "tftsr.listIssues",
    SearchIssues => "tftsr.searchIssues",
    GetIssue => "tftsr.getIssue",
    AttachToIssue => "tftsr.attachToIssue",
    RedactDocument => "tftsr.redactDocument",
    ScanFile => "tftsr.scanFile",
    IgnoreValue => "tftsr.ignoreValue",
    DocumentStats => "tftsr.documentStats",
    AiAsk => "tftsr.aiAsk",
    AiListConversations => "tftsr.aiListConversations",
    AiGetConversation => "tftsr.aiGetConversation",
    AiDeleteConversation => "tftsr.aiDeleteConversation",
    AiAcceptWhy => "tftsr.aiAcceptWhy",
    FinalizeIssue => "tftsr.finalizeIssue",
    SetIssueStatus => "tftsr.setIssueStatus",
    DeleteIssue => "tftsr.deleteIssue",
    AddWhy => "tftsr.addWhy",
    ListWhys => "tftsr.listWhys",
    EditWhy => "tftsr.editWhy",
    MoveWhy => "tftsr.moveWhy",
    DeleteWhy => "tftsr.deleteWhy",
    GenerateDocument => "tftsr.generateDocument",
    ListDocuments => "tftsr.listDocuments",
    GetDocument => "tftsr.getDocument",
    UpdateDocument => "tftsr.updateDocument",
    DeleteDocument => "tftsr.deleteDocument",
    ExportDocument => "tftsr.exportDocument",
    ExportIssue => "tftsr.exportIssue",
    ListAudit => "tftsr.listAudit",
    VerifyAudit => "tftsr.verifyAudit",
}

impl Command {
    pub fn from_name(name: &str) -> Option<Command> {
        Command::ALL.iter().copied().find(|c| c.name() == name)
    }

    /// The names to advertise in `initialize`.
    pub fn names() -> Vec<String> {
        Command::ALL.iter().map(|c| c.name().to_owned()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        let names = Command::names();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len());
        for c in Command::ALL {
            assert_eq!(Command::from_name(c.name()), Some(*c));
            assert!(c.name().starts_with("tftsr."));
        }
        assert_eq!(Command::from_name("tftsr.nope"), None);
    }
}
