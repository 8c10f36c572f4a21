# bash completion for nltc: commands, each command's options, .nlt files for models and
# folders for -o/--store/--data-dir. Installed as share/bash-completion/completions/nltc;
# source it by hand with `. completion/nltc.bash`. The test completion (tests/install)
# checks that it names every command and option of `nltc --help` and the commands' --help.

_nltc_opts() {
    case $1 in
    run | "") echo "-o --check --emit --set -I --data-dir --seed --resume --threads --store
        --no-record --no-rtl --no-synth --force --max-memory -q --quiet -v --verbose --log
        --color --version -h --help" ;;
    runs) echo "--model --store --json --csv --sort -h --help" ;;
    show) echo "--json --store -h --help" ;;
    diff) echo "--html --store -h --help" ;;
    checkout) echo "-o --force --store -h --help" ;;
    tag) echo "--store -h --help" ;;
    verify) echo "--pipelines --no-rtl --no-csim --formal --synth --keep --work --model
        --quiet -h --help" ;;
    fmt) echo "-w --write --check -h --help" ;;
    lsp) echo "-I --stdio -h --help" ;;
    sweep) echo "-o -j --jobs --threads --dry-run --store -I --data-dir --no-rtl --shard
        --no-synth -h --help" ;;
    pareto) echo "--store --model --html -h --help" ;;
    predict) echo "-o --output --codes -h --help" ;;
    esac
}

_nltc() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    local commands="run runs show diff checkout tag verify fmt lsp predict sweep pareto"
    local cmd="" i
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
        -*) ;;
        *) if [[ " $commands " == *" ${COMP_WORDS[i]} "* ]]; then cmd=${COMP_WORDS[i]}; fi
           break ;;
        esac
    done
    case $prev in
    -o | --store | --data-dir | -I | --keep | --work)
        COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --log | --html | --output)
        COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --model)
        if [[ $cmd == verify ]]; then
            COMPREPLY=($(compgen -f -X '!*.nlt' -- "$cur") $(compgen -d -- "$cur"))
        fi
        return ;;
    --emit) COMPREPLY=($(compgen -W "ir" -- "$cur")); return ;;
    --color) COMPREPLY=($(compgen -W "auto always never" -- "$cur")); return ;;
    --sort) COMPREPLY=($(compgen -W "date accuracy luts model seed" -- "$cur")); return ;;
    --pipelines) COMPREPLY=($(compgen -W "none every_layer trees all" -- "$cur")); return ;;
    --set) COMPREPLY=($(compgen -W "train.batch= train.lr= train.seed= tree. stage.
        hardware. lut. model.bits= input.bits= output.bits=" -- "$cur"))
        compopt -o nospace 2>/dev/null; return ;;
    --seed | --threads | --max-memory | -j | --jobs | --shard) return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_nltc_opts "$cmd")" -- "$cur"))
    elif [[ -z $cmd && $COMP_CWORD -eq 1 ]]; then
        COMPREPLY=($(compgen -W "$commands" -- "$cur") $(compgen -f -X '!*.nlt' -- "$cur"))
        compopt -o filenames 2>/dev/null
        COMPREPLY+=($(compgen -d -- "$cur"))
    else
        case $cmd in
        verify | lsp) COMPREPLY=($(compgen -d -- "$cur")) ;;
        predict) compopt -o filenames 2>/dev/null
           COMPREPLY=($(compgen -d -- "$cur") $(compgen -f -X '!*.csv*' -- "$cur")) ;;
        show | diff | checkout | tag) ;;
        *) compopt -o filenames 2>/dev/null
           COMPREPLY=($(compgen -f -X '!*.nlt' -- "$cur") $(compgen -d -- "$cur")) ;;
        esac
    fi
}
complete -F _nltc nltc
