-- Headless Neovim test of the plugin in this repository (lua/tftsr, lsp/tftsr.lua) against the
-- real `tftsr lsp`. Run by nvim/run.sh:
--   nvim --headless -u NONE -i NONE -n --cmd 'set rtp^=REPO' -c 'luafile plugin.lua'
-- Needs SERVER_CMD, E2E_FIXTURE, E2E_WORKDIR, REPO_ROOT (and TFTSR_DATA_DIR/TFTSR_DB_KEY).
-- Exits 0 on success, 1 on any failure (via :cquit); never hangs on a Lua error.
local server_cmd = assert(os.getenv('SERVER_CMD'), 'SERVER_CMD not set')
local repo = assert(os.getenv('REPO_ROOT'), 'REPO_ROOT not set')
local fx = vim.fn.json_decode(table.concat(vim.fn.readfile(assert(os.getenv('E2E_FIXTURE'))), '\n'))
local workdir = assert(os.getenv('E2E_WORKDIR'), 'E2E_WORKDIR not set')
vim.fn.mkdir(workdir .. '/project/logs', 'p')
-- a project root marker two levels up: the plugin must find it (root_dir) and not use the cwd
vim.fn.writefile({ '# TFTSR project' }, workdir .. '/project/.tftsr.toml')
local fname = workdir .. '/project/logs/app.log.1' -- a rotated log: matched by the `*.log.[0-9]*` glob
local lines = fx.lines
vim.fn.writefile(lines, fname)

local function log(...) io.stdout:write(string.format(...) .. '\n') end
local function check(cond, ...) if not cond then error(string.format(...), 0) end end
local compat = require('tftsr.compat')
local progress = dofile(vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':h') .. '/progress.lua')
local function plain(s) return (s:gsub('%p', '%%%0')) end
local messages = {}
local pulls = 0
vim.notify = function(msg, level) -- keep what the plugin tells the user
  table.insert(messages, msg)
  log('notify[%s]: %s', tostring(level), msg)
end

-- the fixture's lines with the chosen findings replaced by `rep(f)`
local function redacted(which, rep)
  local out = vim.deepcopy(lines)
  for _, f in ipairs(fx.findings) do
    if which(f) then out[f.line + 1] = out[f.line + 1]:gsub(plain(f.text), (rep(f):gsub('%%', '%%%%')), 1) end
  end
  return out
end
local function mask(f) return ('*'):rep(vim.fn.strchars(f.text)) end
local function count(which)
  local n = 0
  for _, f in ipairs(fx.findings) do if which(f) then n = n + 1 end end
  return n
end

--- Runs fn(on_done) and waits for on_done(err, result); returns result, fails on err.
local function await(what, fn)
  local fin, e, r = false, nil, nil
  fn(function(err, res) fin, e, r = true, err, res end)
  progress.wait(function() return fin end, what)
  check(not e, '%s failed: %s', what, vim.inspect(e))
  return r
end

local function main()
  -- lsp/tftsr.lua is the 0.11 vim.lsp.config definition; setup{} takes its defaults from it
  local def = dofile(repo .. '/lsp/tftsr.lua')
  check(vim.deep_equal(def.cmd, { 'tftsr', 'lsp' }) and vim.deep_equal(def.filetypes, { 'log' })
    and vim.tbl_contains(def.root_markers, '.tftsr.toml') and type(def.settings.tftsr) == 'table',
    'lsp/tftsr.lua: %s', vim.inspect(def))

  local tftsr = require('tftsr')
  -- count the server's workspace/configuration pulls the client answered
  local answer = vim.lsp.handlers['workspace/configuration']
  vim.lsp.handlers['workspace/configuration'] = function(...)
    local r = { answer(...) }
    pulls = pulls + 1
    return unpack(r)
  end
  check(tftsr.config == nil, 'configured before setup()')
  -- settings passthrough: ipv4 disabled, the mask style; a command that runs SERVER_CMD
  tftsr.setup({
    cmd = { '/bin/sh', '-c', 'exec ' .. server_cmd },
    settings = { disabledTypes = { 'ipv4' }, redactionStyle = 'mask' },
  })
  check(vim.deep_equal(tftsr.config.root_markers, def.root_markers), 'root markers not from lsp/tftsr.lua')
  for _, c in ipairs({ 'TftsrRedactAll', 'TftsrReview', 'TftsrAttach' }) do
    check(vim.fn.exists(':' .. c) == 2, ':%s is not defined', c)
  end

  local t0 = (vim.uv or vim.loop).hrtime()
  vim.cmd('edit ' .. vim.fn.fnameescape(fname))
  local bufnr = vim.api.nvim_get_current_buf()
  check(vim.bo[bufnr].filetype == 'log', 'filetype %q, want log', vim.bo[bufnr].filetype)
  local client = require('tftsr.compat').get_client(bufnr)
  check(client, 'no tftsr client attached to %s', fname)
  local function wait_diags(n, what)
    progress.wait(function() return #vim.diagnostic.get(bufnr) == n or compat.is_stopped(client) end,
      string.format('%d diagnostics (%s)', n, what))
    check(not compat.is_stopped(client), 'server exited')
    check(#vim.diagnostic.get(bufnr) == n, '%s: want %d diagnostics, got %d: %s', what, n,
      #vim.diagnostic.get(bufnr), vim.inspect(vim.diagnostic.get(bufnr)))
  end
  local not_ipv4 = function(f) return f.type ~= 'ipv4' end
  wait_diags(count(not_ipv4), 'with disabledTypes = {ipv4}')
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do check(d.code ~= 'ipv4', 'an ipv4 diagnostic although disabled') end
  check(client.config.root_dir == workdir .. '/project', 'root_dir %s, want the .tftsr.toml directory',
    tostring(client.config.root_dir))
  log('attached (root %s), %d diagnostics with ipv4 disabled, after %.0f ms', client.config.root_dir,
    #vim.diagnostic.get(bufnr), ((vim.uv or vim.loop).hrtime() - t0) / 1e6)

  -- setup() again: the new settings reach the running server (didChangeConfiguration).
  -- First the server's own pull at `initialized` must be answered and behind it: the server
  -- applies a pull's answer whenever it arrives, even after a newer push (a known server race).
  -- (Neovim 0.7 does not offer workspace.configuration: no pull there.)
  if (vim.lsp.protocol.make_client_capabilities().workspace or {}).configuration then
    progress.wait(function() return pulls > 0 end, "the server's workspace/configuration pull")
    check(pulls > 0, 'the server never pulled workspace/configuration')
  end
  await('documentStats', function(cb)
    compat.request(client, 'workspace/executeCommand',
      { command = 'tftsr.documentStats', arguments = { { uri = vim.uri_from_bufnr(bufnr) } } }, cb, bufnr)
  end)
  tftsr.setup({ cmd = { '/bin/sh', '-c', 'exec ' .. server_cmd }, settings = { redactionStyle = 'mask' } })
  wait_diags(#fx.findings, 'after setup() without disabledTypes')
  check(#require('tftsr.compat').all_clients() == 1, 'a second setup() started another server')
  log('setup() again: %d diagnostics, same client', #fx.findings)

  -- :TftsrReview: the redact-all edit, previewed in a diff, nothing changed yet
  local want_all = redacted(function() return true end, mask)
  local review = await('review', function(cb) require('tftsr.commands').review({ on_done = cb }) end)
  check(review and review.bufnr and vim.api.nvim_buf_is_valid(review.bufnr), 'no review buffer: %s', vim.inspect(review))
  local shown = vim.api.nvim_buf_get_lines(review.bufnr, 0, -1, true)
  check(vim.deep_equal(shown, want_all), 'review shows %s, want %s', vim.inspect(shown), vim.inspect(want_all))
  check(review.edits == #fx.findings, 'review has %d edits, want %d', review.edits, #fx.findings)
  check(vim.deep_equal(vim.api.nvim_buf_get_lines(bufnr, 0, -1, true), lines), 'the review changed the log')
  local diff_wins = 0
  for _, w in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
    if vim.wo[w].diff then diff_wins = diff_wins + 1 end
  end
  check(diff_wins == 2, '%d windows in diff mode, want 2 (log and preview)', diff_wins)
  check(vim.bo[review.bufnr].buftype == 'nofile' and not vim.bo[review.bufnr].modifiable, 'the preview is editable')
  check(require('tftsr.compat').get_client(review.bufnr) == nil, 'the preview buffer was attached to the server')
  -- `q` in the preview closes it and leaves the log as it was
  vim.api.nvim_set_current_win(vim.fn.bufwinid(review.bufnr))
  vim.cmd('normal q')
  check(vim.fn.bufwinid(review.bufnr) == -1, 'q did not close the review')
  check(not vim.wo[vim.fn.bufwinid(bufnr)].diff, 'the log window is still in diff mode')
  check(vim.deep_equal(vim.api.nvim_buf_get_lines(bufnr, 0, -1, true), lines), 'closing the review changed the log')
  log('review: %d redactions shown side by side, q closed it, log unchanged', review.edits)

  -- a review whose log changed meanwhile refuses to apply
  local r2 = await('review 2', function(cb) require('tftsr.commands').review({ on_done = cb }) end)
  vim.api.nvim_buf_set_lines(bufnr, 4, 5, true, { 'no pii here!' })
  check(r2.apply() == false, 'applied a review of an older buffer')
  r2.close()
  vim.api.nvim_buf_set_lines(bufnr, 4, 5, true, { lines[5] })
  wait_diags(#fx.findings, 'after undoing the change')

  -- :TftsrAttach without an id: "New issue…", a title, a severity (vim.ui stubbed as a user answers)
  local prompts = {}
  vim.ui.select = function(items, opts, on_choice)
    table.insert(prompts, opts.prompt)
    local fmt = opts.format_item or tostring
    for _, it in ipairs(items) do
      local label = fmt(it)
      if label == 'New issue…' or label == 'high' then return on_choice(it) end
    end
    on_choice(nil)
  end
  vim.ui.input = function(opts, on_confirm)
    table.insert(prompts, opts.prompt)
    on_confirm('nvim plugin e2e: login failures')
  end
  local attached = await('attach', function(cb) require('tftsr.commands').attach_issue({ on_done = cb }) end)
  check(type(attached.issueId) == 'string' and type(attached.logFileId) == 'string', 'attach returned %s', vim.inspect(attached))
  check(attached.findings == #fx.findings, 'attach recorded %s findings, want %d', tostring(attached.findings), #fx.findings)
  check(prompts[1] == 'Attach app.log.1 to an issue', 'picker prompt %q', tostring(prompts[1]))
  -- :TftsrAttach ID attaches to that issue directly
  vim.ui.select = function() error('asked to pick although an id was given') end
  local again = await('attach by id', function(cb)
    require('tftsr.commands').attach_issue({ issue_id = attached.issueId, on_done = cb })
  end)
  check(again.issueId == attached.issueId, 'attached to %s', tostring(again.issueId))
  local detail = await('getIssue', function(cb)
    require('tftsr.compat').request(client, 'workspace/executeCommand',
      { command = 'tftsr.getIssue', arguments = { { id = attached.issueId } } }, cb, bufnr)
  end)
  check(detail.issue.title == 'nvim plugin e2e: login failures' and detail.issue.severity == 'high',
    'issue %s', vim.inspect(detail.issue))
  check(#detail.log_files == 2, 'issue holds %d logs, want 2', #detail.log_files)
  for _, lf in ipairs(detail.log_files) do check(lf.file_name == 'app.log.1', 'log file %s', vim.inspect(lf.file_name)) end
  for _, m in ipairs(messages) do
    for _, f in ipairs(fx.findings) do check(not m:find(f.text, 1, true), 'a message shows a matched value: %s', m) end
  end
  log('attach: new issue %s via the picker, then by id; getIssue lists 2 logs', attached.issueId)

  -- review again, apply with `a`: exactly the preview lands in the log
  local r3 = await('review 3', function(cb) require('tftsr.commands').review({ on_done = cb }) end)
  vim.api.nvim_set_current_win(vim.fn.bufwinid(r3.bufnr))
  vim.cmd('normal a')
  check(vim.deep_equal(vim.api.nvim_buf_get_lines(bufnr, 0, -1, true), want_all), 'after `a` the log is %s',
    vim.inspect(vim.api.nvim_buf_get_lines(bufnr, 0, -1, true)))
  wait_diags(0, 'after applying the review')
  vim.api.nvim_buf_set_lines(bufnr, 0, -1, true, lines)
  wait_diags(#fx.findings, 'after restoring the lines')

  -- :TftsrRedactAll tag (an explicit style overrides the mask setting), then :write
  local res = await('redact all', function(cb) require('tftsr.commands').redact_all({ style = 'tag', on_done = cb }) end)
  check(res.applied and res.redactions == #fx.findings, 'redactDocument returned %s', vim.inspect(res))
  local want_tag = redacted(function() return true end, function(f) return f.tag end)
  check(vim.deep_equal(vim.api.nvim_buf_get_lines(bufnr, 0, -1, true), want_tag), 'after :TftsrRedactAll tag: %s',
    vim.inspect(vim.api.nvim_buf_get_lines(bufnr, 0, -1, true)))
  wait_diags(0, 'after redact all')
  vim.cmd('write')
  check(vim.deep_equal(vim.fn.readfile(fname), want_tag), 'file on disk: %s', vim.inspect(vim.fn.readfile(fname)))
  -- the user command itself (no callback): nothing left to redact
  vim.cmd('TftsrRedactAll')
  progress.wait(function() return messages[#messages]:find('no PII or secrets', 1, true) ~= nil end,
    'the "no PII or secrets" message')
  check(messages[#messages]:find('no PII or secrets in app.log.1', 1, true), 'last message %q', messages[#messages])
  log('redact all (tag) applied and saved; :TftsrRedactAll on a clean log says so')

  compat.stop(client)
  progress.wait(function() return compat.is_stopped(client) end, 'the server to stop')
  log('PASS in %.0f ms', ((vim.uv or vim.loop).hrtime() - t0) / 1e6)
end

local ok, err = xpcall(main, debug.traceback)
if ok then
  vim.cmd('qall!')
else
  io.stdout:write('FAIL (plugin): ' .. tostring(err) .. '\n')
  for _, c in ipairs(compat.all_clients()) do pcall(function() c.rpc.terminate() end) end
  vim.cmd('cquit 1')
end
