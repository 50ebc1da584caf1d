-- covlint for Neovim: starts `covlint serve` for Python buffers, adds commands, signs and a
-- statusline component. Neovim >= 0.11 uses lsp/covlint.lua; 0.10 falls back to vim.lsp.start.
local M = {}

local NAME = 'covlint'

---@class covlint.Opts
---@field cmd? string[]            server command (default { 'covlint', 'serve' })
---@field settings? table          server settings: enable, severity, dataFile, showBranches, showStale, scope, base
---@field signs? string|false      sign text for covlint's diagnostics, false: the editor's defaults
---@field virtual_text? boolean    show covlint's messages at the end of lines (default false)
---@field enable? boolean          start the server for Python buffers (default true)
M.defaults = {
  cmd = nil,
  settings = {},
  signs = '▎',
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
function M.execute(command, arguments)
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
  M.execute('covlint.setScope', { scope })
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

local function update_summary(bufnr)
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
  local config = { virtual_text = opts.virtual_text }
  if opts.signs then
    local severity = vim.diagnostic.severity
    config.signs = {
      text = {
        [severity.ERROR] = opts.signs,
        [severity.WARN] = opts.signs,
        [severity.INFO] = opts.signs,
        [severity.HINT] = opts.signs,
      },
    }
  end
  return config
end

local function on_attach(client)
  local namespace = vim.lsp.diagnostic.get_namespace(client.id)
  vim.diagnostic.config(diagnostic_config(M.opts), namespace)
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
        on_attach(client)
      end
    end,
  })
  vim.api.nvim_create_autocmd('DiagnosticChanged', {
    group = group,
    callback = function(args)
      update_summary(args.buf)
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
