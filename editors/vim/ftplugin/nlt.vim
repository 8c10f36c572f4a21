" Vim filetype settings for .nlt model files (nltc): comments and brace indentation
" in the layout `nltc fmt` writes (4 spaces).
if exists('b:did_ftplugin')
  finish
endif
let b:did_ftplugin = 1

setlocal commentstring=//\ %s
setlocal comments=s1:/*,mb:*,ex:*/,://
setlocal expandtab shiftwidth=4 softtabstop=4
setlocal cindent cinoptions=+0,(0,j1,J1
setlocal cinkeys=0{,0},!^F,o,O

let b:undo_ftplugin = 'setlocal commentstring< comments< expandtab< shiftwidth< softtabstop< cindent< cinoptions< cinkeys<'
