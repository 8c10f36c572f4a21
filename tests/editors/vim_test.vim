" vim_test.vim - loads editors/vim (ftdetect + syntax) headless on .nlt files and checks
" the highlight groups of keywords, numbers, strings and comments.
" usage: vim -N -u NONE -i NONE -es -S vim_test.vim -- (reads g:nlt_* set by --cmd):
"   g:nlt_rtp       the editors/vim folder
"   g:nlt_keywords  lang/keywords.def
"   g:nlt_files     list of .nlt files (highlighting)
"   g:nlt_indent    list of files in `nltc fmt` layout (re-indenting must change nothing)
"   g:nlt_out       file receiving the report
" Quits with exit code 0 when every check holds, 1 otherwise.
let s:fail = []
let s:checked = 0

function! s:Group(lnum, col) abort
  return synIDattr(synID(a:lnum, a:col, 1), 'name')
endfunction

function! s:Expect(name, lnum, col, want) abort
  let s:checked += 1
  let got = s:Group(a:lnum, a:col)
  if got !=# a:want
    call add(s:fail, printf('%s:%d:%d: expected %s, got "%s" in: %s', a:name, a:lnum, a:col,
          \ a:want, got, getline(a:lnum)))
  endif
endfunction

" Per-line spot checks that hold in any well-formed file: comments, strings, numbers,
" import, properties before `=` (role PROP in keywords.def).
function! s:CheckBuffer(name, props) abort
  if &filetype !=# 'nlt' || get(b:, 'current_syntax', '') !=# 'nlt'
    call add(s:fail, a:name . ': filetype "' . &filetype . '" / syntax not loaded')
    return
  endif
  let in_block = 0
  for lnum in range(1, line('$'))
    let text = getline(lnum)
    if in_block
      if text =~# '\*/'
        let in_block = 0
      endif
      if text =~# '\S'
        call s:Expect(a:name, lnum, match(text, '\S') + 1, 'nltComment')
      endif
      continue
    endif
    " Strip strings first so that // and numbers inside them are not taken for code.
    let code = substitute(text, '"\([^"\\]\|\\.\)*"', '\=repeat("S", strlen(submatch(0)))', 'g')
    let c = match(code, '//\|/\*')
    if c >= 0
      call s:Expect(a:name, lnum, c + 1, 'nltComment')
      if code[c : c + 1] ==# '/*' && code[c + 2 :] !~# '\*/'
        let in_block = 1
      endif
      let code = strpart(code, 0, c)
    endif
    let s = match(code, 'S')
    if s >= 0
      call s:Expect(a:name, lnum, s + 1, 'nltString')
    endif
    let m = matchstrpos(code, '\(=\s*\|\[\s*\|,\s*\)\zs-\=\d\+\(\.\d\+\)\=\([eE][+-]\=\d\+\)\=\>')
    if m[1] >= 0
      call s:Expect(a:name, lnum, m[1] + 1, 'nltNumber')
    endif
    let p = matchstrpos(code, '\(^\|[{;]\)\s*\zs\h\w*\ze\s*=')
    if p[1] >= 0 && index(a:props, p[0]) >= 0
      call s:Expect(a:name, lnum, p[1] + 1, 'nltProp')
    endif
    let i = match(code, '^\s*\zsimport\>')
    if i >= 0
      call s:Expect(a:name, lnum, i + 1, 'nltImport')
    endif
  endfor
endfunction

" keywords.def: role lists.
let s:roles = {'SYNTAX': [], 'BLOCK': [], 'PROP': [], 'VALUE': [], 'ARG': [], 'UNIT': []}
for s:line in readfile(g:nlt_keywords)
  let s:m = matchlist(s:line, '^KW(\(\w\+\), "\(\w\+\)", \([A-Z |]\+\))$')
  if !empty(s:m)
    for s:r in split(s:m[3], '\s*|\s*')
      call add(s:roles[s:r], s:m[2])
    endfor
  endif
endfor

execute 'set runtimepath^=' . fnameescape(g:nlt_rtp)
filetype plugin indent on
syntax on

" Every keyword in each of its roles, in a synthetic buffer.
enew
setfiletype nlt
let s:want = []
for s:w in s:roles.BLOCK
  call add(s:want, [s:w . ' n {}', 1, 'nltBlock'])
  call add(s:want, [s:w . ' n {}', strlen(s:w) + 2, 'nltBlockName'])
  call add(s:want, [s:w . ' extends b {}', strlen(s:w) + 2, 'nltExtends'])
  call add(s:want, [s:w . ' extends b {}', strlen(s:w) + 10, 'nltBase'])
endfor
for s:w in s:roles.PROP
  call add(s:want, [s:w . ' = 1', 1, 'nltProp'])
endfor
for s:w in s:roles.ARG
  call add(s:want, ['p = f(' . s:w . ' = 1)', 7, 'nltArg'])
  call add(s:want, ['p = f(' . s:w . ' = 1)', 5, 'nltCall'])
endfor
for s:w in s:roles.VALUE
  call add(s:want, ['p = ' . s:w, 5, 'nltValue'])
endfor
for s:w in s:roles.UNIT
  call add(s:want, ['p = 25 ' . s:w, 8, 'nltUnit'])
endfor
for s:w in s:roles.SYNTAX
  call add(s:want, [s:w . ' "x"', 1, s:w ==# 'import' ? 'nltImport' : 'nltExtends'])
endfor
call add(s:want, ['p = 10%', 7, 'nltUnit'])
call add(s:want, ['p = -3e-5 // c', 5, 'nltNumber'])
call add(s:want, ['p = -3e-5 // c', 11, 'nltComment'])
call add(s:want, ['p = "a\"b" /* c */', 5, 'nltString'])
call add(s:want, ['p = "a\"b" /* c */', 7, 'nltEscape'])
call add(s:want, ['p = "a\"b" /* c */', 12, 'nltComment'])
call setline(1, map(copy(s:want), 'v:val[0]'))
for s:i in range(len(s:want))
  call s:Expect('<keywords.def synthetic>', s:i + 1, s:want[s:i][1], s:want[s:i][2])
endfor
bwipeout!

for s:f in g:nlt_files
  execute 'edit ' . fnameescape(s:f)
  call s:CheckBuffer(s:f, s:roles.PROP)
  bwipeout!
endfor

" Files in `nltc fmt` layout: re-indenting the whole buffer (indent/nlt.vim) changes
" nothing.
for s:f in g:nlt_indent
  execute 'edit ' . fnameescape(s:f)
  if &filetype !=# 'nlt'
    setfiletype nlt
  endif
  let s:before = getline(1, '$')
  silent normal! gg=G
  let s:after = getline(1, '$')
  let s:checked += 1
  for s:i in range(len(s:before))
    if s:before[s:i] !=# s:after[s:i]
      call add(s:fail, printf('%s:%d: re-indenting changes "%s" to "%s"', s:f, s:i + 1,
            \ s:before[s:i], s:after[s:i]))
      break
    endif
  endfor
  bwipeout!
endfor

if !empty(v:errmsg)
  call add(s:fail, 'vim error: ' . v:errmsg)
endif
call writefile(s:fail + [printf('%d files, %d re-indented, %d checks, %d failures',
      \ len(g:nlt_files), len(g:nlt_indent), s:checked, len(s:fail))], g:nlt_out)
execute empty(s:fail) ? 'qall!' : 'cquit!'
