-- Run after docs/editors.md's Neovim 0.7 snippet was loaded as init.lua and a .log file opened:
-- the snippet alone must attach `tftsr lsp` and show the fixture's findings.
local progress = dofile(vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':h') .. '/progress.lua')
local fx = vim.fn.json_decode(table.concat(vim.fn.readfile(assert(os.getenv('E2E_FIXTURE'))), '\n'))
local ok, err = pcall(function()
  local buf = vim.api.nvim_get_current_buf()
  assert(vim.bo[buf].filetype == 'log', 'snippet did not set filetype log: ' .. vim.bo[buf].filetype)
  progress.wait(function() return #vim.diagnostic.get(buf) == #fx.findings end,
    #fx.findings .. ' diagnostics through the snippet')
  local clients = vim.lsp.buf_get_clients(buf)
  local names = {}
  for _, c in pairs(clients) do table.insert(names, c.name) end
  assert(#names == 1 and names[1] == 'tftsr', 'attached clients: ' .. vim.inspect(names))
  assert(#vim.diagnostic.get(buf) == #fx.findings,
    ('want %d diagnostics, got %d'):format(#fx.findings, #vim.diagnostic.get(buf)))
  for _, d in ipairs(vim.diagnostic.get(buf)) do assert(d.source == 'tftsr', 'source ' .. tostring(d.source)) end
  io.stdout:write(('docs snippet (nvim 0.7): attached as %s, %d diagnostics\n'):format(names[1], #fx.findings))
end)
if not ok then io.stdout:write('FAIL (docs snippet): ' .. tostring(err) .. '\n') end
vim.lsp.stop_client(vim.lsp.get_active_clients())
pcall(progress.wait, function() return #vim.lsp.get_active_clients() == 0 end, 'the server to stop')
vim.cmd(ok and 'qall!' or 'cquit 1')
