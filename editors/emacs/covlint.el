;;; covlint.el --- Coverage as a linter: covlint's language server through Eglot  -*- lexical-binding: t; -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "27.1") (eglot "1.9"))
;; Keywords: tools, languages, python

;;; Commentary:

;; Shows the lines and branches your tests never ran as Flymake diagnostics in Python buffers,
;; from the project's coverage.py data, through `covlint serve' and Eglot.
;;
;;   (require 'covlint)                       ; registers covlint with Eglot for Python modes
;;   (add-hook 'python-mode-hook #'eglot-ensure)
;;
;; Server settings go in `covlint-settings' (a plist), e.g.
;;   (setq covlint-settings '(:scope "diff" :base "origin/main" :showBranches :json-false))
;; Commands: `covlint-refresh', `covlint-toggle', `covlint-scope'.
;;
;; Eglot runs one server per buffer: to keep your Python server (ruff, pylsp, ...) too, set
;; `covlint-beside' to its command; both then run behind the rassumfrassum multiplexer.

;;; Code:

(require 'eglot)
(require 'cl-lib)

(defgroup covlint nil
  "Coverage diagnostics from covlint's language server."
  :group 'tools
  :prefix "covlint-")

(defcustom covlint-command '("covlint" "serve")
  "Command that starts the covlint language server, as a list of strings.
The program is looked up on `exec-path'."
  :type '(repeat string))

(defcustom covlint-settings nil
  "Settings sent to the server, as a plist.
Keys: :enable, :severity (a plist of :uncovered :missedBranch
:stale, each \"error\", \"warning\", \"information\" or \"hint\"),
:dataFile, :showBranches, :showStale, :scope (\"all\" or
\"diff\"), :base, :problems (\"all\", \"diff\" or \"none\"),
:codeLens, :showMutants, :mutantResults (severity :survivedMutant).  Use
:json-false for false."
  :type 'plist)

(defcustom covlint-beside nil
  "Your other Python language server, to run beside covlint, as a command list.
For example \='(\"ruff\" \"server\") or \='(\"pylsp\").  Eglot manages a buffer
with one server; with this set, Eglot starts `covlint-multiplexer', which runs
this server and covlint together and merges what they say (diagnostics of both,
completion and hover of yours).  nil: covlint alone."
  :type '(choice (const :tag "covlint alone" nil) (repeat string)))

(defcustom covlint-multiplexer '("rass")
  "The LSP multiplexer that runs `covlint-beside' and covlint as one server.
rassumfrassum's `rass' (`pip install rassumfrassum'), started as
`rass -- BESIDE... -- covlint serve'."
  :type '(repeat string))

(defcustom covlint-major-modes '(python-mode python-ts-mode)
  "Major modes whose buffers covlint serves."
  :type '(repeat symbol))

(defclass covlint-server (eglot-lsp-server) ()
  :documentation "Eglot's connection to `covlint serve'.")

(defun covlint--settings ()
  "The server settings as a JSON object (an empty one when unset)."
  (or covlint-settings eglot--{}))

(defun covlint--find (program package)
  "The absolute path of PROGRAM, or a `user-error' saying to install PACKAGE."
  (or (executable-find program)
      (user-error "covlint: `%s' was not found on exec-path; install it with `pip install %s'"
                  program package)))

(defun covlint--program ()
  "The absolute path of the server program.
Signal a `user-error' saying how to install it when it is missing."
  (covlint--find (car covlint-command) "covlint"))

(defun covlint--command ()
  "The command Eglot starts: covlint, or the multiplexer running it beside yours."
  (let ((covlint (cons (covlint--program) (cdr covlint-command))))
    (if (null covlint-beside)
        covlint
      `(,(covlint--find (car covlint-multiplexer) "rassumfrassum")
        ,@(cdr covlint-multiplexer)
        "--" ,(covlint--find (car covlint-beside) (car covlint-beside)) ,@(cdr covlint-beside)
        "--" ,@covlint))))

(defun covlint-contact (&optional _interactive)
  "Eglot contact for covlint: server class, command and initialization options."
  `(covlint-server ,@(covlint--command)
                   :initializationOptions ,(lambda (_server) (covlint--settings))))

(cl-defmethod eglot-handle-request
  ((_server covlint-server) (_method (eql workspace/configuration)) &key items)
  "Answer the `covlint' section with `covlint-settings'.
Unless `eglot-workspace-configuration' (e.g. in .dir-locals.el) sets it."
  (let ((answers (cl-call-next-method)))
    (cl-loop for item across items
             for index from 0
             when (and (equal (plist-get item :section) "covlint")
                       (null (aref answers index)))
             do (aset answers index (covlint--settings)))
    answers))

(defun covlint--server ()
  "The covlint server of the current buffer, or signal a `user-error'."
  (let ((server (eglot-current-server)))
    (unless (cl-typep server 'covlint-server)
      (user-error "covlint: no covlint server manages this buffer (M-x eglot to start one)"))
    server))

(defun covlint--execute (command &rest arguments)
  "Ask the server to run COMMAND (a string) with ARGUMENTS."
  (let* ((server (covlint--server))
         (provider (if (fboundp 'eglot-server-capable)
                       (eglot-server-capable :executeCommandProvider)
                     (eglot--server-capable :executeCommandProvider)))
         (offered (and (listp provider) (plist-get provider :commands))))
    (unless (seq-contains-p offered command)
      (user-error "covlint: this server version has no %s command" command))
    (eglot-execute-command server (intern command) (vconcat arguments))))

(defun covlint-refresh ()
  "Reload the coverage data now."
  (interactive)
  (covlint--execute "covlint.refresh"))

(defun covlint-toggle ()
  "Show or hide covlint's diagnostics."
  (interactive)
  (covlint--execute "covlint.toggle"))

(defun covlint-scope (scope)
  "Diagnose all lines (SCOPE \"all\") or only changed ones (\"diff\").
Changed means changed against the base ref (setting :base)."
  (interactive (list (completing-read "covlint scope: " '("all" "diff") nil t)))
  (covlint--execute "covlint.setScope" scope))

;;;###autoload
(defun covlint-eglot-setup ()
  "Register covlint as the Eglot server of `covlint-major-modes'."
  (add-to-list 'eglot-server-programs (cons covlint-major-modes #'covlint-contact)))

(covlint-eglot-setup)

(provide 'covlint)
;;; covlint.el ends here
