-- TFTSR for Neovim (0.7 and newer): starts `tftsr lsp` for log files, passes the `tftsr`
-- settings on, and adds :TftsrRedactAll, :TftsrReview and :TftsrAttach (lua/tftsr/commands.lua).
--
--   require('tftsr').setup({
--     settings = { redactionStyle = 'mask', disabledTypes = { 'hostname' } },  -- docs/lsp-protocol.md
--   })
--
-- Calling setup() again with other settings sends them to the running servers
-- (workspace/didChangeConfiguration). Options: see M.defaults and doc/tftsr.txt.
local compat = require('tftsr.compat')

local M = {}

--- The server definition shared with Neovim 0.11's vim.lsp.config (lsp/tftsr.lua on the
--- runtimepath), so both ways start the same server.
local function lsp_defaults()
  local file = vim.api.nvim_get_runtime_file('lsp/tftsr.lua', false)[1]
  if file then
    local ok, def = pcall(dofile, file)
    if ok and type(def) == 'table' then
      return def
    end
  end
  return { cmd = { 'tftsr', 'lsp' }, root_markers = { '.tftsr.toml', '.git' } }
end

M.defaults = {
  --- the server command (a list, as vim.lsp takes it)
  cmd = nil, -- lsp/tftsr.lua's: { 'tftsr', 'lsp' }
  --- the `tftsr` settings section (docs/lsp-protocol.md "Settings"), sent as initializationOptions
  --- and as workspace settings
  settings = {},
  --- file-name patterns (autocmd patterns) of the buffers to attach; default: settings.globs, else
  --- the server's default globs
  patterns = nil,
  --- the files or directories that mark a project root (where .tftsr.toml is looked for)
  root_markers = nil, -- lsp/tftsr.lua's: { '.tftsr.toml', '.git' }
  --- filetype given to a matched buffer that has none (false: leave filetypes alone)
  filetype = 'log',
  --- define the :Tftsr… user commands
  commands = true,
  --- passed to the client as is
  on_attach = nil,
  capabilities = nil,
}

local DEFAULT_GLOBS = { '*.log', '*.log.[0-9]*', '*.out' }

M.config = nil
--- ids of the clients started, by root directory (Neovim 0.7 has no vim.lsp.start to reuse them)
M.client_ids = {}
local clients = M.client_ids

local function tbl(v)
  return type(v) == 'table' and v or nil
end

--- The settings table as JSON wants it: an empty Lua table would go out as [] (an array).
local function section(settings)
  if next(settings) == nil then
    return vim.empty_dict()
  end
  return settings
end

local function root_dir(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  local dir = name ~= '' and vim.fn.fnamemodify(name, ':p:h') or vim.fn.getcwd()
  local d = dir
  while d and d ~= '' do
    for _, marker in ipairs(M.config.root_markers) do
      if (vim.uv or vim.loop).fs_stat(d .. '/' .. marker) then
        return d
      end
    end
    local parent = vim.fn.fnamemodify(d, ':h')
    if parent == d then
      break
    end
    d = parent
  end
  return vim.fn.getcwd()
end

local function client_config(root)
  local cfg = M.config
  return {
    name = 'tftsr',
    cmd = cfg.cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    init_options = { tftsr = section(cfg.settings) },
    -- also answers workspace/configuration (section `tftsr`)
    settings = { tftsr = section(cfg.settings) },
    on_attach = cfg.on_attach,
    capabilities = cfg.capabilities,
  }
end

--- Attaches the TFTSR server to a buffer (starting one per project root). Returns the client id.
function M.attach(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  if not M.config or vim.bo[bufnr].buftype ~= '' then
    return nil
  end
  local existing = compat.get_client(bufnr)
  if existing then
    return existing.id
  end
  local root = root_dir(bufnr)
  if vim.lsp.start then -- 0.8+: reuses the client with the same name and root
    local id = vim.lsp.start(client_config(root), { bufnr = bufnr })
    clients[root] = id or clients[root]
    return id
  end
  local id = clients[root]
  local c = id and vim.lsp.get_client_by_id(id)
  if not c or compat.is_stopped(c) then
    id = vim.lsp.start_client(client_config(root))
    if not id then
      vim.notify('TFTSR: cannot start ' .. table.concat(M.config.cmd, ' '), vim.log.levels.ERROR)
      return nil
    end
    clients[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

local function matches(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == '' then
    return false
  end
  local base = vim.fn.fnamemodify(name, ':t')
  for _, p in ipairs(M.config.patterns) do
    if vim.fn.match(base, vim.fn.glob2regpat(p)) >= 0 then
      return true
    end
  end
  return false
end

local function on_buffer(bufnr)
  if vim.bo[bufnr].buftype ~= '' then
    return
  end
  if M.config.filetype and vim.bo[bufnr].filetype == '' then
    vim.bo[bufnr].filetype = M.config.filetype -- its FileType autocommand attaches
  end
  M.attach(bufnr)
end

--- Sends the current settings to every running TFTSR client.
local function push_settings()
  for _, c in ipairs(compat.all_clients()) do
    local settings = { tftsr = section(M.config.settings) }
    -- what workspace/configuration answers from: config.settings before 0.11, settings since
    c.config.settings = settings
    c.settings = settings
    compat.notify(c, 'workspace/didChangeConfiguration', { settings = settings })
  end
end

function M.setup(opts)
  opts = opts or {}
  local def = lsp_defaults()
  local first = M.config == nil
  local cfg = vim.tbl_extend('force', M.defaults, opts)
  cfg.cmd = tbl(opts.cmd) or def.cmd
  cfg.root_markers = tbl(opts.root_markers) or def.root_markers or { '.tftsr.toml', '.git' }
  cfg.settings = vim.deepcopy(tbl(opts.settings) or {})
  cfg.patterns = tbl(opts.patterns) or tbl(cfg.settings.globs) or DEFAULT_GLOBS
  M.config = cfg

  local group = vim.api.nvim_create_augroup('tftsr', { clear = true })
  vim.api.nvim_create_autocmd({ 'BufReadPost', 'BufNewFile' }, {
    group = group,
    pattern = cfg.patterns,
    callback = function(args)
      on_buffer(args.buf)
    end,
  })
  if cfg.filetype then
    vim.api.nvim_create_autocmd('FileType', {
      group = group,
      pattern = cfg.filetype,
      callback = function(args)
        M.attach(args.buf)
      end,
    })
  end
  if cfg.commands then
    require('tftsr.commands').define()
  end
  if not first then
    push_settings()
  end
  -- buffers opened before setup()
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(b) and (matches(b) or (cfg.filetype and vim.bo[b].filetype == cfg.filetype)) then
      on_buffer(b)
    end
  end
end

return M
