-- The :Tftsr… user commands, each also a Lua function taking { bufnr, on_done(err, result) }:
--   :TftsrRedactAll [style]   tftsr.redactDocument: every finding replaced (the server sends the edit)
--   :TftsrReview              the redact-all edit previewed side by side (diff mode) before it is
--                             applied: `a` applies exactly what is shown, `q` closes
--   :TftsrAttach [issue-id]   tftsr.attachToIssue; without an id, pick an open issue or create one
-- Protocol: docs/lsp-protocol.md. Messages name files, counts and issues, never a matched value.
local compat = require('tftsr.compat')

local M = {}

M.STYLES = { 'tag', 'mask', 'partial', 'pseudonym' }
local SEVERITIES = { 'critical', 'high', 'medium', 'low' }
local OPEN_STATUSES = { open = true, investigating = true }
local levels = vim.log.levels

local function notify(msg, level)
  vim.notify('TFTSR: ' .. msg, level or levels.INFO)
end

local function plural(n, one)
  return ('%d %s%s'):format(n, one, n == 1 and '' or 's')
end

local function err_text(err)
  if type(err) == 'table' then
    return err.message or vim.inspect(err)
  end
  return tostring(err)
end

local function buf_of(opts)
  local b = opts.bufnr
  return (b == nil or b == 0) and vim.api.nvim_get_current_buf() or b
end

local function name_of(bufnr)
  local n = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(bufnr), ':t')
  return n ~= '' and n or ('buffer ' .. bufnr)
end

local function done(opts, err, result)
  if opts.on_done then
    opts.on_done(err, result)
  end
end

--- Reports err (a string or an LSP error) to the user and to on_done.
local function fail(opts, what, err)
  notify(what .. ': ' .. err_text(err), levels.ERROR)
  done(opts, err, nil)
end

--- The buffer's TFTSR client, attaching one when the buffer has none yet.
local function client_of(bufnr, opts)
  local c = compat.get_client(bufnr)
  if not c then
    local id = require('tftsr').attach(bufnr)
    c = id and vim.lsp.get_client_by_id(id)
  end
  if not c then
    fail(opts, 'no TFTSR server for ' .. name_of(bufnr), 'run require("tftsr").setup{} and open a log file')
  end
  return c
end

--- workspace/executeCommand with the one object argument every tftsr.* command takes.
local function exec(client, bufnr, command, arg, cb)
  compat.request(client, 'workspace/executeCommand', { command = command, arguments = { arg } }, cb, bufnr)
end

function M.redact_all(opts)
  opts = opts or {}
  local bufnr = buf_of(opts)
  local client = client_of(bufnr, opts)
  if not client then
    return
  end
  local arg = { uri = vim.uri_from_bufnr(bufnr) }
  if opts.style and opts.style ~= '' then
    arg.style = opts.style
  end
  exec(client, bufnr, 'tftsr.redactDocument', arg, function(err, res)
    if err then
      return fail(opts, 'redact all', err)
    end
    if res.redactions == 0 then
      notify('no PII or secrets in ' .. name_of(bufnr))
    elseif not res.applied then
      notify(('the edit redacting %s was refused (was the buffer changed meanwhile?)'):format(
        plural(res.redactions, 'finding')), levels.WARN)
    else
      notify(('redacted %s in %s; :write to keep it'):format(plural(res.redactions, 'finding'), name_of(bufnr)))
    end
    done(opts, nil, res)
  end)
end

--- The TextEdits of a WorkspaceEdit for one document (`changes` or `documentChanges`).
local function edits_for(edit, uri)
  if not edit then
    return nil
  end
  if edit.changes and edit.changes[uri] then
    return edit.changes[uri]
  end
  for _, dc in ipairs(edit.documentChanges or {}) do
    if dc.textDocument and dc.textDocument.uri == uri then
      return dc.edits
    end
  end
  return nil
end

--- Opens the preview: the original window and a read-only copy with the edits applied, in diff mode.
local function show_review(opts, client, bufnr, action, tick)
  local uri = vim.uri_from_bufnr(bufnr)
  local edits = edits_for(action.edit, uri)
  if not edits then
    return fail(opts, 'review', 'the server sent no edit for ' .. name_of(bufnr))
  end
  local prev = vim.api.nvim_create_buf(false, true)
  vim.bo[prev].bufhidden = 'wipe'
  vim.api.nvim_buf_set_lines(prev, 0, -1, true, vim.api.nvim_buf_get_lines(bufnr, 0, -1, true))
  vim.lsp.util.apply_text_edits(edits, prev, client.offset_encoding)
  vim.bo[prev].buflisted = false -- apply_text_edits lists the buffer
  vim.bo[prev].modifiable = false
  vim.bo[prev].modified = false
  pcall(vim.api.nvim_buf_set_name, prev, 'tftsr-review://' .. vim.api.nvim_buf_get_name(bufnr))

  local src_win = vim.fn.bufwinid(bufnr)
  if src_win == -1 then
    vim.cmd('sbuffer ' .. bufnr)
    src_win = vim.api.nvim_get_current_win()
  end
  vim.api.nvim_set_current_win(src_win)
  vim.cmd('diffthis')
  vim.cmd('vertical rightbelow sbuffer ' .. prev)
  local prev_win = vim.api.nvim_get_current_win()
  vim.cmd('diffthis')

  local review = { bufnr = prev, source = bufnr, edits = #edits }
  function review.close()
    if vim.api.nvim_win_is_valid(src_win) then
      vim.api.nvim_win_call(src_win, function()
        vim.cmd('diffoff')
      end)
    end
    if vim.api.nvim_win_is_valid(prev_win) then
      vim.api.nvim_win_close(prev_win, true)
    end
  end
  --- Applies exactly the edit shown, unless the buffer changed since. Returns true when applied.
  function review.apply()
    if not vim.api.nvim_buf_is_valid(bufnr) or vim.api.nvim_buf_get_changedtick(bufnr) ~= tick then
      notify(name_of(bufnr) .. ' changed since the review; run :TftsrReview again', levels.WARN)
      return false
    end
    review.close()
    vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
    notify(('redacted %s in %s; :write to keep it'):format(plural(#edits, 'finding'), name_of(bufnr)))
    return true
  end
  vim.keymap.set('n', 'a', review.apply, { buffer = prev, desc = 'TFTSR: apply the reviewed redactions' })
  vim.keymap.set('n', 'q', review.close, { buffer = prev, desc = 'TFTSR: close the review' })
  notify(('review of %s: %s (left: now, right: redacted). a: apply, q: close'):format(name_of(bufnr),
    plural(#edits, 'redaction')))
  done(opts, nil, review)
end

--- A preview of "redact all" (the server's source.fixAll.tftsr code action) before it is applied.
function M.review(opts)
  opts = opts or {}
  local bufnr = buf_of(opts)
  local client = client_of(bufnr, opts)
  if not client then
    return
  end
  local tick = vim.api.nvim_buf_get_changedtick(bufnr)
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = { start = { line = 0, character = 0 }, ['end'] = { line = 0, character = 0 } },
    context = { diagnostics = {}, only = { 'source.fixAll.tftsr' } },
  }
  compat.request(client, 'textDocument/codeAction', params, function(err, actions)
    if err then
      return fail(opts, 'review', err)
    end
    local action
    for _, a in ipairs(actions or {}) do
      if a.kind == 'source.fixAll.tftsr' then
        action = a
      end
    end
    if not action then
      notify('no PII or secrets in ' .. name_of(bufnr))
      return done(opts, nil, { edits = 0 })
    end
    if action.edit then
      return show_review(opts, client, bufnr, action, tick)
    end
    -- sent lazily to clients that resolve code actions (Neovim 0.7 does)
    compat.request(client, 'codeAction/resolve', action, function(rerr, resolved)
      if rerr then
        return fail(opts, 'review', rerr)
      end
      show_review(opts, client, bufnr, resolved, tick)
    end, bufnr)
  end, bufnr)
end

local function new_issue(opts, client, bufnr, cb)
  vim.ui.input({ prompt = 'New issue title: ' }, function(title)
    if not title or vim.trim(title) == '' then
      return done(opts, 'cancelled', nil)
    end
    vim.ui.select(SEVERITIES, { prompt = 'Severity of the incident' }, function(severity)
      if not severity then
        return done(opts, 'cancelled', nil)
      end
      exec(client, bufnr, 'tftsr.createIssue', { title = vim.trim(title), severity = severity }, function(err, issue)
        if err then
          return fail(opts, 'create issue', err)
        end
        cb(issue)
      end)
    end)
  end)
end

--- Attaches the buffer's log to an issue: opts.issue_id, else a pick list of open issues and
--- "New issue…".
function M.attach_issue(opts)
  opts = opts or {}
  local bufnr = buf_of(opts)
  local client = client_of(bufnr, opts)
  if not client then
    return
  end
  local name = name_of(bufnr)
  local function attach(issue)
    exec(client, bufnr, 'tftsr.attachToIssue', { uri = vim.uri_from_bufnr(bufnr), issueId = issue.id }, function(err, res)
      if err then
        return fail(opts, 'attach ' .. name, err)
      end
      notify(('attached %s to %s (%s recorded)'):format(name,
        issue.title and ('"' .. issue.title .. '"') or ('issue ' .. issue.id), plural(tonumber(res.findings) or 0, 'finding')))
      done(opts, nil, res)
    end)
  end
  if opts.issue_id and opts.issue_id ~= '' then
    return attach({ id = opts.issue_id })
  end
  exec(client, bufnr, 'tftsr.listIssues', { limit = 200 }, function(err, list)
    if err then
      return fail(opts, 'list issues', err)
    end
    local items = { { new = true } }
    for _, issue in ipairs(list or {}) do
      if OPEN_STATUSES[issue.status] then
        table.insert(items, issue)
      end
    end
    vim.ui.select(items, {
      prompt = 'Attach ' .. name .. ' to an issue',
      format_item = function(it)
        if it.new then
          return 'New issue…'
        end
        return ('%s [%s, %s]'):format(it.title, it.severity, it.status)
      end,
    }, function(choice)
      if not choice then
        return done(opts, 'cancelled', nil)
      end
      if choice.new then
        return new_issue(opts, client, bufnr, attach)
      end
      attach(choice)
    end)
  end)
end

function M.define()
  local cmd = vim.api.nvim_create_user_command
  cmd('TftsrRedactAll', function(a)
    M.redact_all({ style = a.args })
  end, {
    nargs = '?',
    complete = function()
      return M.STYLES
    end,
    desc = 'TFTSR: redact every finding in the buffer [tag|mask|partial|pseudonym]',
  })
  cmd('TftsrReview', function()
    M.review({})
  end, { desc = 'TFTSR: preview the redactions side by side, then apply (a) or close (q)' })
  cmd('TftsrAttach', function(a)
    M.attach_issue({ issue_id = a.args })
  end, { nargs = '?', desc = 'TFTSR: attach this log to an issue [issue id]' })
end

return M
