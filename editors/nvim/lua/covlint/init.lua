-- covlint for Neovim: starts `covlint serve` for Python buffers, adds commands, coverage signs
-- (from the server's covlint/marks: missed lines and partly run branches, each its own sign), a
-- project summary, jumps between uncovered runs and a statusline component. Neovim >= 0.11 uses
-- lsp/covlint.lua; 0.10 falls back to vim.lsp.start.
local M = {}

local NAME = 'covlint'
local MARKS = vim.api.nvim_create_namespace('covlint_marks')

---@class covlint.Opts
---@field cmd? string[]            server command (default { 'covlint', 'serve' })
---@field settings? table          server settings: enable, severity (uncovered, missedBranch, stale), dataFile,
---                                showBranches, showStale, scope, base, problems, codeLens,
---                                showMutants, mutantResults, severity.survivedMutant
---@field signs? string|false      sign text of lines no test ran (false: no coverage signs)
---@field partial_sign? string     sign text of branch lines that ran but missed an arc
---@field virtual_text? boolean    show covlint's messages at the end of lines (default false)
---@field enable? boolean          start the server for Python buffers (default true)
M.defaults = {
  cmd = nil,
  settings = {},
  signs = '▎',
  partial_sign = '◐',
  virtual_text = false,
  enable = true,
}

M.opts = vim.deepcopy(M.defaults)
M.scope = 'all'

local function clients(bufnr)
  local filter = { name = NAME }
  if bufnr then
    filter.bufnr = bufnr
  end
  return vim.lsp.get_clients(filter)
end

local function request(client, method, params, handler, bufnr)
  if vim.fn.has('nvim-0.11') == 1 then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

--- Ask every covlint server to run `command`; warn when none runs or a server lacks it.
---@param command string
---@param arguments? any[]
---@param on_done? fun()  called after each server answered
function M.execute(command, arguments, on_done)
  local running = clients()
  if #running == 0 then
    vim.notify('covlint: the server is not running (open a Python file first)', vim.log.levels.WARN)
    return
  end
  for _, client in ipairs(running) do
    local provider = client.server_capabilities.executeCommandProvider or {}
    if vim.tbl_contains(provider.commands or {}, command) then
      request(client, 'workspace/executeCommand', { command = command, arguments = arguments }, function(err)
        if err then
          vim.notify(('covlint: %s failed: %s'):format(command, err.message), vim.log.levels.ERROR)
        elseif on_done then
          on_done()
        end
      end)
    else
      vim.notify(('covlint: this server version has no %s command'):format(command), vim.log.levels.WARN)
    end
  end
end

function M.refresh()
  M.execute('covlint.refresh')
end

function M.toggle()
  M.execute('covlint.toggle')
end

---@param scope? 'all'|'diff'  nil: switch to the other one
function M.set_scope(scope)
  scope = scope or (M.scope == 'all' and 'diff' or 'all')
  if scope ~= 'all' and scope ~= 'diff' then
    vim.notify('covlint: scope must be "all" or "diff"', vim.log.levels.ERROR)
    return
  end
  M.scope = scope
  M.execute('covlint.setScope', { scope }, function()
    -- The statusline follows at once, not when the next diagnostics arrive.
    for _, client in ipairs(clients()) do
      for bufnr in pairs(client.attached_buffers or {}) do
        M.update_summary(bufnr)
      end
    end
  end)
end

--- 62.5 -> "62.5%", 80 -> "80%"; never "100%" or "0%" unless exact (as coverage.py and VS Code).
local function format_percent(figures)
  if type(figures) ~= 'table' or type(figures.percent) ~= 'number' then
    return '—'
  end
  local percent = figures.percent
  local shown = math.floor(percent * 10 + 0.5) / 10
  if shown == 100 and percent < 100 then
    shown = 99.9
  elseif shown == 0 and percent > 0 then
    shown = 0.1
  end
  return (('%.1f'):format(shown):gsub('%.0$', '')) .. '%'
end

--- A statusline component: "covlint 62.5% · total 80%" for the current buffer, or "covlint".
function M.status()
  local summary = vim.b.covlint_summary
  if type(summary) ~= 'table' then
    return clients(0)[1] and NAME or ''
  end
  local prefix = M.scope == 'diff' and 'covlint diff ' or 'covlint '
  local text = prefix .. format_percent(summary.file)
  if type(summary.total) == 'table' then
    text = text .. ' · total ' .. format_percent(summary.total)
  end
  return summary.stale and (text .. ' (stale)') or text
end

function M.update_summary(bufnr)
  local client = clients(bufnr)[1]
  if not client or not vim.api.nvim_buf_is_valid(bufnr) then
    return
  end
  local params = { uri = vim.uri_from_bufnr(bufnr) }
  request(client, 'covlint/summary', params, function(err, result)
    if vim.api.nvim_buf_is_valid(bufnr) then
      vim.b[bufnr].covlint_summary = (not err and type(result) == 'table') and result or vim.NIL
      vim.cmd.redrawstatus()
      -- For statusline plugins that cache: `autocmd User CovlintStatus ...`
      vim.api.nvim_exec_autocmds('User', { pattern = 'CovlintStatus', modeline = false, data = { buf = bufnr } })
    end
  end, bufnr)
end

local function diagnostic_config(opts)
  -- covlint's own signs (below) mark every line; the diagnostics keep their underline and list.
  local config = { virtual_text = opts.virtual_text }
  if opts.signs then
    config.signs = false
  end
  return config
end

--- Signs from covlint/marks: a missed-line sign on every line no test ran, a distinct one on
--- branch lines that ran but missed an arc.
local function place_signs(bufnr, marks)
  vim.api.nvim_buf_clear_namespace(bufnr, MARKS, 0, -1)
  if not M.opts.signs or type(marks) ~= 'table' then
    return
  end
  local count = vim.api.nvim_buf_line_count(bufnr)
  local function sign(line, text, group)
    if line < count then
      vim.api.nvim_buf_set_extmark(bufnr, MARKS, line, 0, { sign_text = text, sign_hl_group = group, priority = 20 })
    end
  end
  for _, span in ipairs(marks.missed or {}) do
    for line = span[1], span[2] do
      sign(line, M.opts.signs, 'CovlintMissed')
    end
  end
  for _, partial in ipairs(marks.partial or {}) do
    sign(partial.line, M.opts.partial_sign, 'CovlintPartial')
  end
end

--- Ask the server for the buffer's marks (what the signs and :CovlintNext use).
function M.update_marks(bufnr)
  local client = clients(bufnr)[1]
  if not client or not vim.api.nvim_buf_is_valid(bufnr) then
    return
  end
  request(client, 'covlint/marks', { uri = vim.uri_from_bufnr(bufnr) }, function(err, result)
    if not err and type(result) == 'table' and vim.api.nvim_buf_is_valid(bufnr) then
      vim.b[bufnr].covlint_marks = result
      place_signs(bufnr, result)
    end
  end, bufnr)
end

--- The first line (1-based) of each uncovered run and partly run branch line of the buffer.
local function targets(bufnr)
  local marks = vim.b[bufnr].covlint_marks
  local lines = {}
  if type(marks) ~= 'table' then
    return lines
  end
  for _, span in ipairs(marks.missed or {}) do
    table.insert(lines, span[1] + 1)
  end
  for _, partial in ipairs(marks.partial or {}) do
    table.insert(lines, partial.line + 1)
  end
  table.sort(lines)
  return lines
end

--- Jump to the next (1) or previous (-1) uncovered run or partial branch, wrapping around.
---@param direction 1|-1
function M.jump(direction)
  local lines = targets(0)
  if #lines == 0 then
    vim.notify('covlint: nothing uncovered in this buffer', vim.log.levels.INFO)
    return
  end
  local here = vim.api.nvim_win_get_cursor(0)[1]
  local pick = direction > 0 and lines[1] or lines[#lines]
  for index = 1, #lines do
    local line = direction > 0 and lines[index] or lines[#lines + 1 - index]
    if (direction > 0 and line > here) or (direction < 0 and line < here) then
      pick = line
      break
    end
  end
  vim.api.nvim_win_set_cursor(0, { pick, 0 })
end

--- "3 lines, 1 branch missed · 76.7%"
local function describe(row)
  if row.stale or type(row.figures) ~= 'table' then
    return 'stale: re-run tests'
  end
  local f, parts = row.figures, {}
  if f.missing > 0 then
    table.insert(parts, ('%d line%s'):format(f.missing, f.missing == 1 and '' or 's'))
  end
  if f.missedBranches > 0 then
    table.insert(parts, ('%d branch%s'):format(f.missedBranches, f.missedBranches == 1 and '' or 'es'))
  end
  local missed = #parts > 0 and (table.concat(parts, ', ') .. ' missed · ') or ''
  return missed .. format_percent(f)
end

--- :CovlintSummary: the project's measured files by missed lines, in the quickfix list.
---@param on_done? fun(items: table[])
function M.summary(on_done)
  local bufnr = vim.api.nvim_get_current_buf()
  local client = clients(bufnr)[1] or clients()[1]
  if not client then
    vim.notify('covlint: the server is not running (open a Python file first)', vim.log.levels.WARN)
    return
  end
  local root = client.root_dir or vim.fn.getcwd()
  request(client, 'covlint/files', { uri = vim.uri_from_fname(root) }, function(err, result)
    if err or type(result) ~= 'table' then
      vim.notify('covlint: no summary: ' .. (err and err.message or 'no answer'), vim.log.levels.WARN)
      return
    end
    if result.data == 'missing' then
      vim.notify('covlint: no coverage data yet: run `pytest --cov`', vim.log.levels.INFO)
    end
    local items = {}
    for _, row in ipairs(result.files or {}) do
      table.insert(items, { filename = vim.uri_to_fname(row.uri), lnum = 1, text = describe(row) })
    end
    vim.fn.setqflist({}, ' ', { title = 'covlint: files by missed lines', items = items })
    if #items > 0 then
      vim.cmd('botright copen')
      vim.cmd('wincmd p') -- stay in the buffer you were in
    end
    if on_done then
      on_done(items)
    end
  end, bufnr)
end

local function on_attach(client, bufnr)
  local namespace = vim.lsp.diagnostic.get_namespace(client.id)
  vim.diagnostic.config(diagnostic_config(M.opts), namespace)
  vim.api.nvim_set_hl(0, 'CovlintMissed', { default = true, link = 'DiagnosticError' })
  vim.api.nvim_set_hl(0, 'CovlintPartial', { default = true, link = 'DiagnosticWarn' })
  M.update_marks(bufnr)
end

local function create_commands()
  local command = vim.api.nvim_create_user_command
  command('CovlintRefresh', M.refresh, { desc = 'covlint: reload the coverage data' })
  command('CovlintToggle', M.toggle, { desc = 'covlint: show/hide coverage diagnostics' })
  command('CovlintScope', function(args)
    M.set_scope(args.args ~= '' and args.args or nil)
  end, {
    nargs = '?',
    complete = function()
      return { 'all', 'diff' }
    end,
    desc = 'covlint: diagnostics for all lines or only changed lines (diff)',
  })
  command('CovlintSummary', function()
    M.summary()
  end, { desc = 'covlint: measured files by missed lines (quickfix list)' })
  command('CovlintNext', function()
    M.jump(1)
  end, { desc = 'covlint: next uncovered run or partial branch' })
  command('CovlintPrev', function()
    M.jump(-1)
  end, { desc = 'covlint: previous uncovered run or partial branch' })
end

--- The server configuration: lsp/covlint.lua, overridden by opts.
local function server_config(opts)
  local config = {}
  if opts.cmd then
    config.cmd = opts.cmd
  end
  if next(opts.settings) ~= nil then
    config.settings = { covlint = opts.settings }
    config.init_options = opts.settings
  end
  return config
end

--- Neovim 0.10: no vim.lsp.config; start the server per Python buffer with vim.lsp.start.
local function start_legacy(config)
  local file = vim.api.nvim_get_runtime_file('lsp/covlint.lua', false)[1]
  local base = file and dofile(file) or {}
  local merged = vim.tbl_deep_extend('force', base, config)
  vim.api.nvim_create_autocmd('FileType', {
    group = vim.api.nvim_create_augroup('covlint_start', { clear = true }),
    pattern = merged.filetypes or { 'python' },
    callback = function(args)
      local root = vim.fs.root(args.buf, merged.root_markers) or vim.fn.getcwd()
      vim.lsp.start(vim.tbl_extend('force', merged, { name = NAME, root_dir = root }), { bufnr = args.buf })
    end,
  })
end

---@param opts? covlint.Opts
function M.setup(opts)
  M.opts = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts or {})
  M.scope = M.opts.settings.scope or 'all'
  create_commands()
  local group = vim.api.nvim_create_augroup('covlint', { clear = true })
  vim.api.nvim_create_autocmd('LspAttach', {
    group = group,
    callback = function(args)
      local client = vim.lsp.get_client_by_id(args.data.client_id)
      if client and client.name == NAME then
        on_attach(client, args.buf)
      end
    end,
  })
  vim.api.nvim_create_autocmd('DiagnosticChanged', {
    group = group,
    callback = function(args)
      M.update_summary(args.buf)
      M.update_marks(args.buf)
    end,
  })
  if not M.opts.enable then
    return
  end
  local config = server_config(M.opts)
  if vim.lsp.config then
    vim.lsp.config(NAME, config)
    vim.lsp.enable(NAME)
  else
    start_legacy(config)
  end
end

return M
