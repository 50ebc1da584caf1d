-- covlint: coverage as a linter. The language server's configuration for Neovim >= 0.11:
--   vim.lsp.enable('covlint')            -- with this file on 'runtimepath'
--   vim.lsp.config('covlint', { settings = { covlint = { scope = 'diff' } } })   -- optional
-- Settings (all optional): enable, severity = { uncovered, missedBranch, stale, survivedMutant }, dataFile,
-- showBranches, showStale, scope ('all' | 'diff'), base, problems ('all' | 'diff' | 'none'),
-- codeLens, showMutants, mutantResults. See editors/nvim/README.md.

---@type vim.lsp.Config
return {
  cmd = { 'covlint', 'serve' },
  filetypes = { 'python' },
  root_markers = { 'pyproject.toml', '.coveragerc', 'setup.cfg', '.git' },
}
