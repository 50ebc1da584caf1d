;;; driver.el --- Emacs batch driver for covlint's e2e test  -*- lexical-binding: t; -*-
;; emacs --batch -l editors/emacs/covlint.el -l driver.el, with COVLINT_JOB=<job.json>.
;; Opens the file in python-mode, connects Eglot, waits for Flymake's diagnostics, runs the
;; job's steps and writes the diagnostics as JSON to the job's output file.

(require 'json)
(require 'cl-lib)
(require 'flymake)

(defvar covlint-e2e--published 0 "How many publishDiagnostics notifications arrived.")

(advice-add 'eglot-handle-notification :after
            (lambda (_server method &rest _)
              (when (eq method 'textDocument/publishDiagnostics)
                (cl-incf covlint-e2e--published))))

(defun covlint-e2e--job ()
  (let ((json-object-type 'plist) (json-array-type 'list) (json-key-type 'keyword))
    (json-read-file (getenv "COVLINT_JOB"))))

(defun covlint-e2e--wait (timeout predicate)
  "Run the event loop until PREDICATE holds or TIMEOUT seconds pass; return its last value."
  (let ((deadline (+ (float-time) timeout)) (value nil))
    (while (and (not (setq value (funcall predicate))) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    value))

(defun covlint-e2e--position (point)
  "POINT as an LSP-like (line . character), both 0-based."
  (save-excursion
    (goto-char point)
    (list :line (1- (line-number-at-pos point)) :character (current-column))))

(defun covlint-e2e--diagnostics ()
  (mapcar (lambda (diag)
            (list :start (covlint-e2e--position (flymake-diagnostic-beg diag))
                  :end (covlint-e2e--position (flymake-diagnostic-end diag))
                  :type (symbol-name (flymake-diagnostic-type diag))
                  :text (flymake-diagnostic-text diag)))
          (flymake-diagnostics)))

(defvar covlint-e2e--only nil "Count only the diagnostics whose text starts with this.")

(defun covlint-e2e--counted ()
  "How many Flymake diagnostics the step waits for (all, or covlint's own)."
  (length (cl-remove-if-not
           (lambda (diag) (or (null covlint-e2e--only)
                              (string-prefix-p covlint-e2e--only (flymake-diagnostic-text diag))))
           (flymake-diagnostics))))

(defun covlint-e2e--step (step timeout settle)
  ;; The first publish may land while Eglot connects: only steps that run a command need a new one.
  (let ((before (if (plist-get step :call) covlint-e2e--published -1))
        (count (plist-get step :count)))
    (when (plist-get step :call)
      (apply (intern (plist-get step :call)) (plist-get step :args)))
    (let ((reached (covlint-e2e--wait
                    timeout
                    (lambda () (and (> covlint-e2e--published before)
                                    (= (covlint-e2e--counted) count))))))
      (covlint-e2e--wait settle #'ignore)
      (list :name (plist-get step :name) :reached (if reached t :json-false)
            :published covlint-e2e--published :eglot (length eglot--diagnostics)
            :diagnostics (vconcat (covlint-e2e--diagnostics))))))

(defun covlint-e2e--events (server)
  "The JSON-RPC events log of SERVER (the messages both ways), if it started."
  (when server
    (ignore-errors
      (with-current-buffer (jsonrpc-events-buffer server)
        (buffer-substring-no-properties (point-min) (point-max))))))

(let* ((job (covlint-e2e--job))
       (timeout (/ (plist-get job :timeout_ms) 1000.0))
       (settle (/ (plist-get job :settle_ms) 1000.0))
       (result (list :steps nil))
       (server nil)
       (ok nil))
  (condition-case err
      (progn
        (setq covlint-settings (plist-get job :settings))
        (when (plist-get job :beside)  ; your Python server, beside covlint through rass
          (setq covlint-beside (plist-get job :beside)
                covlint-e2e--only (plist-get job :only)))
        (find-file (plist-get job :file))
        (python-mode)
        (setq result (plist-put result :mode (symbol-name major-mode)))
        ;; In --batch `eglot-ensure' never connects (it waits for a command loop): connect directly.
        (setq eglot-sync-connect 20)  ; a multiplexer starting two servers takes a few seconds
        (apply #'eglot (eglot--guess-contact))
        (setq server (covlint-e2e--wait timeout #'eglot-current-server))
        (unless server (error "eglot did not connect"))
        (setq result (plist-put result :class (symbol-name (eieio-object-class server))))
        (setq result (plist-put result :root
                                (expand-file-name (project-root (eglot--project server)))))
        (flymake-mode 1)
        (flymake-start)
        (setq result (plist-put result :steps
                                (vconcat (mapcar (lambda (step) (covlint-e2e--step step timeout settle))
                                                 (plist-get job :steps)))))
        (setq ok t))
    (error (setq result (plist-put result :error (error-message-string err)))))
  (setq result (plist-put result :log (covlint-e2e--events server)))
  (with-temp-file (plist-get job :output)
    (insert (json-encode result)))
  (kill-emacs (if ok 0 1)))
