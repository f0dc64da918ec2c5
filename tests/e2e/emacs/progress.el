;;; progress.el --- progress-based waits for the Emacs e2e tests -*- lexical-binding: t -*-
;; Loaded by e2e.el and docs_check.el after eglot. Needs `e2e-log'.
(require 'cl-lib)
(require 'eglot)

;; Waits are progress-based (as in tests/common/progress.rs): a wait goes on while the server uses
;; CPU time, and fails after `e2e-no-progress' seconds without any (an idle server that has not
;; answered never will), or after `e2e-hard-cap' seconds in all. eglot's own blocking requests
;; (code actions, commands, shutdown) get the hard cap as their time-out, and a timer applies the
;; same no-progress rule while they block.
(defconst e2e-no-progress (string-to-number (or (getenv "E2E_NO_PROGRESS") "90")))
(defconst e2e-hard-cap 1800)
(setq jsonrpc-default-request-timeout e2e-hard-cap
      eglot-connect-timeout e2e-hard-cap)

(defun e2e-cpu (pid)
  "CPU ticks (user + system) PID has used, from /proc/PID/stat; nil once it is gone."
  (when pid
    (let ((f (format "/proc/%d/stat" pid)))
      (when (file-readable-p f)
        (with-temp-buffer
          (insert-file-contents f)
          (let ((fields (split-string (buffer-substring (1+ (progn (goto-char (point-max))
                                                                    (search-backward ")")))
                                                        (point-max)))))
            (+ (string-to-number (nth 11 fields)) (string-to-number (nth 12 fields)))))))))

(defun e2e-server-pid ()
  "The pid of the (one) server eglot started, once there is one."
  (let ((s (car (cl-loop for ss being the hash-values of eglot--servers-by-project append ss))))
    (and s (process-live-p (jsonrpc--process s)) (process-id (jsonrpc--process s)))))
(defvar e2e--what nil "What the test is waiting for now.")
(defvar e2e--cpu nil)
(defvar e2e--since nil "When the server last made progress (or the wait began).")
(defvar e2e--began nil)

(defun e2e--start (what)
  (setq e2e--what what e2e--cpu (e2e-cpu (e2e-server-pid)) e2e--since (float-time) e2e--began (float-time)))

(defun e2e--stalled ()
  "A failure message once the current wait made no progress for too long, else nil."
  (let ((cpu (e2e-cpu (e2e-server-pid))) (now (float-time)))
    (unless (equal cpu e2e--cpu) (setq e2e--cpu cpu e2e--since now))
    (cond ((> (- now e2e--since) e2e-no-progress)
           (format "gave up waiting for %s: the server made no progress for %d s" e2e--what e2e-no-progress))
          ((> (- now e2e--began) e2e-hard-cap)
           (format "gave up waiting for %s after %d s" e2e--what e2e-hard-cap)))))

(defmacro e2e-waiting (what &rest body)
  "Run BODY (a blocking eglot request) as a wait for WHAT."
  (declare (indent 1))
  `(progn (e2e--start ,what) (unwind-protect (progn ,@body) (setq e2e--what nil))))

;; eglot's requests block inside jsonrpc: only a timer can look at the server meanwhile.
(run-at-time 1 1 (lambda ()
                   (let ((stalled (and e2e--what (e2e--stalled))))
                     (when stalled (e2e-log "FAIL: %s" stalled) (kill-emacs 1)))))

(defun e2e-wait (pred what)
  "Pump the event loop until PRED is non-nil, while the server makes progress."
  (e2e-waiting what
    (while (not (funcall pred))
      (let ((stalled (e2e--stalled))) (when stalled (error "%s" stalled)))
      (accept-process-output nil 0.05))
    t))
