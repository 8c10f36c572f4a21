" Vim syntax file for .nlt model files (nltc, NeuraLUT-Assemble models).
" GENERATED from editors/templates/nlt.vim.in and lang/keywords.def by
" editors/gen_keywords.cmake; edit those, not this file.
" Install: see editors/README.md.

if exists('b:current_syntax')
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

syn case match

" Words take their meaning by context (lang/README.md): later matches win, so a value
" word is overridden by a block kind before `{` and by a property name before `=`.
syn match nltValue    "\<\(abc\|adam\|adamw\|async_high\|async_low\|auto\|balanced\|binarize\|codes\|constant\|contiguous\|cosine\|csv\|cyclone_v\|dense\|dont_care\|ecp5\|ema\|error\|every\|every_layer\|false\|group_sum\|hardtanh\|hw\|hx8k\|ice40\|identity\|idx\|last\|learned\|linear\|mapping\|mean\|minmax\|mlp\|none\|onehot\|own\|plain\|poly\|quantile\|random\|relu\|separate\|shared\|shift\|sparse\|standardize\|stream\|support\|sync_high\|sync_low\|table\|thermometer\|tree\|trees\|true\|ultrascale_plus\|uniform\|up5k\|validation\|zero\)\>"
syn match nltCall     "\<\h\w*\ze\s*("
syn match nltBlock    "\<\(dataset\|hardware\|input\|lut\|model\|output\|stage\|sweep\|train\|tree\)\>\ze\(\s\+\h\w*\)\=\s*\(\<extends\>\|{\)"
syn match nltBlockName "\(\<\(dataset\|hardware\|input\|lut\|model\|output\|stage\|sweep\|train\|tree\)\s\+\)\@<=\(extends\>\)\@!\h\w*\ze\s*\(\<extends\>\|{\)"
syn match nltProp     "\<\(argmax\|augment\|average\|batch\|binarize\|bits\|categorical\|class_names\|class_weight\|classes\|clock\|connect\|dataset\|delimiter\|depth\|draw_seed\|draws\|drop\|encode\|encoding\|epochs\|fanin\|format\|freeze_mapping\|hardware\|head\|header\|hidden\|inputs\|interface\|kind\|label\|leaves\|levels\|log1p\|lr\|lut_inputs\|max_latency\|max_luts\|missing\|neurons\|norm\|optimizer\|part\|pipeline\|quant\|reduce\|regularize\|reset\|reset_style\|scale\|schedule\|seed\|select\|skip\|split_seed\|target\|test\|train\|valid\)\>\ze\s*="
syn match nltArg      "\<\(batches\|beta1\|beta2\|changes\|decay\|degree\|errors\|fill\|lr_min\|margin\|members\|mult\|pixels\|rarity\|restart\|steps\|tau\|thresholds\|wd\|wd1\|weight_decay\)\>\ze\s*="
syn keyword nltImport import
syn match nltExtends  "\<\(extends\|in\|where\)\>"
syn match nltBase     "\(\<extends\s\+\)\@<=\h\w*"

syn match nltNumber   "\(\w\|\.\)\@<!-\=\d\+\(\.\d\+\)\=\([eE][+-]\=\d\+\)\=\(\w\|\.\)\@!" nextgroup=nltUnit skipwhite
syn match nltUnit     "%\|\<\(bits\|epochs\)\>" contained

syn region nltString  start=+"+ skip=+\\\\\|\\"+ end=+"\|$+ contains=nltEscape oneline
syn match nltEscape   +\\[\\"nt]+ contained

syn match nltOperator "->\|="
syn keyword nltTodo   contained TODO FIXME XXX NOTE
syn region nltComment start="//" end="$" contains=nltTodo,@Spell
syn region nltComment start="/\*" end="\*/" contains=nltTodo,@Spell

hi def link nltImport    Include
hi def link nltExtends   Keyword
hi def link nltBlock     Structure
hi def link nltBlockName Identifier
hi def link nltBase      Type
hi def link nltProp      Identifier
hi def link nltArg       Special
hi def link nltValue     Constant
hi def link nltCall      Function
hi def link nltNumber    Number
hi def link nltUnit      Type
hi def link nltString    String
hi def link nltEscape    SpecialChar
hi def link nltOperator  Operator
hi def link nltComment   Comment
hi def link nltTodo      Todo

let b:current_syntax = 'nlt'

let &cpo = s:cpo_save
unlet s:cpo_save
