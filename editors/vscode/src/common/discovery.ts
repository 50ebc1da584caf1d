// Finding covlint: the configured command or interpreter, the Python extension's interpreter, the
// workspace's .venv / venv, `covlint` on PATH — else one message with the command that installs it.
// No `vscode` import: the search is plain Node, tested on real interpreters and venvs.
import { execFile } from 'child_process';
import { promises as fs } from 'fs';
import * as path from 'path';

export const PIP_PACKAGE = 'covlint';
export const VENV_NAMES = ['.venv', 'venv'];

/** A resolved server command, and the interpreter it relies on (when started with `-m covlint`). */
export interface ServerCommand {
    command: string;
    args: string[];
    interpreter?: string[];
    /** Which step found it: path, interpreter, python-extension, venv, PATH. */
    source: Step;
}

export type Step = 'path' | 'interpreter' | 'python-extension' | 'venv' | 'PATH';

export interface SearchInput {
    /** covlint.path: the whole server command. */
    path: string[];
    /** covlint.interpreter: a Python with covlint. */
    interpreter: string[];
    /** The Python extension's selected interpreter, if that extension is installed. */
    pythonExtension: () => Promise<string | undefined>;
    /** Workspace folders, searched for .venv / venv. */
    folders: string[];
    /** An untrusted workspace: never run a program found inside it. */
    trusted: boolean;
    /** The PATH to search for `covlint` (default: this process's). */
    envPath?: string;
    cwd: string;
}

export interface SearchResult {
    server?: ServerCommand;
    /** When nothing was found: one message with the install command. */
    problem?: string;
    /** What each step saw, for the log. */
    tried: string[];
}

function run(command: string, args: string[], cwd: string): Promise<{ code: number | string; stderr: string }> {
    return new Promise((resolve) => {
        execFile(command, args, { cwd, timeout: 20000 }, (error, _stdout, stderr) => {
            const code = error ? ((error as NodeJS.ErrnoException).code ?? 1) : 0;
            resolve({ code, stderr: String(stderr) });
        });
    });
}

async function isExecutable(file: string): Promise<boolean> {
    try {
        await fs.access(file, fs.constants.X_OK);
        return (await fs.stat(file)).isFile();
    } catch {
        return false;
    }
}

/** The full path of `command` on `envPath`, or undefined. */
export async function onPath(command: string, envPath = process.env.PATH ?? ''): Promise<string | undefined> {
    if (path.isAbsolute(command) || command.includes('/') || command.includes('\\')) {
        return (await isExecutable(command)) ? command : undefined;
    }
    const suffixes = process.platform === 'win32' ? ['.exe', '.cmd', '.bat', ''] : [''];
    for (const dir of envPath.split(path.delimiter).filter((entry) => entry !== '')) {
        for (const suffix of suffixes) {
            const candidate = path.join(dir, command + suffix);
            if (await isExecutable(candidate)) {
                return candidate;
            }
        }
    }
    return undefined;
}

// Exit 3: covlint is not importable; exit 4: it is too old to run as `python -m covlint`.
const PROBE = [
    'import importlib.util, sys',
    "sys.exit(3 if importlib.util.find_spec('covlint') is None else",
    "         4 if importlib.util.find_spec('covlint.__main__') is None else 0)",
].join('\n');

export type Probe = 'ok' | 'missing' | 'old' | 'no-python' | string;

/** Whether `python` can run `python -m covlint serve`. */
export async function probe(python: string[], cwd: string): Promise<Probe> {
    const done = await run(python[0], [...python.slice(1), '-c', PROBE], cwd);
    if (done.code === 0) {
        return 'ok';
    }
    if (done.code === 'ENOENT' || done.code === 'EACCES') {
        return 'no-python';
    }
    if (done.code === 3) {
        return 'missing';
    }
    if (done.code === 4) {
        return 'old';
    }
    return `failed (${done.code}): ${done.stderr.trim().split('\n').pop() ?? ''}`;
}

export function installCommand(python: string[]): string {
    return `${python.join(' ')} -m pip install ${PIP_PACKAGE}`;
}

/** The message for an interpreter that cannot run covlint. */
export function probeProblem(python: string[], found: Probe): string {
    const shown = python.join(' ');
    if (found === 'no-python') {
        return `covlint: cannot run the Python interpreter "${shown}". Select one with the Python extension or set covlint.interpreter.`;
    }
    if (found === 'missing') {
        return `covlint is not installed for ${shown}. Install it with: ${installCommand(python)}`;
    }
    if (found === 'old') {
        return `covlint in ${shown} is too old to run as a server. Upgrade it with: ${shown} -m pip install -U ${PIP_PACKAGE}`;
    }
    return `covlint: checking ${shown} ${found}`;
}

export function venvPython(folder: string, name: string): string {
    return process.platform === 'win32'
        ? path.join(folder, name, 'Scripts', 'python.exe')
        : path.join(folder, name, 'bin', 'python');
}

function inside(file: string, folders: string[]): boolean {
    return folders.some((folder) => !path.relative(folder, file).startsWith('..'));
}

function withInterpreter(python: string[], source: Step): ServerCommand {
    return { command: python[0], args: [...python.slice(1), '-m', 'covlint', 'serve'], interpreter: python, source };
}

/** The venv interpreters of the workspace folders that exist. */
async function venvs(folders: string[]): Promise<string[]> {
    const found = [];
    for (const folder of folders) {
        for (const name of VENV_NAMES) {
            const python = venvPython(folder, name);
            if (await isExecutable(python)) {
                found.push(python);
            }
        }
    }
    return found;
}

/** Configured settings win outright: a broken setting is reported, never silently skipped. */
async function configured(input: SearchInput, tried: string[]): Promise<SearchResult | undefined> {
    if (input.path.length > 0) {
        const found = await onPath(input.path[0], input.envPath);
        tried.push(`covlint.path ${input.path.join(' ')}: ${found ? 'found' : 'not found'}`);
        return found
            ? { server: { command: found, args: input.path.slice(1), source: 'path' }, tried }
            : {
                  problem: `covlint: the command in the covlint.path setting was not found: ${input.path[0]}. Install covlint with \`pip install ${PIP_PACKAGE}\` or fix the setting.`,
                  tried,
              };
    }
    if (input.interpreter.length > 0) {
        const found = await probe(input.interpreter, input.cwd);
        tried.push(`covlint.interpreter ${input.interpreter.join(' ')}: ${found}`);
        return found === 'ok'
            ? { server: withInterpreter(input.interpreter, 'interpreter'), tried }
            : { problem: probeProblem(input.interpreter, found), tried };
    }
    return undefined;
}

/** The interpreters to try, in order, with the step each comes from. */
async function candidates(input: SearchInput, tried: string[]): Promise<Array<[string, Step]>> {
    const found: Array<[string, Step]> = [];
    let selected: string | undefined;
    try {
        selected = await input.pythonExtension();
    } catch (error) {
        tried.push(`Python extension: ${String(error)}`);
    }
    if (selected && !input.trusted && inside(selected, input.folders)) {
        tried.push(`Python extension ${selected}: inside an untrusted workspace, not run`);
    } else if (selected) {
        found.push([selected, 'python-extension']);
    } else {
        tried.push('Python extension: none selected or not installed');
    }
    if (input.trusted) {
        found.push(...(await venvs(input.folders)).map((python): [string, Step] => [python, 'venv']));
    } else {
        tried.push('.venv / venv: not searched in an untrusted workspace');
    }
    return found;
}

/** Find the covlint server to start, or say in one message how to install it. */
export async function findServer(input: SearchInput): Promise<SearchResult> {
    const tried: string[] = [];
    const set = await configured(input, tried);
    if (set) {
        return set;
    }
    const pythons = await candidates(input, tried);
    for (const [python, step] of pythons) {
        const found = await probe([python], input.cwd);
        tried.push(`${step} ${python}: ${found}`);
        if (found === 'ok') {
            return { server: withInterpreter([python], step), tried };
        }
    }
    const script = await onPath('covlint', input.envPath);
    tried.push(`covlint on PATH: ${script ?? 'not found'}`);
    if (script && (input.trusted || !inside(script, input.folders))) {
        return { server: { command: script, args: ['serve'], source: 'PATH' }, tried };
    }
    const python = pythons[0]?.[0] ?? (await onPath(process.platform === 'win32' ? 'python' : 'python3', input.envPath));
    const problem = python
        ? `covlint is not installed for ${python}. Install it with: ${installCommand([python])}`
        : `covlint was not found and no Python interpreter either. Install it with: pipx install ${PIP_PACKAGE}`;
    return { problem, tried };
}
