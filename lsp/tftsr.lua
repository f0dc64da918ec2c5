-- Neovim 0.11+ configuration of the TFTSR language server, found on the runtimepath by
-- vim.lsp.config: with this repository installed as a plugin,
--   vim.lsp.enable('tftsr')
-- starts `tftsr lsp` for buffers of filetype `log` (ftdetect/tftsr.vim gives *.log, *.log.1 …
-- and *.out that filetype). Override any field with vim.lsp.config('tftsr', { … }), e.g.
--   vim.lsp.config('tftsr', { settings = { tftsr = { redactionStyle = 'mask' } } })
-- The settings are the `tftsr` section of docs/lsp-protocol.md. require('tftsr').setup{} reads
-- its defaults from this file too, so both ways start the same server.
return {
  cmd = { 'tftsr', 'lsp' },
  filetypes = { 'log' },
  root_markers = { '.tftsr.toml', '.git' },
  settings = { tftsr = vim.empty_dict() },
}
