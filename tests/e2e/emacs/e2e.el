;;; e2e.el --- Emacs 28 + eglot 1.9 batch end-to-end test of the real `tftsr lsp' -*- lexical-binding: t -*-
;; Run by emacs/run.sh: emacs -Q --batch -l e2e.el
;; Needs SERVER_CMD, E2E_FIXTURE, E2E_WORKDIR (and TFTSR_DATA_DIR/TFTSR_DB_KEY for the store).
;; Exit status 0 on success, 1 on failure.
(require 'package)
;; -Q skips Debian's site-lisp setup: point package.el at Debian's elpa-* packages (eglot 1.9)
(setq package-directory-list '("/usr/share/emacs/site-lisp/elpa"))
(package-initialize)
(require 'eglot)
(require 'cl-lib)
(require 'json)

(defvar e2e-server-cmd (or (getenv "SERVER_CMD") (error "SERVER_CMD not set")))
(defvar e2e-fx (let ((json-object-type 'plist) (json-array-type 'list) (json-key-type 'keyword))
                 (json-read-file (or (getenv "E2E_FIXTURE") (error "E2E_FIXTURE not set")))))
(defvar e2e-t0 (float-time))

(defun e2e-log (fmt &rest args)
  (princ (concat (apply #'format fmt args) "\n") #'external-debugging-output))

;; Waits are progress-based: e2e-wait, e2e-waiting (progress.el, shared with docs_check.el).
(load (expand-file-name "progress.el" (file-name-directory load-file-name)) nil t)

(defun e2e-utf16-col (line cp)
  "UTF-16 column of code-point index CP in LINE."
  (/ (length (encode-coding-string (substring line 0 cp) 'utf-16le)) 2))

(defun e2e-redacted (pred)
  "The fixture lines with the findings satisfying PRED replaced by their tags."
  (let ((lines (copy-sequence (plist-get e2e-fx :lines))))
    (dolist (f (plist-get e2e-fx :findings) lines)
      (when (funcall pred f)
        (let* ((n (plist-get f :line)) (l (nth n lines))
               (i (string-search (plist-get f :text) l)))
          (setf (nth n lines) (concat (substring l 0 i) (plist-get f :tag)
                                      (substring l (+ i (length (plist-get f :text)))))))))))

(defun e2e-buffer-lines ()
  (split-string (buffer-substring-no-properties (point-min) (point-max)) "\n" nil))

(defun e2e-check-buffer (want what)
  ;; the file ends with a newline, so the last split element is ""
  (let ((got (butlast (e2e-buffer-lines))))
    (unless (equal got want) (error "%s: buffer is %S, want %S" what got want))))

;; eglot 1.9 derives languageId from the major mode name minus "-mode": `log-mode' sends "log".
(define-derived-mode log-mode text-mode "Log")
(add-to-list 'auto-mode-alist '("\\.log\\'" . log-mode))
(setq eglot-server-programs `((log-mode . ("/bin/sh" "-c" ,(concat "exec " e2e-server-cmd))))
      eglot-sync-connect t              ; block until connected (progress-checked by the timer)
      eglot-events-buffer-size 0        ; set to 2000000 to debug the JSON-RPC traffic
      eglot-autoshutdown nil
      flymake-start-on-flymake-mode t)
;; --batch: a y-or-n-p prompt would read stdin; eglot asks one for edits to unvisited files
(advice-add 'y-or-n-p :override (lambda (&rest _) t))

(defun e2e-diag-lsp (d) (cdr (assoc 'eglot-lsp-diag (eglot--diag-data d))))

(defun e2e-main ()
  (let* ((dir (file-name-as-directory (or (getenv "E2E_WORKDIR") (make-temp-file "e2e-emacs" t))))
         (file (expand-file-name "sample.log" dir))
         (lines (plist-get e2e-fx :lines))
         (findings (plist-get e2e-fx :findings))
         (qf (plist-get e2e-fx :quickfix)))
    (make-directory dir t)
    (let ((coding-system-for-write 'utf-8-unix))
      (with-temp-file file (insert (mapconcat #'identity lines "\n") "\n")))
    (find-file file)
    (cl-assert (eq major-mode 'log-mode))
    ;; Not `eglot-ensure': it connects from `post-command-hook', which never runs in --batch.
    (e2e-waiting "the connection (initialize)" (apply #'eglot (eglot--guess-contact)))
    (let ((server (eglot-current-server))
          (uri (eglot--path-to-uri file)))
      (e2e-wait (lambda () (and server (jsonrpc-running-p server) eglot--managed-mode)) "eglot connection")
      (flymake-start)                   ; deferred starts never fire in --batch
      (e2e-wait (lambda () (= (length (flymake-diagnostics)) (length findings)))
                (format "%d flymake diagnostics" (length findings)))
      (e2e-log "%d diagnostics after %.0f ms" (length findings) (* 1000 (- (float-time) e2e-t0)))
      ;; 1. exactly the fixture's findings; eglot converted UTF-16 ranges to buffer positions
      (dolist (f findings)
        (let* ((n (plist-get f :line)) (line (nth n lines)) (text (plist-get f :text))
               (hit (cl-find-if
                     (lambda (d)
                       (and (equal (plist-get (e2e-diag-lsp d) :code) (plist-get f :type))
                            (equal (buffer-substring-no-properties (flymake-diagnostic-beg d)
                                                                   (flymake-diagnostic-end d))
                                   text)
                            (= (1- (line-number-at-pos (flymake-diagnostic-beg d))) n)))
                     (flymake-diagnostics))))
          (unless hit
            (error "No %s diagnostic covering exactly %S on line %d (offset-encoding bug?): %S"
                   (plist-get f :type) text n
                   (mapcar (lambda (d) (list (buffer-substring-no-properties (flymake-diagnostic-beg d)
                                                                             (flymake-diagnostic-end d))
                                             (e2e-diag-lsp d)))
                           (flymake-diagnostics))))
          (let* ((lsp (e2e-diag-lsp hit)) (data (plist-get lsp :data))
                 (want-type (pcase (plist-get f :severity) (1 'eglot-error) (2 'eglot-warning) (_ 'eglot-note)))
                 (u16 (e2e-utf16-col line (string-search text line))))
            (unless (eq (flymake-diagnostic-type hit) want-type)
              (error "%s: flymake type %S, want %S" text (flymake-diagnostic-type hit) want-type))
            (unless (equal (plist-get lsp :source) "tftsr") (error "source %S" (plist-get lsp :source)))
            (when (string-search text (plist-get lsp :message)) (error "message leaks the value"))
            (unless (string-search (plist-get f :label) (plist-get lsp :message))
              (error "message %S does not name %S" (plist-get lsp :message) (plist-get f :label)))
            (unless (equal (plist-get data :fingerprint) (secure-hash 'sha256 text))
              (error "data.fingerprint is not sha256(value): %S" data))
            (unless (equal (plist-get data :type) (plist-get f :type)) (error "data.type %S" data))
            (unless (= (plist-get (plist-get (plist-get lsp :range) :start) :character) u16)
              (error "%s on line %d: server sent character %d, UTF-16 is %d" (plist-get f :type) n
                     (plist-get (plist-get (plist-get lsp :range) :start) :character) u16))
            (e2e-log "ok %-8s line %d utf-16 col %d, %S: %s" (plist-get f :type) n u16
                     (flymake-diagnostic-type hit) (flymake-diagnostic-text hit)))))
      ;; 2. "Redact <Label>" on the multi-byte line, applied through eglot's own code-action path
      (goto-char (point-min)) (forward-line (plist-get qf :line))
      (let* ((text (plist-get (cl-find-if (lambda (f) (and (= (plist-get f :line) (plist-get qf :line))
                                                           (equal (plist-get f :type) (plist-get qf :type))))
                                          findings)
                              :text))
             (beg (progn (search-forward text) (- (point) (length text))))
             (actions (e2e-waiting "the quickfix actions" (eglot-code-actions beg (point) "quickfix")))
             (action (cl-find-if (lambda (a) (equal (plist-get a :title) (plist-get qf :title))) actions)))
        (e2e-log "quickfix titles: %s" (mapconcat (lambda (a) (plist-get a :title)) actions " | "))
        (unless action (error "No %S action" (plist-get qf :title)))
        (unless (eq (plist-get action :isPreferred) t) (error "%S is not preferred" (plist-get qf :title)))
        ;; eglot 1.9 has no codeAction/resolve: the server must send the edit eagerly
        (unless (plist-get action :edit) (error "%S came without an edit for eglot: %S" (plist-get qf :title) action))
        (eglot--read-execute-code-action (list action) server "quickfix"))
      (e2e-check-buffer (e2e-redacted (lambda (f) (and (= (plist-get f :line) (plist-get qf :line))
                                                       (equal (plist-get f :type) (plist-get qf :type)))))
                        "after the quickfix")
      ;; eglot sends didChange from an idle timer; force it, then wait for the republish
      (eglot--signal-textDocument/didChange)
      (e2e-wait (lambda () (= (length (flymake-diagnostics)) (1- (length findings))))
                "one diagnostic less after the quickfix")
      ;; 3. commands: documentStats, and an issue round trip through the encrypted temp store
      (let ((stats (e2e-waiting "tftsr.documentStats"
                     (eglot-execute-command server 'tftsr.documentStats (vector (list :uri uri))))))
        (e2e-log "documentStats -> %S" stats)
        (unless (equal (plist-get stats :findings) (1- (length findings)))
          (error "documentStats findings %S" stats))
        (let ((want nil))              ; type -> count, the quickfixed finding excluded
          (dolist (f findings)
            (unless (and (= (plist-get f :line) (plist-get qf :line)) (equal (plist-get f :type) (plist-get qf :type)))
              (let ((k (intern (concat ":" (plist-get f :type)))))
                (setq want (plist-put want k (1+ (or (plist-get want k) 0)))))))
          (dolist (k (seq-filter #'keywordp want))
            (unless (equal (plist-get (plist-get stats :byType) k) (plist-get want k))
              (error "documentStats byType %S, want %S" stats want)))
          (unless (= (length (plist-get stats :byType)) (length want))
            (error "documentStats byType %S, want %S" stats want))))
      (let* ((issue (e2e-waiting "tftsr.createIssue"
                      (eglot-execute-command server 'tftsr.createIssue
                                             (vector (list :title "emacs e2e: disk full" :severity "medium")))))
             (list (e2e-waiting "tftsr.listIssues"
                     (eglot-execute-command server 'tftsr.listIssues (vector eglot--{})))))
        (unless (and (stringp (plist-get issue :id)) (equal (plist-get issue :title) "emacs e2e: disk full"))
          (error "createIssue returned %S" issue))
        (unless (and (= (length list) 1) (equal (plist-get (aref list 0) :id) (plist-get issue :id)))
          (error "listIssues returned %S" list))
        (e2e-log "createIssue + listIssues -> %s" (plist-get issue :id)))
      ;; 4. "Redact all PII in file" (source.fixAll.tftsr), through eglot again
      (let ((actions (e2e-waiting "the source.fixAll.tftsr action"
                       (eglot-code-actions (point-min) (point-min) "source.fixAll.tftsr"))))
        (unless (and (= (length actions) 1) (equal (plist-get (car actions) :title) (plist-get e2e-fx :redactAllTitle)))
          (error "source.fixAll.tftsr actions: %S" actions))
        (unless (plist-get (car actions) :edit) (error "redact-all came without an edit for eglot"))
        (eglot--read-execute-code-action actions server "source.fixAll.tftsr"))
      (e2e-check-buffer (e2e-redacted #'identity) "after redact-all")
      (eglot--signal-textDocument/didChange)
      (e2e-wait (lambda () (null (flymake-diagnostics))) "no diagnostics after redact-all")
      ;; 5. save and check the file on disk
      (save-buffer)
      (let ((disk (with-temp-buffer (let ((coding-system-for-read 'utf-8)) (insert-file-contents file))
                                    (buffer-string))))
        (unless (equal disk (concat (mapconcat #'identity (e2e-redacted #'identity) "\n") "\n"))
          (error "File on disk: %S" disk))
        (e2e-log "saved file is redacted: %s" (replace-regexp-in-string "\n" " / " disk)))
      ;; eglot's default: kill the server unless it answers `shutdown' within 1.5 s (and fail)
      (e2e-waiting "the shutdown response" (eglot-shutdown server nil e2e-hard-cap))
      (e2e-log "PASS in %.0f ms" (* 1000 (- (float-time) e2e-t0))))))

(condition-case err
    (progn (e2e-main) (kill-emacs 0))
  (error (e2e-log "FAIL: %s" (error-message-string err))
         (kill-emacs 1)))
