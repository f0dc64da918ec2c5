-- The few vim.lsp calls whose spelling changed between Neovim 0.7 and 0.11, in one place.
local M = {}

local has_011 = vim.fn.has('nvim-0.11') == 1

--- every running client named `tftsr`
function M.all_clients()
  local list = vim.lsp.get_clients and vim.lsp.get_clients({ name = 'tftsr' }) or vim.lsp.get_active_clients()
  local out = {}
  for _, c in ipairs(list) do
    if c.name == 'tftsr' then
      table.insert(out, c)
    end
  end
  return out
end

--- the `tftsr` client attached to a buffer, or nil
function M.get_client(bufnr)
  local listed
  if vim.lsp.get_clients then
    listed = vim.lsp.get_clients({ bufnr = bufnr, name = 'tftsr' })
  else
    listed = vim.lsp.buf_get_clients(bufnr)
  end
  for _, c in pairs(listed) do
    if c.name == 'tftsr' then
      return c
    end
  end
  -- Before 0.10 a client still initializing is not listed yet: look among the ones setup started.
  for _, id in pairs(require('tftsr').client_ids) do
    if vim.lsp.buf_is_attached(bufnr, id) then
      local c = vim.lsp.get_client_by_id(id)
      if c and not M.is_stopped(c) then
        return c
      end
    end
  end
  return nil
end

--- client:request (0.11) / client.request (before); handler(err, result)
function M.request(client, method, params, handler, bufnr)
  local h = function(err, result)
    handler(err, result)
  end
  if has_011 then
    return client:request(method, params, h, bufnr)
  end
  return client.request(method, params, h, bufnr)
end

function M.is_stopped(client)
  if has_011 then
    return client:is_stopped()
  end
  return client.is_stopped()
end

function M.stop(client)
  if has_011 then
    return client:stop()
  end
  return client.stop()
end

function M.notify(client, method, params)
  if has_011 then
    return client:notify(method, params)
  end
  return client.notify(method, params)
end

return M
