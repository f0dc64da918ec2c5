-- Neovim 0.11+ without the plugin's Lua: only lsp/tftsr.lua (vim.lsp.config) and
-- ftdetect/tftsr.vim from this repository on the runtimepath, as a user who writes
--   vim.lsp.enable('tftsr')
-- gets them. Run by nvim/run.sh with a `tftsr` on PATH and a .log file opened after this.
-- Needs E2E_FIXTURE. Exits 0 on success, 1 on failure.
local fx = vim.fn.json_decode(table.concat(vim.fn.readfile(assert(os.getenv('E2E_FIXTURE'))), '\n'))
local file = assert(os.getenv('E2E_LOG'), 'E2E_LOG not set')
local progress = dofile(vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':h') .. '/progress.lua')
local function check(cond, ...) if not cond then error(string.format(...), 0) end end
local ok, err = xpcall(function()
  check(vim.lsp.config and vim.lsp.enable, 'not Neovim 0.11+: %s', tostring(vim.version()))
  -- a user override on top of lsp/tftsr.lua, merged by vim.lsp.config
  vim.lsp.config('tftsr', { settings = { tftsr = { disabledTypes = { 'password' } } } })
  check(vim.deep_equal(vim.lsp.config.tftsr.cmd, { 'tftsr', 'lsp' }), 'cmd %s', vim.inspect(vim.lsp.config.tftsr.cmd))
  vim.lsp.enable('tftsr')
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  check(vim.bo[buf].filetype == 'log', 'ftdetect/tftsr.vim did not give filetype log: %q', vim.bo[buf].filetype)
  local want = 0
  for _, f in ipairs(fx.findings) do if f.type ~= 'password' then want = want + 1 end end
  progress.wait(function() return #vim.diagnostic.get(buf) == want end, want .. ' diagnostics')
  local clients = vim.lsp.get_clients({ bufnr = buf })
  check(#clients == 1 and clients[1].name == 'tftsr', 'clients %s', vim.inspect(vim.tbl_map(function(c) return c.name end, clients)))
  check(#vim.diagnostic.get(buf) == want, 'want %d diagnostics (password disabled), got %d', want, #vim.diagnostic.get(buf))
  for _, d in ipairs(vim.diagnostic.get(buf)) do check(d.code ~= 'password', 'a password finding although disabled') end
  check(clients[1].offset_encoding == 'utf-8', 'offset encoding %s: Neovim 0.11 offers utf-8', clients[1].offset_encoding)
  check(clients[1].root_dir == vim.fn.fnamemodify(file, ':p:h'), 'root_dir %s (the .tftsr.toml directory expected)',
    tostring(clients[1].root_dir))
  io.stdout:write(('lsp/tftsr.lua (nvim %s): vim.lsp.enable attached, %d diagnostics in utf-8, root %s\n'):format(
    tostring(vim.version()), want, clients[1].root_dir))
end, debug.traceback)
if not ok then io.stdout:write('FAIL (lsp/tftsr.lua): ' .. tostring(err) .. '\n') end
for _, c in ipairs(vim.lsp.get_clients()) do c:stop(true) end
pcall(progress.wait, function() return #vim.lsp.get_clients() == 0 end, 'the server to stop')
vim.cmd(ok and 'qall!' or 'cquit 1')
