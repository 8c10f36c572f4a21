;;; emacs_test.el --- batch test of editors/emacs/nlt-mode.el  -*- lexical-binding: t; -*-

;; usage: emacs -Q --batch -l nlt-mode.el -l emacs_test.el KEYWORDS_DEF FILE...
;; For every FILE: the mode is chosen by auto-mode-alist, font-lock runs without error,
;; and comments, strings, numbers and `import' get their faces.  A FILE written as
;; +PATH is also re-indented as a whole, which must leave it unchanged (such files are
;; in nltc fmt's 4-space layout).  A synthetic
;; buffer checks every word of keywords.def in each of its roles.  Exit 0 or 1.

;;; Code:

(require 'nlt-mode)

(defvar nlt-test-failures nil)
(defvar nlt-test-checks 0)

(defun nlt-test-face-at (pos)
  (let ((f (get-text-property pos 'face)))
    (if (listp f) f (list f))))

(defun nlt-test-expect (name pos face)
  (setq nlt-test-checks (1+ nlt-test-checks))
  (unless (or (memq face (nlt-test-face-at pos))
              ;; A comment's opening characters get the delimiter face.
              (and (eq face 'font-lock-comment-face)
                   (memq 'font-lock-comment-delimiter-face (nlt-test-face-at pos))))
    (push (format "%s:%d:%d: expected %s, got %S in: %s" name (line-number-at-pos pos)
                  (save-excursion (goto-char pos) (1+ (current-column))) face
                  (get-text-property pos 'face)
                  (save-excursion (goto-char pos)
                                  (buffer-substring (line-beginning-position) (line-end-position))))
          nlt-test-failures)))

(defun nlt-test-read-roles (file)
  "Alist (ROLE . WORDS) from keywords.def FILE."
  (let (roles)
    (with-temp-buffer
      (insert-file-contents file)
      (while (re-search-forward "^KW(\\([A-Z0-9_]+\\), \"\\([a-z0-9_]+\\)\", \\([A-Z |]+\\))$" nil t)
        (let ((word (match-string 2)))
          (dolist (r (split-string (match-string 3) "[ |]+" t))
            (let ((cell (assoc r roles)))
              (if cell (setcdr cell (cons word (cdr cell)))
                (push (list r word) roles)))))))
    roles))

(defun nlt-test-synthetic (roles)
  (with-temp-buffer
    (nlt-mode)
    (let (want)
      (cl-flet ((line (text col face)
                  (goto-char (point-max))
                  (let ((bol (point)))
                    (insert text "\n")
                    (push (cons (+ bol col) face) want))))
        (dolist (w (cdr (assoc "BLOCK" roles)))
          (line (concat w " n {}") 0 'font-lock-type-face)
          (line (concat w " n {}") (1+ (length w)) 'font-lock-variable-name-face)
          (line (concat w " extends b {}") (1+ (length w)) 'font-lock-keyword-face))
        (dolist (w (cdr (assoc "PROP" roles)))
          (line (concat w " = 1") 0 'font-lock-builtin-face))
        (dolist (w (cdr (assoc "ARG" roles)))
          (line (concat "p = f(" w " = 1)") 6 'font-lock-preprocessor-face)
          (line (concat "p = f(" w " = 1)") 4 'font-lock-function-name-face))
        (dolist (w (cdr (assoc "VALUE" roles)))
          (line (concat "p = " w) 4 'font-lock-constant-face))
        (dolist (w (cdr (assoc "UNIT" roles)))
          (line (concat "p = 25 " w) 7 'font-lock-type-face))
        (line "import \"x\"" 0 'font-lock-keyword-face)
        (line "p = 10%" 6 'font-lock-type-face)
        (line "p = -3e-5 // c" 4 'nlt-number-face)
        (line "p = -3e-5 // c" 10 'font-lock-comment-face)
        (line "p = \"a\" /* c */" 4 'font-lock-string-face)
        (line "p = \"a\" /* c */" 11 'font-lock-comment-face))
      (font-lock-ensure)
      (dolist (w want)
        (nlt-test-expect "<keywords.def synthetic>" (car w) (cdr w))))))

(defun nlt-test-file (arg)
  (let* ((indent (string-prefix-p "+" arg))
         (file (if indent (substring arg 1) arg))
         (buf (find-file-noselect file)))
    (with-current-buffer buf
      ;; Files named otherwise (formatter goldens, *.fmt) get the mode by hand.
      (unless (string-suffix-p ".nlt" file) (nlt-mode))
      (if (not (eq major-mode 'nlt-mode))
          (push (format "%s: major mode %s, not nlt-mode" file major-mode) nlt-test-failures)
        (font-lock-ensure)
        (goto-char (point-min))
        (while (not (eobp))
          (let ((ppss (syntax-ppss (line-beginning-position))))
            (unless (or (nth 4 ppss) (nth 3 ppss))
              (let ((bol (line-beginning-position)) (eol (line-end-position)))
                ;; First comment, string and number on the line.
                (save-excursion
                  (when (re-search-forward "//\\|/\\*\\|\"" eol t)
                    (let ((start (match-beginning 0)))
                      (nlt-test-expect file start (if (eq (char-after start) ?\")
                                                      'font-lock-string-face
                                                    'font-lock-comment-face)))))
                (save-excursion
                  (when (and (re-search-forward "= *\\(-?[0-9]+\\(?:\\.[0-9]+\\)?\\(?:[eE][-+]?[0-9]+\\)?\\)\\_>" eol t)
                             (not (nth 8 (syntax-ppss (match-beginning 1)))))
                    (nlt-test-expect file (match-beginning 1) 'nlt-number-face)))
                (when (looking-at "[ \t]*\\(import\\)\\_>")
                  (nlt-test-expect file (match-beginning 1) 'font-lock-keyword-face))
                (ignore bol))))
          (forward-line 1))
        (when indent
         (let ((before (buffer-string)))
          (indent-region (point-min) (point-max))
          (unless (string= before (buffer-string))
            (let ((a (split-string before "\n")) (b (split-string (buffer-string) "\n")) (n 1))
              (while (and a (string= (car a) (car b))) (setq a (cdr a) b (cdr b) n (1+ n)))
              (push (format "%s:%d: re-indenting changes %S to %S" file n (car a) (car b))
                    nlt-test-failures)))
          (set-buffer-modified-p nil)))))
    (kill-buffer buf)))

(let* ((args command-line-args-left)
       (roles (nlt-test-read-roles (car args)))
       (files (cdr args)))
  (setq command-line-args-left nil)
  (nlt-test-synthetic roles)
  (dolist (f files) (nlt-test-file f))
  (dolist (f (reverse nlt-test-failures)) (princ (concat f "\n")))
  (princ (format "%d files, %d checks, %d failures\n" (length files) nlt-test-checks
                 (length nlt-test-failures)))
  (kill-emacs (if nlt-test-failures 1 0)))

;;; emacs_test.el ends here
