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
      at_ms = vim.uv.hrtime() / 1e6 - started,
    }
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
