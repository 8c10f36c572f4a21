;;; nlt-mode.el --- Major mode for .nlt model files (nltc)  -*- lexical-binding: t; -*-

;; GENERATED from editors/templates/nlt-mode.el.in and lang/keywords.def by
;; editors/gen_keywords.cmake; edit those, not this file.

;;; Commentary:

;; Font-lock and indentation for the .nlt language of nltc, the compiler for LUT-based
;; neural networks (lang/README.md).  Words take their meaning by context: a block kind
;; before `{' or `extends', a property name before `=', a value word elsewhere.
;; Install: see editors/README.md.

;;; Code:

(defgroup nlt nil
  "Editing .nlt model files."
  :group 'languages)

(defcustom nlt-indent-offset 4
  "Indentation of one nesting level in .nlt files."
  :type 'integer
  :safe #'integerp)

(defface nlt-number-face '((t :inherit font-lock-constant-face))
  "Face of numeric literals in .nlt files.")

(defconst nlt-syntax-keywords '("extends" "import" "in" "where")
  "Reserved words of the .nlt grammar.")
(defconst nlt-block-keywords '("dataset" "hardware" "input" "lut" "model" "output" "stage" "sweep" "train" "tree")
  "Words that start a block.")
(defconst nlt-property-keywords '("argmax" "augment" "average" "batch" "binarize" "bits" "categorical" "class_names" "class_weight" "classes" "clock" "connect" "dataset" "delimiter" "depth" "draw_seed" "draws" "drop" "encode" "encoding" "epochs" "fanin" "format" "freeze_mapping" "hardware" "head" "header" "hidden" "inputs" "interface" "kind" "label" "leaves" "levels" "log1p" "lr" "lut_inputs" "max_latency" "max_luts" "missing" "neurons" "norm" "optimizer" "part" "pipeline" "quant" "reduce" "regularize" "reset" "reset_style" "scale" "schedule" "seed" "select" "skip" "split_seed" "target" "test" "train" "valid")
  "Property names.")
(defconst nlt-argument-keywords '("batches" "beta1" "beta2" "changes" "decay" "degree" "errors" "fill" "lr_min" "margin" "members" "mult" "pixels" "rarity" "restart" "steps" "tau" "thresholds" "wd" "wd1" "weight_decay")
  "Named arguments of value constructors.")
(defconst nlt-value-keywords '("abc" "adam" "adamw" "async_high" "async_low" "auto" "balanced" "binarize" "codes" "constant" "contiguous" "cosine" "csv" "cyclone_v" "dense" "dont_care" "ecp5" "ema" "error" "every" "every_layer" "false" "group_sum" "hardtanh" "hw" "hx8k" "ice40" "identity" "idx" "last" "learned" "linear" "mapping" "mean" "minmax" "mlp" "none" "onehot" "own" "plain" "poly" "quantile" "random" "relu" "separate" "shared" "shift" "sparse" "standardize" "stream" "support" "sync_high" "sync_low" "table" "thermometer" "tree" "trees" "true" "ultrascale_plus" "uniform" "up5k" "validation" "zero")
  "Words used as values.")
(defconst nlt-unit-keywords '("bits" "epochs")
  "Units after a number.")

(defvar nlt-mode-syntax-table
  (let ((st (make-syntax-table)))
    (modify-syntax-entry ?/ ". 124b" st)
    (modify-syntax-entry ?* ". 23" st)
    (modify-syntax-entry ?\n "> b" st)
    (modify-syntax-entry ?_ "_" st)
    (modify-syntax-entry ?\" "\"" st)
    (modify-syntax-entry ?\\ "\\" st)
    (modify-syntax-entry ?% "." st)
    (modify-syntax-entry ?= "." st)
    (modify-syntax-entry ?- "." st)
    (modify-syntax-entry ?> "." st)
    st)
  "Syntax table of `nlt-mode'.")

(defconst nlt-font-lock-keywords
  (let ((name "\\_<[A-Za-z_][A-Za-z0-9_]*\\_>"))
    `((,(concat "\\_<" (regexp-opt nlt-block-keywords t) "\\_>"
                ;; The name group may not swallow `extends': the match then fails at the
                ;; base and backtracks to "no name".
                "\\(?:[ \t]+\\(" name "\\)\\)?"
                "[ \t]*\\(?:\\_<extends\\_>\\|{\\)")
       (1 font-lock-type-face)
       (2 font-lock-variable-name-face nil t))
      (,(concat "\\_<\\(extends\\)[ \t]+\\(" name "\\)")
       (1 font-lock-keyword-face)
       (2 font-lock-type-face))
      (,(concat "\\_<" (regexp-opt nlt-syntax-keywords t) "\\_>")
       (1 font-lock-keyword-face))
      (,(concat "\\_<" (regexp-opt nlt-property-keywords t) "\\_>[ \t]*=")
       (1 font-lock-builtin-face))
      (,(concat "\\_<" (regexp-opt nlt-argument-keywords t) "\\_>[ \t]*=")
       (1 font-lock-preprocessor-face))
      (,(concat "\\(" name "\\)[ \t]*(")
       (1 font-lock-function-name-face))
      (,(concat "\\(?:^\\|[^A-Za-z0-9_.]\\)"
                "\\(-?[0-9]+\\(?:\\.[0-9]+\\)?\\(?:[eE][-+]?[0-9]+\\)?\\)"
                "\\(?:[ \t]*\\(%\\|\\_<" (regexp-opt nlt-unit-keywords) "\\_>\\)\\)?")
       (1 'nlt-number-face)
       (2 font-lock-type-face nil t))
      (,(concat "\\_<" (regexp-opt nlt-value-keywords t) "\\_>")
       (1 font-lock-constant-face))))
  "Font-lock rules of `nlt-mode'; earlier rules win.")

(defun nlt--continuation-p ()
  "Non-nil when the code before this line ends in `=' or `->' outside ( and [."
  (save-excursion
    (beginning-of-line)
    ;; Back over white space and comments to the last token before the line.
    (forward-comment (- (point)))
    (and (not (bobp))
         (looking-back "\\(?:=\\|->\\)" (max (point-min) (- (point) 2)))
         (let ((open (nth 1 (syntax-ppss))))
           (or (null open) (eq (char-after open) ?{))))))

(defun nlt-indent-line ()
  "Indent the current line by its bracket depth, 4 spaces a level."
  (interactive)
  (let* ((ppss (save-excursion (syntax-ppss (line-beginning-position))))
         (depth (car ppss))
         (in-comment (nth 4 ppss))
         (offset (- (point-max) (point))))
    (unless in-comment
      (save-excursion
        (back-to-indentation)
        (when (looking-at "[]})]")
          (setq depth (1- depth))))
      (when (nlt--continuation-p)
        (setq depth (1+ depth)))
      (indent-line-to (* nlt-indent-offset (max depth 0)))
      (when (> (- (point-max) offset) (point))
        (goto-char (- (point-max) offset))))))

;;;###autoload
(define-derived-mode nlt-mode prog-mode "NLT"
  "Major mode for .nlt model files of nltc."
  :syntax-table nlt-mode-syntax-table
  (setq-local comment-start "// ")
  (setq-local comment-end "")
  (setq-local comment-start-skip "\\(?://+\\|/\\*+\\)\\s-*")
  (setq-local font-lock-defaults '(nlt-font-lock-keywords))
  (setq-local indent-line-function #'nlt-indent-line)
  (setq-local indent-tabs-mode nil)
  (setq-local electric-indent-chars (append '(?} ?\]) electric-indent-chars)))

;;;###autoload
(add-to-list 'auto-mode-alist '("\\.nlt\\'" . nlt-mode))

(provide 'nlt-mode)
;;; nlt-mode.el ends here
