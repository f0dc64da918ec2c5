-- Progress-based waits for the Neovim e2e tests (as tests/common/progress.rs for the Rust tests):
-- a wait goes on while the server uses CPU time, and fails after NO_PROGRESS ms without any (an
-- idle server that has not answered never will), or after HARD_CAP ms in all.
-- Loaded with dofile() by e2e.lua and docs_check.lua; returns the module table.
local M = {}
M.NO_PROGRESS = tonumber(os.getenv('E2E_NO_PROGRESS') or '90') * 1000
M.HARD_CAP = 30 * 60 * 1000

local function now_ms() return vim.loop.hrtime() / 1e6 end

-- CPU ticks (user + system, with reaped children) of every process started by this Neovim and
-- their descendants: the language server, however it was started (Neovim 0.11 keeps the pid of
-- its server out of reach), read from /proc.
function M.children_cpu()
  local me = vim.fn.getpid()
  local parent, ticks = {}, {}
  for _, pid in ipairs(vim.fn.readdir('/proc', function(n) return n:match('^%d+$') and 1 or 0 end)) do
    local f = io.open('/proc/' .. pid .. '/stat', 'r')
    if f then
      local stat = f:read('*a') or ''
      f:close()
      local rest = stat:match('^.*%)(.*)$') -- the name (field 2) may hold spaces and parentheses
      if rest then
        local fl = vim.split(vim.trim(rest), '%s+')
        parent[tonumber(pid)] = tonumber(fl[2])
        ticks[tonumber(pid)] = (tonumber(fl[12]) or 0) + (tonumber(fl[13]) or 0)
          + (tonumber(fl[14]) or 0) + (tonumber(fl[15]) or 0)
      end
    end
  end
  local total = 0
  for pid, t in pairs(ticks) do
    local p, hops = parent[pid], 0
    while p and p ~= me and p > 1 and hops < 64 do p, hops = parent[p], hops + 1 end
    if p == me then total = total + t end
  end
  return total
end

-- Waits until cond() is true while the server (any process this Neovim started) makes progress;
-- errors with `what` once it stalled.
function M.wait(cond, what)
  local began = now_ms()
  local since, cpu = began, M.children_cpu()
  while true do
    if vim.wait(200, cond, 20) then return end
    local c, t = M.children_cpu(), now_ms()
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

return M
