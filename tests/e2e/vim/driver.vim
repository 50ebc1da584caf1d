" Vim + ALE driver for covlint's e2e test: vim -N -u driver.vim -i NONE -n -es, COVLINT_JOB=<job.json>.
" Loads ALE and the shipped editors/vim, opens the file, waits for ALE's loclist, runs the job's
" steps and writes the loclists as JSON to the job's output file.
let s:job = json_decode(join(readfile($COVLINT_JOB), "\n"))
let s:result = {'steps': {}}
let s:published = 0

let &runtimepath = s:job.plugin . ',' . &runtimepath
packadd ale
filetype plugin on
let g:ale_linters = {'python': ['covlint']}
let g:ale_python_covlint_settings = s:job.settings
let g:ale_set_signs = 1

augroup covlint_e2e
    autocmd User ALELintPost let s:published += 1
augroup END

function! s:Wait(timeout_ms, condition) abort
    let l:start = reltime()

    while !eval(a:condition) && reltimefloat(reltime(l:start)) * 1000 < a:timeout_ms
        sleep 20m
    endwhile

    return eval(a:condition)
endfunction

function! s:Loclist() abort
    let l:out = []

    for l:item in ale#engine#GetLoclist(bufnr(''))
        call add(l:out, {
        \   'lnum': l:item.lnum, 'col': l:item.col,
        \   'end_lnum': get(l:item, 'end_lnum', v:null), 'end_col': get(l:item, 'end_col', v:null),
        \   'type': l:item.type, 'text': l:item.text, 'code': get(l:item, 'code', v:null),
        \   'detail': get(l:item, 'detail', v:null), 'linter_name': l:item.linter_name,
        \})
    endfor

    return l:out
endfunction

function! s:Main() abort
    execute 'edit ' . fnameescape(s:job.file)
    let s:result.filetype = &filetype

    for l:step in s:job.steps
        " The first publish may land before this loop: only steps that run a command need a new one.
        let s:before = has_key(l:step, 'command') ? s:published : -1

        if has_key(l:step, 'command')
            execute l:step.command
        endif

        let l:reached = s:Wait(s:job.timeout_ms,
        \   's:published > s:before && len(ale#engine#GetLoclist(bufnr(""))) == ' . l:step.count)
        execute 'sleep ' . s:job.settle_ms . 'm'
        let l:signs = len(sign_getplaced(bufnr(''), {'group': 'ale'})[0].signs)
        let s:result.steps[l:step.name] = {'loclist': s:Loclist(), 'reached': l:reached, 'signs': l:signs}
    endfor
endfunction

function! s:Run() abort
    try
        call s:Main()
    catch
        let s:result.error = v:exception . ' at ' . v:throwpoint
    endtry

    let s:result.log = execute('ALEInfo')

    call writefile([json_encode(s:result)], s:job.output)

    if has_key(s:result, 'error')
        cquit 1
    endif

    qall!
endfunction

" After start-up, when plugins (editors/vim/plugin) are loaded, as for a user opening a file.
autocmd VimEnter * ++nested call s:Run()
