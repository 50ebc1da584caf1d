-- Headless Neovim driver: `nvim --headless --clean -u driver.lua` with COVLINT_JOB=<job.json>.
-- Loads the shipped plugin, opens the file, waits for covlint's diagnostics, runs the job's
-- commands, and writes what vim.diagnostic.get() returned to job.output as JSON.
local job = vim.json.decode(table.concat(vim.fn.readfile(os.getenv('COVLINT_JOB')), '\n'))
local result = { steps = {}, notifications = {}, commands = {} }

local function write_result()
  vim.fn.writefile({ vim.json.encode(result) }, job.output)
end

vim.notify = function(message, level)
  table.insert(result.notifications, { message = message, level = level })
end

local function diagnostics(buf)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(out, {
      lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
      severity = d.severity, message = d.message, source = d.source, code = d.code,
    })
  end
  return out
end

-- covlint's coverage signs: { line (0-based), sign text }.
local function signs(buf)
  local out = {}
  local namespace = vim.api.nvim_get_namespaces().covlint_marks
  for _, mark in ipairs(vim.api.nvim_buf_get_extmarks(buf, namespace or -1, 0, -1, { details = true })) do
    table.insert(out, { mark[2], vim.trim(mark[4].sign_text or '') })
  end
  return out
end

-- :CovlintNext from the top until it wraps, then :CovlintPrev from the bottom likewise.
local function jumps(buf)
  local out = { next = {}, prev = {} }
  local count = vim.api.nvim_buf_line_count(buf)
  for _, way in ipairs({ { 'next', 'CovlintNext', 1 }, { 'prev', 'CovlintPrev', count } }) do
    vim.api.nvim_win_set_cursor(0, { way[3], 0 })
    for _ = 1, 20 do
      vim.cmd(way[2])
      local line = vim.api.nvim_win_get_cursor(0)[1]
      if out[way[1]][1] == line then
        break
      end
      table.insert(out[way[1]], line)
    end
  end
  return out
end

-- :CovlintSummary's quickfix list.
local function summary()
  vim.cmd('CovlintSummary')
  vim.wait(job.timeout_ms, function() return #vim.fn.getqflist() > 0 end, 20)
  local out = {}
  for _, item in ipairs(vim.fn.getqflist()) do
    table.insert(out, { file = vim.api.nvim_buf_get_name(item.bufnr), text = item.text })
  end
  vim.cmd('cclose')
  return out
end

-- As in a user's init.lua: the plugin on 'runtimepath', then setup().
vim.lsp.log.set_level(vim.log.levels.DEBUG)
vim.opt.runtimepath:prepend(job.plugin)
if job.legacy then
  vim.lsp.config = nil -- as on Neovim 0.10: setup() must fall back to vim.lsp.start
end
require('covlint').setup({ settings = job.settings })

-- After start-up (filetype detection is on by then), as a user opening a file.
local started = vim.uv.hrtime() / 1e6

local function main()
  vim.cmd.edit(vim.fn.fnameescape(job.file))
  local buf = vim.api.nvim_get_current_buf()
  -- One sequence for both events: the statusline is current once a CovlintStatus follows the
  -- last DiagnosticChanged (the plugin asks for covlint/summary on every change).
  local seq, changes, changed_at, status_at = 0, 0, 0, 0
  vim.api.nvim_create_autocmd('DiagnosticChanged', {
    callback = function()
      seq, changes = seq + 1, changes + 1
      changed_at = seq
    end,
  })
  vim.api.nvim_create_autocmd('User', {
    pattern = 'CovlintStatus',
    callback = function()
      seq = seq + 1
      status_at = seq
    end,
  })

  local client
  assert(vim.wait(job.timeout_ms, function()
    client = vim.lsp.get_clients({ bufnr = buf, name = 'covlint' })[1]
    return client ~= nil and client.initialized == true
  end, 20), 'covlint never attached')
  local provider = client.server_capabilities.executeCommandProvider or {}
  result.commands = provider.commands or {}
  result.root_dir = client.root_dir

  for _, step in ipairs(job.steps) do
    local before = changes
    local sent = vim.uv.hrtime() / 1e6
    if step.command then
      vim.cmd(step.command)
    end
    if step.insert then -- type lines at the top, then :w (the server hears didSave)
      vim.api.nvim_buf_set_lines(buf, 0, 0, false, step.insert)
    end
    if step.write then
      vim.cmd('silent write')
      -- Answered after the server handled didSave: anything it published for it came first.
      local reply = client:request_sync('covlint/summary', { uri = vim.uri_from_bufnr(buf) },
        job.timeout_ms, buf)
      result.saved_summary = reply and reply.result
    end
    local status_ms = nil
    if step.status then
      -- How soon the statusline shows the server's figures for the new state.
      vim.wait(job.timeout_ms, function() return require('covlint').status() == step.status end, 5)
      status_ms = vim.uv.hrtime() / 1e6 - sent
    end
    local ok = vim.wait(job.timeout_ms, function()
      return changes > before and #vim.diagnostic.get(buf) == step.count
    end, 20)
    -- A last publish may still be on its way: let it land, then read the list.
    vim.wait(job.settle_ms, function() return false end, 20)
    vim.wait(job.timeout_ms, function() return status_at > changed_at end, 20)
    result.steps[step.name] = {
      diagnostics = diagnostics(buf),
      reached = ok,
      status = require('covlint').status(),
      status_ms = status_ms,
      at_ms = vim.uv.hrtime() / 1e6 - started,
    }
    if step.name == 'all' and job.signs then
      vim.wait(job.timeout_ms, function() return #signs(buf) == job.signs end, 20)
      result.signs = signs(buf)
      result.jumps = jumps(buf)
      result.summary = summary()
    end
  end
  result.done_ms = vim.uv.hrtime() / 1e6 - started
end

local function finish()
  local ok, err = xpcall(main, debug.traceback)
  if not ok then
    result.error = err
  end
  write_result()
  for _, c in ipairs(vim.lsp.get_clients()) do
    c:stop(true)
  end
  vim.cmd(ok and 'qall!' or 'cquit! 1')
end

vim.api.nvim_create_autocmd('VimEnter', { once = true, callback = function() vim.schedule(finish) end })
