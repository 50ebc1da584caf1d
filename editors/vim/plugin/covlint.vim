" covlint: commands for the covlint language server running under ALE.
"   :CovlintRefresh         reload the coverage data
"   :CovlintToggle          show/hide coverage diagnostics
"   :CovlintScope {all|diff}  diagnose all lines, or only lines changed against the base
if exists('g:loaded_covlint')
    finish
endif
let g:loaded_covlint = 1

function! s:Execute(command, arguments) abort
    if !exists('*ale#lsp_linter#SendRequest')
        echohl ErrorMsg | echomsg 'covlint: ALE is not loaded' | echohl None
        return
    endif

    let l:message = [0, 'workspace/executeCommand', {'command': a:command, 'arguments': a:arguments}]

    try
        call ale#lsp_linter#SendRequest(bufnr(''), 'covlint', l:message, function('s:OnResponse'))
    catch
        echohl ErrorMsg | echomsg 'covlint: ' . v:exception | echohl None
    endtry
endfunction

function! s:OnResponse(response) abort
    if has_key(a:response, 'error')
        echohl ErrorMsg | echomsg 'covlint: ' . get(a:response.error, 'message', 'command failed') | echohl None
    endif
endfunction

command! CovlintRefresh call s:Execute('covlint.refresh', [])
command! CovlintToggle call s:Execute('covlint.toggle', [])
command! -nargs=1 -complete=customlist,s:Scopes CovlintScope call s:Execute('covlint.setScope', [<q-args>])

function! s:Scopes(...) abort
    return ['all', 'diff']
endfunction
