" Vim indent file for .nlt model files (nltc): the layout `nltc fmt` writes. A line is
" indented 4 spaces (shiftwidth) per bracket ({ [ () open before it, one level less when
" it starts with a closing bracket, one level more when the code before it ends in `=` or
" `->` outside ( and [ (a value continued on the next line). Lines inside a block
" comment keep their indentation.
if exists('b:did_indent')
  finish
endif
let b:did_indent = 1

setlocal indentexpr=NltIndent(v:lnum)
setlocal indentkeys=0{,0},0],0),!^F,o,O
setlocal nolisp nosmartindent nocindent autoindent

let b:undo_indent = 'setlocal indentexpr< indentkeys< lisp< smartindent< cindent< autoindent<'

if exists('*NltIndent')
  finish
endif

" Scans lines 1 .. lnum-1 and returns [open brackets (a string of their characters), in a
" block comment at the start of lnum, last code character before lnum and whether it
" ended with `->`].
function! s:Scan(lnum) abort
  let stack = ''
  let in_comment = 0
  let last = ''
  for l in range(1, a:lnum - 1)
    let text = getline(l)
    let i = 0
    let n = strlen(text)
    while i < n
      let c = text[i]
      if in_comment
        if c ==# '*' && text[i + 1] ==# '/'
          let in_comment = 0
          let i += 1
        endif
      elseif c ==# '/' && text[i + 1] ==# '/'
        break
      elseif c ==# '/' && text[i + 1] ==# '*'
        let in_comment = 1
        let i += 1
      elseif c ==# '"'
        let i += 1
        while i < n && text[i] !=# '"'
          let i += text[i] ==# '\' ? 2 : 1
        endwhile
        let last = '"'
      elseif c =~# '[{[(]'
        let stack .= c
        let last = c
      elseif c =~# '[}\])]'
        let stack = stack[: -2]
        let last = c
      elseif c !~# '\s'
        let last = c ==# '>' && i > 0 && text[i - 1] ==# '-' ? '->' : c
      endif
      let i += 1
    endwhile
  endfor
  return [stack, in_comment, last]
endfunction

function! NltIndent(lnum) abort
  let [stack, in_comment, last] = s:Scan(a:lnum)
  if in_comment
    return -1
  endif
  let depth = strlen(stack)
  if getline(a:lnum) =~# '^\s*[}\])]'
    let depth -= 1
  endif
  if (last ==# '=' || last ==# '->') && (stack ==# '' || stack[-1:] ==# '{')
    let depth += 1
  endif
  return shiftwidth() * max([depth, 0])
endfunction
