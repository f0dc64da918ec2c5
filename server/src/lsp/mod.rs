//! The language server (`tftsr lsp`): documents, positions, diagnostics, code actions, commands.
