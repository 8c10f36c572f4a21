" Vim filetype detection for .nlt model files (nltc).
autocmd BufNewFile,BufRead *.nlt setfiletype nlt
