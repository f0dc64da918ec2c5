-- Headless Neovim 0.7.2 end-to-end test of the real `tftsr lsp`.
-- Run by nvim/run.sh: nvim --headless -u NONE -i NONE -n -c 'luafile e2e.lua'
-- Needs SERVER_CMD, E2E_FIXTURE, E2E_WORKDIR (and TFTSR_DATA_DIR/TFTSR_DB_KEY for the store).
-- Exits 0 on success, 1 on any failure (via :cquit); never hangs on a Lua error.
local server_cmd = assert(os.getenv('SERVER_CMD'), 'SERVER_CMD not set')
local fx = vim.fn.json_decode(table.concat(vim.fn.readfile(assert(os.getenv('E2E_FIXTURE'))), '\n'))
local workdir = os.getenv('E2E_WORKDIR') or vim.fn.tempname()
vim.fn.mkdir(workdir, 'p')
local fname = workdir .. '/sample.log'
local lines = fx.lines
vim.fn.writefile(lines, fname)

local progress = dofile(vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':h') .. '/progress.lua')
local raw = {} -- last publishDiagnostics params per uri, exactly as the server sent them
local function log(...) io.stdout:write(string.format(...) .. '\n') end
local function check(cond, ...) if not cond then error(string.format(...), 0) end end
local function plain(s) return (s:gsub('%p', '%%%0')) end

-- the expected buffer after replacing the given findings by their tags
local function redacted(which)
  local out = vim.deepcopy(lines)
  for _, f in ipairs(fx.findings) do
    if which(f) then out[f.line + 1] = out[f.line + 1]:gsub(plain(f.text), (f.tag:gsub('%%', '%%%%')), 1) end
  end
  return out
end

local function main()
  vim.cmd('edit ' .. vim.fn.fnameescape(fname))
  local bufnr = vim.api.nvim_get_current_buf()
  -- -u NONE: no filetype detection; 0.7.2 sends the filetype as languageId
  vim.bo[bufnr].filetype = 'log'
  local uri = vim.uri_from_bufnr(bufnr)
  local t0 = vim.loop.hrtime()
  local client_id = vim.lsp.start_client({
    name = 'tftsr',
    cmd = { '/bin/sh', '-c', 'exec ' .. server_cmd },
    root_dir = workdir,
    -- 0.7.2 negotiates nothing: it offers no positionEncodings and speaks UTF-16 (the default)
    handlers = {
      ['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
        raw[result.uri] = result
        return vim.lsp.handlers['textDocument/publishDiagnostics'](err, result, ctx, config)
      end,
    },
  })
  check(client_id, 'start_client failed')
  check(vim.lsp.buf_attach_client(bufnr, client_id), 'buf_attach_client failed')
  local client = vim.lsp.get_client_by_id(client_id)
  local function request(method, params)
    local done, err, result
    client.request(method, params, function(e, r) done, err, result = true, e, r end, bufnr)
    progress.wait(function() return done or client.is_stopped() end, method .. ' response')
    check(done, '%s: the server stopped before answering', method)
    check(not err, '%s failed: %s', method, vim.inspect(err))
    return result
  end
  local function wait_diags(n, what)
    progress.wait(function() return #vim.diagnostic.get(bufnr) == n or client.is_stopped() end,
      string.format('%d diagnostics (%s)', n, what))
    check(not client.is_stopped(), 'server exited (check SERVER_CMD and its stderr)')
    check(#vim.diagnostic.get(bufnr) == n, '%s: want %d diagnostics, got %d: %s', what, n,
      #vim.diagnostic.get(bufnr), vim.inspect(vim.diagnostic.get(bufnr)))
  end

  -- 1. diagnostics: exactly the fixture's findings, ranges exact on the multi-byte lines
  wait_diags(#fx.findings, 'after didOpen')
  log('%d diagnostics after %.0f ms, offset_encoding=%s', #fx.findings, (vim.loop.hrtime() - t0) / 1e6,
    client.offset_encoding)
  check(client.offset_encoding == 'utf-16', 'nvim 0.7.2 can only speak utf-16, got %s', client.offset_encoding)
  for _, f in ipairs(fx.findings) do
    local hit
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      if d.lnum == f.line and d.code == f.type then
        -- vim.diagnostic columns are 0-based BYTE columns converted by nvim from UTF-16
        local text = lines[f.line + 1]:sub(d.col + 1, d.end_col)
        if text == f.text then hit = d end
      end
    end
    check(hit, 'no %s diagnostic covering exactly %q on line %d (offset-encoding bug?): %s', f.type, f.text,
      f.line, vim.inspect(vim.diagnostic.get(bufnr, { lnum = f.line })))
    local lsp -- the raw LSP diagnostic (vim.diagnostic drops the range)
    for _, d in ipairs(raw[uri].diagnostics) do
      if d.range.start.line == f.line and d.code == f.type and type(d.data) == 'table'
        and d.data.fingerprint == vim.fn.sha256(f.text) then lsp = d end
    end
    check(lsp, 'no raw %s diagnostic on line %d whose data.fingerprint is sha256(value): %s', f.type, f.line,
      vim.inspect(raw[uri].diagnostics))
    check(hit.severity == f.severity, '%s severity %s, want %s', f.type, hit.severity, f.severity)
    check(hit.source == 'tftsr', 'source %q', tostring(hit.source))
    check(hit.end_lnum == f.line, 'multi-line range for %s', f.type)
    check(not hit.message:find(f.text, 1, true), 'message leaks the value: %q', hit.message)
    check(hit.message:find(f.label, 1, true), 'message %q does not name %q', hit.message, f.label)
    check(type(lsp.data) == 'table' and lsp.data.type == f.type, 'data.type: %s', vim.inspect(lsp.data))
    check(lsp.data.fingerprint == vim.fn.sha256(f.text), 'data.fingerprint is not sha256(value)')
    check(not vim.inspect(lsp.data):find(f.text, 1, true), 'data leaks the value')
    -- the raw LSP column must be in UTF-16 code units
    local byte = lines[f.line + 1]:find(f.text, 1, true) - 1
    local _, u16 = vim.str_utfindex(lines[f.line + 1], byte)
    check(lsp.range.start.character == u16, '%s on line %d: server sent character %d, UTF-16 is %d (bytes %d)',
      f.type, f.line, lsp.range.start.character, u16, byte)
    log('ok %-8s line %d utf-16 %d-%d (bytes %d-%d) sev=%d %q', f.type, f.line, lsp.range.start.character,
      lsp.range['end'].character, hit.col, hit.end_col, hit.severity, hit.message)
  end

  -- 2. "Redact <Label>" quickfix on the multi-byte line
  local qf = fx.quickfix
  local target
  for _, d in ipairs(raw[uri].diagnostics) do
    if d.range.start.line == qf.line and d.code == qf.type then target = d end
  end
  local actions = request('textDocument/codeAction', {
    textDocument = { uri = uri }, range = target.range,
    context = { diagnostics = { target }, only = { 'quickfix' } },
  }) or {}
  local titles = {}
  for _, a in ipairs(actions) do table.insert(titles, a.title) end
  log('quickfix titles: %s', table.concat(titles, ' | '))
  local action
  for _, a in ipairs(actions) do if a.title == qf.title then action = a end end
  check(action, 'no %q action among %s', qf.title, vim.inspect(titles))
  check(action.kind == 'quickfix' and action.isPreferred, '%q is not a preferred quickfix', qf.title)
  if not action.edit then -- 0.7.2 advertises codeAction.resolveSupport {edit}
    action = request('codeAction/resolve', action)
  end
  check(action.edit and action.edit.changes, 'no WorkspaceEdit.changes: %s', vim.inspect(action))
  vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding) -- encoding arg is required in 0.7
  local want = redacted(function(f) return f.line == qf.line and f.type == qf.type end)
  local got = vim.api.nvim_buf_get_lines(bufnr, 0, -1, true)
  check(vim.deep_equal(got, want), 'after %q buffer is %s, want %s', qf.title, vim.inspect(got), vim.inspect(want))
  -- the edit goes out as an incremental didChange; the server rescans and republishes
  wait_diags(#fx.findings - 1, 'after the quickfix')

  -- 3. commands: documentStats, then an issue round trip through the encrypted temp store
  local stats = request('workspace/executeCommand', { command = 'tftsr.documentStats', arguments = { { uri = uri } } })
  local by = {}
  for _, f in ipairs(fx.findings) do
    if not (f.line == qf.line and f.type == qf.type) then by[f.type] = (by[f.type] or 0) + 1 end
  end
  check(stats.findings == #fx.findings - 1 and vim.deep_equal(stats.byType, by),
    'documentStats %s, want findings=%d byType=%s', vim.inspect(stats), #fx.findings - 1, vim.inspect(by))
  log('documentStats -> %s', vim.inspect(stats, { newline = ' ', indent = '' }))
  local issue = request('workspace/executeCommand', { command = 'tftsr.createIssue',
    arguments = { { title = 'nvim e2e: login failures', severity = 'high' } } })
  check(type(issue) == 'table' and type(issue.id) == 'string' and issue.title == 'nvim e2e: login failures',
    'createIssue returned %s', vim.inspect(issue))
  -- a plain {} is encoded by Neovim as the JSON array []: the server must take it as {}
  local list = request('workspace/executeCommand', { command = 'tftsr.listIssues', arguments = { {} } })
  check(type(list) == 'table' and #list == 1 and list[1].id == issue.id and list[1].severity == 'high',
    'listIssues returned %s, want the one issue %s', vim.inspect(list), issue.id)
  log('createIssue + listIssues -> %s', issue.id)

  -- 4. "Redact all PII in file" (source.fixAll.tftsr): with 0.7.2's resolveSupport it may come lazily
  local fixall = request('textDocument/codeAction', {
    textDocument = { uri = uri },
    range = { start = { line = 0, character = 0 }, ['end'] = { line = 0, character = 0 } },
    context = { diagnostics = {}, only = { 'source.fixAll.tftsr' } },
  }) or {}
  check(#fixall == 1 and fixall[1].title == fx.redactAllTitle and fixall[1].kind == 'source.fixAll.tftsr',
    'source.fixAll.tftsr actions: %s', vim.inspect(fixall))
  local all = fixall[1]
  if not all.edit then all = request('codeAction/resolve', all) end
  check(all.edit and all.edit.changes, 'redact-all has no edit after resolve: %s', vim.inspect(all))
  vim.lsp.util.apply_workspace_edit(all.edit, client.offset_encoding)
  local want_all = redacted(function() return true end)
  got = vim.api.nvim_buf_get_lines(bufnr, 0, -1, true)
  check(vim.deep_equal(got, want_all), 'after redact-all buffer is %s, want %s', vim.inspect(got), vim.inspect(want_all))
  wait_diags(0, 'after redact-all') -- our own tags are never findings

  -- 5. save and check the file on disk
  vim.cmd('write')
  local disk = vim.fn.readfile(fname)
  check(vim.deep_equal(disk, want_all), 'file on disk: %s', vim.inspect(disk))
  log('saved file is redacted: %s', table.concat(disk, ' / '))

  client.stop()
  progress.wait(function() return client.is_stopped() end, 'the server to stop')
  log('PASS in %.0f ms', (vim.loop.hrtime() - t0) / 1e6)
end

local ok, err = xpcall(main, debug.traceback)
if ok then
  vim.cmd('qall!')
else
  io.stdout:write('FAIL: ' .. tostring(err) .. '\n')
  vim.lsp.stop_client(vim.lsp.get_active_clients(), true)
  vim.cmd('cquit 1')
end
