" covlint: coverage as a linter. ALE linter definition for covlint's language server.
" Enable it with:  let g:ale_linters = {'python': ['covlint']}   (add your other linters too)
" Options:
"   g:ale_python_covlint_executable  the covlint program (default 'covlint')
"   g:ale_python_covlint_settings    server settings, e.g. {'scope': 'diff', 'base': 'origin/main'}
"     keys: enable, severity (uncovered, missedBranch, stale), dataFile, showBranches,
"     showStale, scope, base, problems, codeLens, showMutants, mutantResults
"     (severity also takes survivedMutant)

call ale#Set('python_covlint_executable', 'covlint')
call ale#Set('python_covlint_settings', {})

let s:root_markers = ['pyproject.toml', '.coveragerc', 'setup.cfg']

" The deepest folder above the buffer that holds a project marker (or .git).
function! ale_linters#python#covlint#FindProjectRoot(buffer) abort
    let l:roots = []

    for l:marker in s:root_markers
        let l:found = ale#path#FindNearestFile(a:buffer, l:marker)

        if !empty(l:found)
            call add(l:roots, fnamemodify(l:found, ':h'))
        endif
    endfor

    let l:git = ale#path#FindNearestDirectory(a:buffer, '.git')

    if !empty(l:git)
        call add(l:roots, fnamemodify(l:git, ':h:h'))
    endif

    if empty(l:roots)
        return expand('#' . a:buffer . ':p:h')
    endif

    return sort(l:roots, {a, b -> len(b) - len(a)})[0]
endfunction

function! ale_linters#python#covlint#Settings(buffer) abort
    return ale#Var(a:buffer, 'python_covlint_settings')
endfunction

function! ale_linters#python#covlint#Config(buffer) abort
    return {'covlint': ale#Var(a:buffer, 'python_covlint_settings')}
endfunction

call ale#linter#Define('python', {
\   'name': 'covlint',
\   'lsp': 'stdio',
\   'executable': {b -> ale#Var(b, 'python_covlint_executable')},
\   'command': '%e serve',
\   'project_root': function('ale_linters#python#covlint#FindProjectRoot'),
\   'initialization_options': function('ale_linters#python#covlint#Settings'),
\   'lsp_config': function('ale_linters#python#covlint#Config'),
\})
