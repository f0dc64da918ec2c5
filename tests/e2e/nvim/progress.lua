-- Progress-based waits for the Neovim e2e tests (as tests/common/progress.rs for the Rust tests):
-- a wait goes on while the server uses CPU time, and fails after NO_PROGRESS ms without any (an
-- idle server that has not answered never will), or after HARD_CAP ms in all.
-- Loaded with dofile() by e2e.lua and docs_check.lua; returns the module table.
local M = {}
M.NO_PROGRESS = tonumber(os.getenv('E2E_NO_PROGRESS') or '90') * 1000
M.HARD_CAP = 30 * 60 * 1000

local function now_ms() return vim.loop.hrtime() / 1e6 end

-- CPU ticks (user + system) of a process, from /proc/<pid>/stat; nil once it is gone.
function M.cpu(pid)
  if not pid then return nil end
  local f = io.open('/proc/' .. pid .. '/stat', 'r')
  if not f then return nil end
  local stat = f:read('*a')
  f:close()
  local rest = stat:match('^.*%)(.*)$') -- the name (field 2) may hold spaces and parentheses
  if not rest then return nil end
  local fields = vim.split(vim.trim(rest), '%s+')
  return (tonumber(fields[12]) or 0) + (tonumber(fields[13]) or 0) -- utime, stime
end

-- Waits until cond() is true while the process `pid()` makes progress; errors with `what` when it
-- stalls. `pid` is a function, so a server started meanwhile is watched as soon as it exists.
function M.wait(pid, cond, what)
  local began = now_ms()
  local since, cpu = began, M.cpu(pid())
  while true do
    if vim.wait(200, cond, 20) then return end
    local c, t = M.cpu(pid()), now_ms()
    if c ~= cpu then cpu, since = c, t end
    if t - since > M.NO_PROGRESS then
      error(string.format('gave up waiting for %s: the server made no progress for %d s', what,
        M.NO_PROGRESS / 1000), 0)
    end
    if t - began > M.HARD_CAP then
      error(string.format('gave up waiting for %s after %d s', what, M.HARD_CAP / 1000), 0)
    end
  end
end

-- The pid of an LSP client's server (started as `/bin/sh -c 'exec …'`, so the same process).
function M.pid_of(client)
  return function() return client and client.rpc and client.rpc.pid end
end

return M
